// An incremental frame decoder (RFC 6455 §5.2). Bytes go in, in any chunking; frames come
// out. Each named state waits for the bytes it needs and returns early when the chunk ends.
//
//   HEADER     2 bytes: FIN, RSV1-3, opcode, MASK, 7-bit length
//   LENGTH_16  2 more bytes when the 7-bit length was 126
//   LENGTH_64  8 more bytes when it was 127
//   MASK_KEY   4 bytes when MASK is set
//   PAYLOAD    payloadLength bytes
//
// Limits are checked as soon as the header field that carries them is parsed, before any
// payload byte is buffered. A violation throws WsProtocolError; the decoder then stays FAILED.
//
// 10.4 "a malicious endpoint can try to exhaust its peer's memory ... by sending ... a single
// big frame". So memory follows the bytes received, not the length announced: a payload of up
// to EAGER_PAYLOAD_BYTES gets its buffer when its first bytes arrive, a larger one a buffer that
// doubles as its bytes arrive: a peer that announces 16 MiB and sends one byte holds 64 KiB.
//
// A negotiated extension (RFC 7692 permessage-deflate) may give RSV1 a meaning: with
// `allowRsv1` the bit is read as the extension's and only RSV2 and RSV3 are refused here;
// the connection decides on which frames RSV1 may appear.
//
// Text is checked while it arrives: `onPayload` sees each piece of a payload that spans
// chunks as soon as it is unmasked, so an invalid byte fails the frame before its end.
//
// The connection may `pause()` the decoder after a frame (while that frame's payload is
// inflated elsewhere): the rest of the chunk, and later chunks, wait until `resume()`.
//
// Non-minimal lengths: 5.2 says "the minimal number of bytes MUST be used to encode the
// length", but this decoder accepts a 16- or 64-bit form holding a small length, as `ws`
// and the Autobahn test suite do. The form used is reported in `Frame.lengthForm` so the
// inspector can show it.
import { allocBytes, copyBytes } from './bytes.ts';
import { WsProtocolError } from './errors.ts';
import { EMPTY_BYTES, MAX_CONTROL_PAYLOAD, applyMask, readLength16, readLength64, type Frame } from './frame.ts';

export type DecoderState = 'HEADER' | 'LENGTH_16' | 'LENGTH_64' | 'MASK_KEY' | 'PAYLOAD' | 'HALTED' | 'FAILED';

export interface DecoderOptions {
  /** 'server' decodes frames sent by a client (must be masked); 'client' decodes a server's frames (must not be). */
  role: 'server' | 'client';
  /** Largest payload accepted in one frame. */
  maxPayloadBytes: number;
  /** Keep the still-masked payload in `Frame.wirePayload` (for the inspector). */
  inspect?: boolean;
  /**
   * Called once a frame's length is known, before its mask key and payload are read.
   * Throwing a WsProtocolError here fails the frame (used by the connection for checks
   * that need message state: continuations and the message size limit).
   */
  onHeader?: (opcode: number, fin: boolean, payloadLength: number) => void;
  /** Called for every complete frame. Without it, frames are collected and returned by push(). */
  onFrame?: (frame: Frame) => void;
  /** RSV1 belongs to a negotiated extension (RFC 7692): read it instead of refusing it. */
  allowRsv1?: boolean;
  /**
   * Called with each piece of a data frame's payload that arrived in a later chunk than the
   * frame's first payload byte, already unmasked: payload[start, end). A frame whose payload
   * arrives in one chunk is only seen by onFrame. Throwing a WsProtocolError fails the frame.
   */
  onPayload?: (payload: Uint8Array, start: number, end: number) => void;
}

const NO_FRAMES: Frame[] = [];

/** Payloads up to this size are allocated whole; larger ones grow as their bytes arrive. */
export const EAGER_PAYLOAD_BYTES = 64 * 1024;

export class FrameDecoder {
  private readonly role: 'server' | 'client';
  maxPayloadBytes: number;
  private readonly inspect: boolean;
  private readonly onHeader: DecoderOptions['onHeader'];
  private readonly onFrame: DecoderOptions['onFrame'];
  private readonly onPayload: DecoderOptions['onPayload'];
  private readonly allowRsv1: boolean;
  // RSV1 of the frame in progress when allowRsv1 (see takeRsv1).
  private extensionBit = false;
  // Set by pause(): input waits in `waiting` until resume().
  private paused = false;
  private waiting: Uint8Array[] = [];
  private waitingBytes = 0;
  // The payload bytes already unmasked: all of them once it spans chunks (see PAYLOAD).
  private unmasked = false;
  private collected: Frame[] = [];

  private _state: DecoderState = 'HEADER';
  // Header bytes seen so far for the current frame (at most 2 + 8 + 4).
  private readonly head = new Uint8Array(14);
  private headLen = 0;
  private headWant = 2;

  private fin = false;
  private rsv1 = false;
  private rsv2 = false;
  private rsv3 = false;
  private opcode = 0;
  private masked = false;
  private lengthForm: 7 | 16 | 64 = 7;
  private payloadLength = 0;
  private maskKey: Uint8Array | null = null;
  private headerBytes: Uint8Array = EMPTY_BYTES;
  // A payload that spans chunks is filled into payload[0, filled); see growPayload.
  private payload: Uint8Array = EMPTY_BYTES;
  private filled = 0;
  private error: WsProtocolError | null = null;

  constructor(options: DecoderOptions) {
    this.role = options.role;
    this.maxPayloadBytes = options.maxPayloadBytes;
    this.inspect = options.inspect ?? false;
    this.onHeader = options.onHeader;
    this.onFrame = options.onFrame;
    this.onPayload = options.onPayload;
    this.allowRsv1 = options.allowRsv1 ?? false;
  }

  get state(): DecoderState {
    return this._state;
  }

  /**
   * Bytes held for the frame in progress: its header so far and its payload buffer, which is
   * at most EAGER_PAYLOAD_BYTES or twice the payload bytes received.
   */
  get bufferedBytes(): number {
    return this.headLen + (this._state === 'PAYLOAD' ? this.payload.length : 0) + this.waitingBytes;
  }

  /** RSV1 of the frame whose header was just read (onHeader): the extension's bit. */
  get rsv1Set(): boolean {
    return this.extensionBit;
  }

  /** Stops after the frame being delivered: the rest of the input waits for resume(). */
  pause(): void {
    this.paused = true;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Decodes the input that waited since pause(); may pause again on the way. */
  resume(): Frame[] {
    if (!this.paused) return NO_FRAMES;
    this.paused = false;
    const waiting = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    for (let i = 0; i < waiting.length; i++) {
      if (this.paused) {
        this.wait(waiting.slice(i));
        break;
      }
      this.push(waiting[i]!);
    }
    return this.onFrame ? NO_FRAMES : this.takeFrames();
  }

  private wait(chunks: Uint8Array[]): void {
    for (const chunk of chunks) {
      this.waiting.push(chunk);
      this.waitingBytes += chunk.length;
    }
  }

  /** Stops decoding: later input is ignored (used after a close frame). */
  halt(): void {
    if (this._state !== 'FAILED') this._state = 'HALTED';
    this.release();
  }

  private release(): void {
    this.waiting = [];
    this.waitingBytes = 0;
    this.paused = false;
    this.payload = EMPTY_BYTES;
    this.filled = 0;
    this.headLen = 0;
    this.maskKey = null;
    this.headerBytes = EMPTY_BYTES;
  }

  /**
   * Feeds a chunk. Returns the frames it completed when no onFrame callback was given
   * (if push throws, frames completed before the error are left for takeFrames()).
   */
  push(chunk: Uint8Array): Frame[] {
    if (this._state === 'FAILED') throw this.error!;
    if (this.paused) {
      if (this._state !== 'HALTED') this.wait([copyBytes(chunk)]);
      return NO_FRAMES;
    }
    try {
      this.run(chunk);
    } catch (err) {
      this._state = 'FAILED';
      this.release();
      this.error = err instanceof WsProtocolError ? err : new WsProtocolError('WS_ERR_INTERNAL');
      throw err;
    }
    return this.onFrame ? NO_FRAMES : this.takeFrames();
  }

  /** Frames collected but not yet returned (collecting mode only). */
  takeFrames(): Frame[] {
    if (this.collected.length === 0) return [];
    const frames = this.collected;
    this.collected = [];
    return frames;
  }

  private run(chunk: Uint8Array): void {
    const end = chunk.length;
    let pos = 0;
    for (;;) {
      switch (this._state) {
        case 'HEADER': {
          if (this.paused) {
            if (pos < end) this.wait([copyBytes(chunk, pos, end)]);
            return;
          }
          pos = this.fillHead(chunk, pos);
          if (this.headLen < this.headWant) return;
          this.takeRsv1();
          this.parseFirstTwoBytes();
          this.restoreRsv1();
          break;
        }
        case 'LENGTH_16': {
          pos = this.fillHead(chunk, pos);
          if (this.headLen < this.headWant) return;
          this.lengthKnown(readLength16(this.head, 2));
          break;
        }
        case 'LENGTH_64': {
          pos = this.fillHead(chunk, pos);
          if (this.headLen < this.headWant) return;
          // 5.2 "the most significant bit MUST be 0"
          if (this.head[2]! & 0x80) throw new WsProtocolError('WS_ERR_LENGTH_TOO_LARGE');
          this.lengthKnown(readLength64(this.head, 2));
          break;
        }
        case 'MASK_KEY': {
          pos = this.fillHead(chunk, pos);
          if (this.headLen < this.headWant) return;
          this.maskKey = copyBytes(this.head, this.headLen - 4, this.headLen);
          this.startPayload();
          break;
        }
        case 'PAYLOAD': {
          const avail = end - pos;
          if (this.filled === 0 && this.payload === EMPTY_BYTES) {
            // The frame's first payload bytes: when they are all in this chunk, one copy
            // makes the payload; otherwise it is filled across chunks.
            if (this.payloadLength === 0) {
              this.finishFrame(EMPTY_BYTES);
              break;
            }
            if (avail >= this.payloadLength) {
              const payload = copyBytes(chunk, pos, pos + this.payloadLength);
              pos += this.payloadLength;
              this.finishFrame(payload);
              break;
            }
            if (avail === 0) return;
            this.payload = allocBytes(this.payloadLength <= EAGER_PAYLOAD_BYTES ? this.payloadLength : Math.max(EAGER_PAYLOAD_BYTES, avail));
          }
          if (avail === 0) return;
          const take = Math.min(avail, this.payloadLength - this.filled);
          if (this.filled + take > this.payload.length) this.growPayload(this.filled + take);
          const from = this.filled;
          this.payload.set(take === avail && pos === 0 ? chunk : chunk.subarray(pos, pos + take), from);
          this.filled += take;
          pos += take;
          // 5.3 unmasked piece by piece (the key's phase is the offset mod 4), so whoever
          // watches a payload that spans chunks sees its bytes as they arrive.
          if (this.maskKey) applyMask(this.payload, this.maskKey, from, from + take, from & 3);
          this.unmasked = true;
          if (this.onPayload && this.opcode < 0x8) this.onPayload(this.payload, from, from + take);
          if (this.filled < this.payloadLength) return;
          const payload = this.payload;
          this.payload = EMPTY_BYTES;
          this.filled = 0;
          this.finishFrame(payload);
          break;
        }
        case 'HALTED':
        case 'FAILED':
          return;
      }
    }
  }

  // Doubling keeps the copies made while growing below one per byte received, and the buffer
  // below twice the bytes received. It never exceeds payloadLength, so a full buffer is the payload.
  private growPayload(needed: number): void {
    const grown = allocBytes(Math.min(this.payloadLength, Math.max(needed, 2 * this.payload.length)));
    grown.set(this.payload.subarray(0, this.filled));
    this.payload = grown;
  }

  // Copies header bytes until headWant are held; returns the new read position.
  private fillHead(chunk: Uint8Array, pos: number): number {
    const head = this.head;
    let n = this.headLen;
    const want = this.headWant;
    const end = chunk.length;
    while (n < want && pos < end) head[n++] = chunk[pos++]!;
    this.headLen = n;
    return pos;
  }

  // #region header-bits
  private parseFirstTwoBytes(): void {
    const b0 = this.head[0]!;
    const b1 = this.head[1]!;
    this.fin = (b0 & 0x80) !== 0;
    this.rsv1 = (b0 & 0x40) !== 0;
    this.rsv2 = (b0 & 0x20) !== 0;
    this.rsv3 = (b0 & 0x10) !== 0;
    this.opcode = b0 & 0x0f;
    this.masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;

    // 5.2 RSV1-3 "MUST be 0 unless an extension is negotiated that defines meanings for non-zero values"
    if (b0 & 0x70) throw new WsProtocolError('WS_ERR_RESERVED_BITS');
    // 5.2 "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_."
    const op = this.opcode;
    if ((op > 0x2 && op < 0x8) || op > 0xa) throw new WsProtocolError('WS_ERR_RESERVED_OPCODE');
    // 5.1 "a client MUST mask all frames that it sends to the server" / "A server MUST NOT mask any frames"
    if (this.role === 'server' && !this.masked) throw new WsProtocolError('WS_ERR_UNMASKED_FRAME');
    if (this.role === 'client' && this.masked) throw new WsProtocolError('WS_ERR_MASKED_SERVER_FRAME');
    if (op & 0x8) {
      // 5.5 "Control frames themselves MUST NOT be fragmented."
      if (!this.fin) throw new WsProtocolError('WS_ERR_FRAGMENTED_CONTROL');
      // 5.5 control payloads are 125 bytes or less, so they always use the 7-bit form.
      if (len7 > MAX_CONTROL_PAYLOAD) throw new WsProtocolError('WS_ERR_CONTROL_TOO_LONG');
    }

    // 5.2 Payload length: "0-125 ... is the payload length. If 126, the following 2 bytes
    // ... are the payload length. If 127, the following 8 bytes"
    if (len7 === 126) {
      this.lengthForm = 16;
      this.headWant = 4;
      this._state = 'LENGTH_16';
    } else if (len7 === 127) {
      this.lengthForm = 64;
      this.headWant = 10;
      this._state = 'LENGTH_64';
    } else {
      this.lengthForm = 7;
      this.lengthKnown(len7);
    }
  }
  // #endregion header-bits

  // #region length-known
  private lengthKnown(length: number): void {
    // 10.4 "implementations SHOULD impose a limit on frame sizes" - checked before any payload is read.
    if (length > this.maxPayloadBytes) throw new WsProtocolError('WS_ERR_MESSAGE_TOO_BIG');
    this.payloadLength = length;
    this.onHeader?.(this.opcode, this.fin, length);
    if (this.masked) {
      // 5.2 Masking-key: "present if the mask bit is set to 1"
      this.headWant = this.headLen + 4;
      this._state = 'MASK_KEY';
    } else {
      this.maskKey = null;
      this.startPayload();
    }
  }
  // #endregion length-known

  // RFC 7692 6: with the extension negotiated, RSV1 is its "Per-Message Compressed" bit. It is
  // taken out of the header before 5.2's check of the reserved bits (which still refuses RSV2
  // and RSV3) and put back before the header bytes are kept.
  private takeRsv1(): void {
    this.extensionBit = this.allowRsv1 && (this.head[0]! & 0x40) !== 0;
    if (this.extensionBit) this.head[0] = this.head[0]! & ~0x40;
  }

  private restoreRsv1(): void {
    if (this.extensionBit) this.head[0] = this.head[0]! | 0x40;
  }

  private startPayload(): void {
    this.restoreRsv1();
    this.unmasked = false;
    this.headerBytes = copyBytes(this.head, 0, this.headLen);
    this.payload = EMPTY_BYTES;
    this.filled = 0;
    this._state = 'PAYLOAD';
  }

  private finishFrame(payload: Uint8Array): void {
    const mask = this.maskKey;
    let wirePayload: Uint8Array | undefined;
    // 5.3 the same XOR both masks and unmasks.
    if (mask && payload.length > 0 && !this.unmasked) {
      if (this.inspect) wirePayload = copyBytes(payload);
      applyMask(payload, mask);
    } else if (this.inspect) {
      wirePayload = mask ? copyBytes(payload) : payload;
      if (mask) applyMask(wirePayload, mask);
    }
    this.unmasked = false;
    const frame: Frame = {
      fin: this.fin,
      rsv1: this.rsv1 || this.extensionBit,
      rsv2: this.rsv2,
      rsv3: this.rsv3,
      opcode: this.opcode,
      masked: this.masked,
      maskKey: mask,
      lengthForm: this.lengthForm,
      payloadLength: this.payloadLength,
      payload,
      headerBytes: this.headerBytes,
    };
    if (wirePayload) frame.wirePayload = wirePayload;

    // Nothing of this frame stays here: what outlives it is up to whoever takes the frame.
    this._state = 'HEADER';
    this.headLen = 0;
    this.headWant = 2;
    this.maskKey = null;
    this.headerBytes = EMPTY_BYTES;
    if (this.onFrame) this.onFrame(frame);
    else this.collected.push(frame);
  }
}

// The WebSocket connection as a sans-I/O state machine (after python-websockets): feed it
// the bytes that arrived (receiveData, receiveEof), take out what happened (events) and
// the bytes to write (dataToSend). It never touches a socket and never throws because of
// what the peer sent: one catch in receiveData turns any error into "Fail the WebSocket
// Connection" (7.1.7).
import { CLOSE_CODES, WsProtocolError, isValidCloseCode } from './errors.ts';
import { FrameDecoder } from './decoder.ts';
import { allocBytes } from './bytes.ts';
import { encodeClose } from './encoder.ts';
import { EMPTY_BYTES, OPCODES, type Frame } from './frame.ts';
import { Utf8Validator, isValidUtf8 } from './utf8.ts';
import type { MessageDeflate } from './deflate.ts';
import { SendQueue } from './send-queue.ts';
import { nextState, type ConnectionState, type TransitionEvent } from './transitions.ts';

export { CONNECTION_STATES, TRANSITIONS, TRANSITION_EVENTS, nextState, type ConnectionState, type Transition, type TransitionEvent } from './transitions.ts';

export type WsEvent =
  | { type: 'text'; data: string }
  | { type: 'binary'; data: Uint8Array }
  | { type: 'ping'; data: Uint8Array }
  | { type: 'pong'; data: Uint8Array }
  /** The connection reached CLOSED: the peer's close (1005 when it carried no code), 1006 on EOF, or the failure's code. Always the last event. */
  | { type: 'close'; code: number; reason: string }
  | { type: 'error'; error: WsProtocolError };

export interface WsConnectionOptions {
  role: 'server' | 'client';
  /** Largest message after reassembly, in bytes. Default 16 MiB. */
  maxMessageBytes?: number;
  /** Masking keys for client frames. Default: crypto.getRandomValues. */
  generateMask?: () => Uint8Array;
  /** Keep the still-masked payload of received frames (Frame.wirePayload). */
  inspect?: boolean;
  /** Every frame received ('in') or sent ('out'), for the inspector. */
  onFrame?: (frame: Frame, direction: 'in' | 'out') => void;
  /**
   * Every frame sent, as its encoded bytes. When given, sent frames go here instead of to
   * onFrame, so nothing is parsed on the send path (a broadcast reaches many connections);
   * `describeEncoded(bytes)` turns them into a Frame when someone looks.
   */
  onSent?: (encoded: Uint8Array, payload?: Uint8Array, plain?: Uint8Array) => void;
  /**
   * permessage-deflate, as negotiated (extension.ts) with its engine and shared queue
   * (deflate.ts). Without it RSV1 is refused and nothing is compressed. Compressing and
   * inflating finish later: onWake then says there are events and bytes to take.
   */
  deflate?: MessageDeflate;
  /** Work that finished asynchronously (inflating, compressing) left events or bytes to take. */
  onWake?: () => void;
  /** A received compressed frame's payload once inflated; the frame is the one onFrame got. For the inspector. */
  onInflated?: (frame: Frame, inflated: Uint8Array) => void;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

// Fragments up to this size are copied by a loop: TypedArray#set costs more for a few bytes.
const SMALL_COPY_BYTES = 16;

/** The smallest buffer a fragmented message is reassembled in once a second fragment brings bytes. */
export const MIN_REASSEMBLY_BYTES = 256;

// One decoder per module: it is only used on bytes the validator accepted, non-streaming.
// ignoreBOM: a U+FEFF at the start of a message is data and must reach the application (and an echo) unchanged.
const textDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const textEncoder = new TextEncoder();

// A broadcast hands every compressed lane the same string (each compresses it for itself): it
// is encoded once, not once per connection. The bytes are only read afterwards (zlib's input,
// copied into frames); texts above CACHED_TEXT_CHARS are not kept.
const CACHED_TEXT_CHARS = 16 * 1024;
let lastText = '';
let lastBytes: Uint8Array = EMPTY_BYTES;

function encodeText(text: string): Uint8Array {
  if (text === lastText) return lastBytes;
  const bytes = textEncoder.encode(text);
  if (text.length <= CACHED_TEXT_CHARS) {
    lastText = text;
    lastBytes = bytes;
  }
  return bytes;
}

function defaultMask(): Uint8Array {
  // 5.3 "The masking key is a 32-bit value chosen at random by the client."
  return globalThis.crypto.getRandomValues(new Uint8Array(4));
}

export class WsConnection {
  readonly role: 'server' | 'client';
  readonly maxMessageBytes: number;
  private readonly frameHook: WsConnectionOptions['onFrame'];
  private readonly inflatedHook: WsConnectionOptions['onInflated'];
  private readonly wakeHook: WsConnectionOptions['onWake'];
  private readonly decoder: FrameDecoder;
  private readonly deflate: MessageDeflate | null;
  private readonly send: SendQueue;

  private _state: ConnectionState = 'OPEN';
  private _closeCode: number | null = null;
  private _closeReason = '';
  // What the three states leave out. (Whether our close frame went out needs no flag: before
  // CLOSED it has exactly when the state is CLOSING.)
  //   inputDone        nothing more is read: after the peer's close (1.4), a failure or EOF, and
  //                    already while a failure waits in deferredFailure, the state still OPEN or CLOSING
  //   deferredFailure  a failure found behind data events the application has not taken yet,
  //                    applied once it has taken them (see fail())
  //   failed           CLOSED came from failing (7.1.7): this side ends TCP, and a throwing hook
  //                    must not stop the close frame
  //   sawEof           the TCP connection ended (receiveEof): a client then ends its side too
  private inputDone = false;
  private deferredFailure: WsProtocolError | null = null;
  private failed = false;
  private sawEof = false;
  private pending: WsEvent[] = [];

  // The fragmented message in progress (5.4): its opcode (0 when none), and its bytes so far
  // in message[0, messageBytes). Fragments are copied into that one buffer as they arrive,
  // so what it costs follows the message's bytes, never its number of fragments.
  private messageOpcode = 0;
  private message: Uint8Array = EMPTY_BYTES;
  private messageBytes = 0;
  private readonly utf8 = new Utf8Validator();
  // The frame being decoded: whether its payload is text to check as it arrives (8.1; not when
  // compressed: then the inflated bytes are checked), and how many of its bytes were checked.
  private frameIsPlainText = false;
  private frameChecked = 0;
  // RFC 7692: whether the message in progress is compressed (RSV1 on its first frame), its
  // compressed bytes so far, and whether a frame of it is being inflated (the decoder waits).
  private messageCompressed = false;
  private compressedBytes = 0;
  private inflatingFrame = false;

  constructor(options: WsConnectionOptions) {
    this.role = options.role;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.frameHook = options.onFrame;
    this.inflatedHook = options.onInflated;
    this.wakeHook = options.onWake;
    this.deflate = options.deflate ?? null;
    this.send = new SendQueue({
      role: this.role,
      generateMask: options.generateMask ?? defaultMask,
      deflate: this.deflate,
      onFrame: options.onFrame,
      onSent: options.onSent,
      onDeflated: () => this.deflated(),
      onDeflateError: () => {
        this.fail(new WsProtocolError('WS_ERR_INTERNAL'));
        this.wakeHook?.();
      },
    });
    this.decoder = new FrameDecoder({
      role: this.role,
      maxPayloadBytes: this.maxMessageBytes,
      inspect: options.inspect ?? false,
      allowRsv1: this.deflate !== null,
      onHeader: (opcode, _fin, length) => this.checkHeader(opcode, length),
      onPayload: (payload, start, end) => this.checkPiece(payload, start, end),
      onFrame: (frame) => this.handleFrame(frame),
    });
  }

  /** permessage-deflate is in use on this connection. */
  get compressed(): boolean {
    return this.deflate !== null;
  }

  /** A frame of a compressed message is being inflated: input waits in the decoder meanwhile. */
  get inflating(): boolean {
    return this.inflatingFrame;
  }

  /** Bytes of messages waiting for a compression in progress (the adapter counts them as queued). */
  get pendingSendBytes(): number {
    return this.send.pendingBytes;
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** The close code once known: the peer's (1005 for none), 1006 after EOF, or the failure's. */
  get closeCode(): number | null {
    return this._closeCode;
  }

  get closeReason(): string {
    return this._closeReason;
  }

  /**
   * Bytes held for incoming data: the frame being decoded plus the reassembly buffer of an
   * open message (see reassemblyCapacity). Never more than maxMessageBytes (the buffer) plus
   * the frame in progress beside it (a continuation that still fits the limit, or a control
   * frame of at most 125 bytes) plus its header (14).
   */
  get bufferedBytes(): number {
    return this.decoder.bufferedBytes + this.message.length;
  }

  /**
   * Size of the buffer an open fragmented message is reassembled in (0 when none): at most
   * twice the bytes received for it plus MIN_REASSEMBLY_BYTES, and never over maxMessageBytes.
   */
  get reassemblyCapacity(): number {
    return this.message.length;
  }

  /**
   * Whether this side should now end the TCP connection. 7.1.1: "the server MUST close the
   * underlying TCP connection immediately" after the closing handshake, while the client
   * waits for the server to do it; after a failure (7.1.7) or an EOF either side closes.
   */
  closeExpected(): boolean {
    if (this._state !== 'CLOSED') return false;
    // The peer's close is answered once the messages queued before it have left.
    if (!this.send.idle) return false;
    return this.role === 'server' || this.failed || this.sawEof;
  }

  // #region receive
  receiveData(chunk: Uint8Array): void {
    if (this.inputDone || chunk.length === 0) return;
    try {
      this.decoder.push(chunk);
    } catch (err) {
      this.fail(err instanceof WsProtocolError ? err : new WsProtocolError('WS_ERR_INTERNAL'));
    }
  }
  // #endregion receive

  receiveEof(): void {
    this.sawEof = true;
    this.inputDone = true;
    this.decoder.halt();
    this.send.stop();
    if (this._state === 'CLOSED') return;
    this.transition('eof');
    this.finish(CLOSE_CODES.ABNORMAL_CLOSURE, '');
  }

  /** Drains the events that happened since the last call. */
  events(): WsEvent[] {
    if (this.pending.length === 0) this.applyDeferredFailure();
    if (this.pending.length === 0) return [];
    const events = this.pending;
    this.pending = [];
    return events;
  }

  /** Drains the bytes to write to the transport, in order. */
  dataToSend(): Uint8Array[] {
    if (this.pending.length === 0) this.applyDeferredFailure();
    return this.send.take();
  }

  // 5.5.1 "After sending a Close frame, the endpoint MUST NOT send any further data frames."
  // The send methods are quiet no-ops once the connection is not OPEN, so a broadcast can
  // include a connection that is closing.
  sendText(text: string): void {
    if (this._state !== 'OPEN') return;
    this.send.message(OPCODES.TEXT, encodeText(text));
  }

  /** `data` of SEPARATE_PAYLOAD_BYTES or more is written as it is: do not change it afterwards. */
  sendBinary(data: Uint8Array): void {
    if (this._state !== 'OPEN') return;
    this.send.message(OPCODES.BINARY, data);
  }

  /**
   * Writes a frame encoded elsewhere (a broadcast encoded once); it must be a data frame fit for
   * this role. It is sent as it is, uncompressed even when compression is in use.
   */
  sendFrameBytes(encoded: Uint8Array): void {
    if (this._state !== 'OPEN') return;
    this.send.encoded(encoded);
  }

  // 5.5.2 "A Ping frame MAY include "Application data"" (at most 125 bytes, 5.5).
  ping(data: Uint8Array = EMPTY_BYTES): void {
    if (data.length > 125) throw new RangeError('a ping payload is at most 125 bytes');
    if (this._state !== 'OPEN') return;
    this.send.control(OPCODES.PING, data);
  }

  // 5.5.3 "A Pong frame MAY be sent unsolicited. This serves as a unidirectional heartbeat."
  pong(data: Uint8Array = EMPTY_BYTES): void {
    if (data.length > 125) throw new RangeError('a pong payload is at most 125 bytes');
    if (this._state !== 'OPEN') return;
    this.send.control(OPCODES.PONG, data);
  }

  /** Starts the closing handshake (7.1.2). Invalid codes or long reasons are programming errors and throw. */
  close(code: number = CLOSE_CODES.NORMAL, reason = ''): void {
    if (!isValidCloseCode(code)) throw new RangeError(`close code ${code} may not be sent`);
    const payload = encodeClose(code, reason);
    if (this._state !== 'OPEN') return;
    this.transition('local close');
    this.send.control(OPCODES.CLOSE, payload);
  }

  // The one place the state changes.
  private transition(event: TransitionEvent): void {
    this._state = nextState(this._state, event);
  }

  // A compression finished: zlib's memory goes once a closed connection has sent what it queued.
  private deflated(): void {
    if (this._state === 'CLOSED' && this.send.idle) this.deflate!.close();
    this.wakeHook?.();
  }

  // Message-level checks, run as soon as a frame's length is known.
  private checkHeader(opcode: number, length: number): void {
    // RFC 7692 6.1 "An endpoint MUST NOT set the "Per-Message Compressed" bit of control frames
    // and non-first fragments of a data message."
    if (this.decoder.rsv1Set && opcode !== OPCODES.TEXT && opcode !== OPCODES.BINARY) throw new WsProtocolError('WS_ERR_UNEXPECTED_RSV1');
    this.frameChecked = 0;
    if (opcode === OPCODES.CONTINUATION) {
      // 5.4 a continuation needs a message that was started and not finished.
      if (this.messageOpcode === 0) throw new WsProtocolError('WS_ERR_UNEXPECTED_CONTINUATION');
      // 10.4 the limit applies to the reassembled message, checked from the header alone
      // (a compressed message's frames: their compressed bytes; inflating checks the rest).
      const sofar = this.messageCompressed ? this.compressedBytes : this.messageBytes;
      if (sofar + length > this.maxMessageBytes) throw new WsProtocolError('WS_ERR_MESSAGE_TOO_BIG');
      this.frameIsPlainText = this.messageOpcode === OPCODES.TEXT && !this.messageCompressed;
    } else if (opcode < 0x8) {
      // 5.4 "The fragments of one message MUST NOT be interleaved between the fragments of another message"
      if (this.messageOpcode !== 0) throw new WsProtocolError('WS_ERR_EXPECTED_CONTINUATION');
      this.messageCompressed = this.decoder.rsv1Set;
      this.frameIsPlainText = opcode === OPCODES.TEXT && !this.messageCompressed;
      if (opcode === OPCODES.TEXT) this.utf8.reset();
    } else {
      this.frameIsPlainText = false;
    }
  }

  // 8.1 a text payload is checked as its bytes arrive, so a frame that turns invalid part-way
  // fails at the invalid byte, before the rest of the frame is in.
  private checkPiece(payload: Uint8Array, start: number, end: number): void {
    if (!this.frameIsPlainText) return;
    if (!this.utf8.push(payload, start, end)) throw new WsProtocolError('WS_ERR_INVALID_UTF8');
    this.frameChecked = end;
  }

  private handleFrame(frame: Frame): void {
    if (this.frameHook) this.frameHook(frame, 'in');
    switch (frame.opcode) {
      case OPCODES.TEXT:
      case OPCODES.BINARY:
        this.transition('data frame');
        if (this.messageCompressed) this.inflateFrame(frame);
        else this.startMessage(frame);
        return;
      case OPCODES.CONTINUATION:
        this.transition('data frame');
        if (this.messageCompressed) this.inflateFrame(frame);
        else this.continueMessage(frame);
        return;
      case OPCODES.CLOSE:
        this.receiveClose(frame.payload);
        return;
      case OPCODES.PING:
        this.transition('ping');
        // 5.5.2 "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response"
        // 5.5.3 "A Pong frame sent in response to a Ping frame must have identical Application data"
        if (this._state === 'OPEN') this.send.control(OPCODES.PONG, frame.payload);
        this.pending.push({ type: 'ping', data: frame.payload });
        return;
      case OPCODES.PONG:
        this.transition('pong');
        this.pending.push({ type: 'pong', data: frame.payload });
        return;
    }
  }

  private startMessage(frame: Frame): void {
    const payload = frame.payload;
    const text = frame.opcode === OPCODES.TEXT;
    if (frame.fin) {
      // The common case: a whole message in one frame, no reassembly. (checkHeader reset the
      // validator; checkPiece saw the bytes that arrived in earlier chunks.)
      if (text) {
        const v = this.utf8;
        if (!v.push(payload, this.frameChecked) || !v.end()) throw new WsProtocolError('WS_ERR_INVALID_UTF8');
        this.pending.push({ type: 'text', data: textDecoder.decode(payload) });
      } else {
        this.pending.push({ type: 'binary', data: payload });
      }
      return;
    }
    // 5.4 "A fragmented message consists of a single frame with the FIN bit clear and an
    // opcode other than 0, followed by zero or more frames with the FIN bit clear and the
    // opcode set to 0, and terminated by a single frame with the FIN bit set and an opcode of 0."
    this.messageOpcode = frame.opcode;
    // The first fragment's own array is the buffer until a later fragment needs more room.
    this.message = payload;
    this.messageBytes = payload.length;
    // 8.1 fail as soon as the bytes seen cannot be UTF-8, even before the message is complete.
    if (text && !this.utf8.push(payload, this.frameChecked)) throw new WsProtocolError('WS_ERR_INVALID_UTF8');
  }

  private continueMessage(frame: Frame): void {
    const payload = frame.payload;
    const text = this.messageOpcode === OPCODES.TEXT;
    if (text && !this.utf8.push(payload, this.frameChecked)) throw new WsProtocolError('WS_ERR_INVALID_UTF8');
    if (payload.length > 0) this.append(payload);
    if (frame.fin) this.deliver();
  }

  private deliver(): void {
    const text = this.messageOpcode === OPCODES.TEXT;
    if (text && !this.utf8.end()) throw new WsProtocolError('WS_ERR_INVALID_UTF8');
    // Delivered in place: a binary message keeps the buffer's spare room (less than its own size plus MIN_REASSEMBLY_BYTES).
    const data = this.message.length === this.messageBytes ? this.message : this.message.subarray(0, this.messageBytes);
    this.dropMessage();
    if (text) this.pending.push({ type: 'text', data: textDecoder.decode(data) });
    else this.pending.push({ type: 'binary', data });
  }

  // #region inflate-frame
  // RFC 7692 7.2.2: each frame of a compressed message is inflated as it arrives, the decoder
  // waiting meanwhile. The inflated bytes are counted against maxMessageBytes and checked as
  // UTF-8 as they come out of zlib: past the limit the inflater is stopped at once (1009), so a
  // small frame that would inflate to gigabytes costs no more than the limit.
  private inflateFrame(frame: Frame): void {
    if (frame.opcode !== OPCODES.CONTINUATION) {
      this.messageOpcode = frame.opcode;
      this.compressedBytes = 0;
    }
    this.compressedBytes += frame.payload.length;
    const text = this.messageOpcode === OPCODES.TEXT;
    const before = this.messageBytes;
    let error: WsProtocolError | null = null;
    this.decoder.pause();
    this.inflatingFrame = true;
    this.deflate!.decompress(frame.payload, frame.fin, (out) => {
      if (this._state === 'CLOSED') return false;
      if (this.messageBytes + out.length > this.maxMessageBytes) error = new WsProtocolError('WS_ERR_MESSAGE_TOO_BIG');
      else if (text && !this.utf8.push(out)) error = new WsProtocolError('WS_ERR_INVALID_UTF8');
      if (error) return false;
      this.append(out);
      return true;
    }).then(
      () => this.inflated(frame, before, error),
      () => this.inflated(frame, before, new WsProtocolError('WS_ERR_INFLATE')),
    );
  }

  private inflated(frame: Frame, before: number, error: WsProtocolError | null): void {
    this.inflatingFrame = false;
    if (this._state === 'CLOSED') return; // EOF or a failure while inflating: nothing more to do
    try {
      if (error) throw error;
      this.inflatedHook?.(frame, this.message.slice(before, this.messageBytes));
      if (frame.fin) this.deliver();
      this.decoder.resume();
    } catch (err) {
      this.fail(err instanceof WsProtocolError ? err : new WsProtocolError('WS_ERR_INTERNAL'));
    }
    this.wakeHook?.();
  }
  // #endregion inflate-frame

  private append(payload: Uint8Array): void {
    const size = this.messageBytes + payload.length;
    if (size > this.message.length) {
      // Doubling keeps the copies made while growing below one per byte received. checkHeader
      // already refused anything over maxMessageBytes, so the cap never cuts below `size`.
      const capacity = Math.min(this.maxMessageBytes, Math.max(size, 2 * this.message.length, MIN_REASSEMBLY_BYTES));
      const grown = allocBytes(capacity);
      grown.set(this.message.subarray(0, this.messageBytes));
      this.message = grown;
    }
    const message = this.message;
    let at = this.messageBytes;
    if (payload.length > SMALL_COPY_BYTES) message.set(payload, at);
    else for (let i = 0; i < payload.length; i++) message[at++] = payload[i]!;
    this.messageBytes = size;
  }

  private dropMessage(): void {
    this.message = EMPTY_BYTES;
    this.messageBytes = 0;
    this.messageOpcode = 0;
    this.messageCompressed = false;
    this.compressedBytes = 0;
  }

  private receiveClose(payload: Uint8Array): void {
    let code: number = CLOSE_CODES.NO_STATUS_RECEIVED;
    let reason = '';
    if (payload.length === 1) throw new WsProtocolError('WS_ERR_CLOSE_PAYLOAD_ONE_BYTE');
    if (payload.length >= 2) {
      code = (payload[0]! << 8) | payload[1]!;
      if (!isValidCloseCode(code)) throw new WsProtocolError('WS_ERR_INVALID_CLOSE_CODE');
      // 5.5.1 "the data MAY contain a reason ... The data is not guaranteed to be human readable" but it is UTF-8.
      if (!isValidUtf8(payload, 2)) throw new WsProtocolError('WS_ERR_INVALID_CLOSE_REASON');
      reason = textDecoder.decode(payload.subarray(2));
    }
    // 1.4 "After sending a control frame indicating the connection should be closed, a peer
    // does not send any further data"; whatever follows the close frame is not read.
    this.inputDone = true;
    this.decoder.halt();
    if (this._state === 'OPEN') {
      // 5.5.1 "it MUST send a Close frame in response ... typically echoing the status code it received"
      this.send.control(OPCODES.CLOSE, code === CLOSE_CODES.NO_STATUS_RECEIVED ? EMPTY_BYTES : encodeClose(code));
    }
    this.transition('peer close');
    this.finish(code, reason);
  }

  // 7.1.7 Fail the WebSocket Connection: send a close frame with the code (if none was sent
  // yet), stop reading, and close the TCP connection.
  //
  // Messages that arrived complete before the violation were valid and are delivered first:
  // when data events are still waiting to be taken, nothing more is read, and the failure
  // (close frame, CLOSED) happens once the application has taken them, so what it sends in
  // answer to them goes out before the close frame.
  private fail(error: WsProtocolError): void {
    if (this._state === 'CLOSED') return;
    if (this.pending.some((e) => e.type === 'text' || e.type === 'binary')) {
      this.inputDone = true;
      this.decoder.halt();
      this.deferredFailure ??= error;
      return;
    }
    this.inputDone = true;
    this.failed = true;
    this.decoder.halt();
    this.dropMessage();
    this.pending.push({ type: 'error', error });
    // Messages still waiting to be compressed are dropped: the close frame goes now.
    this.send.stop(this._state === 'OPEN' ? { opcode: OPCODES.CLOSE, payload: encodeClose(error.closeCode, error.message) } : undefined);
    this.transition('protocol error');
    this.finish(error.closeCode, error.message);
  }

  private applyDeferredFailure(): void {
    const error = this.deferredFailure;
    if (error === null) return;
    this.deferredFailure = null;
    this.fail(error);
  }

  private finish(code: number, reason: string): void {
    this._closeCode = code;
    this._closeReason = reason;
    this.dropMessage();
    // zlib's memory goes with the connection (after the messages queued before a peer's close).
    if (this.failed || this.sawEof || this.send.idle) this.deflate?.close();
    this.pending.push({ type: 'close', code, reason });
  }
}

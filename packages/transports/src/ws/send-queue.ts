// The outgoing half of a WsConnection: frames encoded for this role, in the order they were
// asked for, and the queue that keeps that order while a message is being compressed
// (compressing finishes later, in zlib's thread pool). It decides nothing about the
// connection's state: WsConnection sends only while OPEN and tells it when to stop.
import { encodeFrame, encodeHeader } from './encoder.ts';
import { describeEncoded, type Frame } from './frame.ts';
import type { MessageDeflate } from './deflate.ts';

/**
 * Sent payloads this large are queued as their own chunk after the header instead of being
 * copied into one frame buffer; the caller must not change them until they are written.
 */
export const SEPARATE_PAYLOAD_BYTES = 4096;

/** An opcode for bytes already encoded as a frame elsewhere (a broadcast), sent as they are. */
const ENCODED = -1;

// A frame or message waiting behind a compression in progress: frames leave in the order they were queued.
interface Outbound {
  opcode: number;
  data: Uint8Array;
  compress: boolean;
}

export interface SendQueueOptions {
  role: 'server' | 'client';
  generateMask: () => Uint8Array;
  deflate: MessageDeflate | null;
  onFrame: ((frame: Frame, direction: 'in' | 'out') => void) | undefined;
  onSent: ((encoded: Uint8Array, payload?: Uint8Array, plain?: Uint8Array) => void) | undefined;
  /** A compression finished and its frame (and what waited behind it) is queued. */
  onDeflated: () => void;
  /** A compression failed: the connection fails (nothing queued behind it can go out). */
  onDeflateError: () => void;
}

export class SendQueue {
  private chunks: Uint8Array[] = [];
  // Frames waiting behind a compression in progress (`deflating`), in order, and their bytes.
  private waiting: Outbound[] = [];
  private waitingBytes = 0;
  private deflating = false;
  // After a failure or EOF: nothing more is queued, and a compression that finishes is dropped.
  private stopped = false;

  constructor(private readonly options: SendQueueOptions) {}

  /** Bytes of messages waiting for a compression in progress (the adapter counts them as queued). */
  get pendingBytes(): number {
    return this.waitingBytes;
  }

  /** Nothing is being compressed and nothing waits behind it. */
  get idle(): boolean {
    return !this.deflating && this.waiting.length === 0;
  }

  /** Drains the bytes to write to the transport, in order. */
  take(): Uint8Array[] {
    if (this.chunks.length === 0) return [];
    const out = this.chunks;
    this.chunks = [];
    return out;
  }

  // RFC 7692 6 "An endpoint ... MAY ... compress ... the message"; per message, by size.
  message(opcode: number, data: Uint8Array): void {
    const deflate = this.options.deflate;
    const compress = deflate !== null && data.length >= deflate.minBytes;
    if (!compress && !this.deflating) this.frame(opcode, data);
    else this.enqueue({ opcode, data, compress });
  }

  // Control frames keep their place behind a message being compressed.
  control(opcode: number, payload: Uint8Array): void {
    if (this.deflating) this.enqueue({ opcode, data: payload, compress: false });
    else this.frame(opcode, payload);
  }

  /** A frame encoded elsewhere, written as it is. */
  encoded(bytes: Uint8Array): void {
    if (this.deflating) this.enqueue({ opcode: ENCODED, data: bytes, compress: false });
    else this.writeEncoded(bytes);
  }

  /**
   * Stops for good (7.1.7 failing, or EOF): what waits is dropped, a compression in progress
   * is ignored when it ends, and `close` (a failure's close frame) goes out at once.
   */
  stop(close?: { opcode: number; payload: Uint8Array }): void {
    this.stopped = true;
    this.waiting = [];
    this.waitingBytes = 0;
    if (close) this.frame(close.opcode, close.payload);
  }

  private enqueue(item: Outbound): void {
    this.waiting.push(item);
    this.waitingBytes += item.data.length;
    this.pump();
  }

  // #region send-compressed
  private pump(): void {
    while (!this.deflating && this.waiting.length > 0) {
      const item = this.waiting.shift()!;
      this.waitingBytes -= item.data.length;
      if (item.opcode === ENCODED) {
        this.writeEncoded(item.data);
      } else if (!item.compress) {
        this.frame(item.opcode, item.data);
      } else {
        this.deflating = true;
        this.waitingBytes += item.data.length;
        this.options.deflate!.compress(item.data).then(
          (payload) => this.deflated(item, payload),
          () => this.deflated(item, null),
        );
      }
    }
  }

  private deflated(item: Outbound, payload: Uint8Array | null): void {
    this.deflating = false;
    this.waitingBytes -= item.data.length;
    if (this.stopped) return;
    if (payload === null) {
      this.options.onDeflateError();
      return;
    }
    // RFC 7692 6 "the RSV1 bit is set ... on the first frame of the message" (here its only frame).
    this.frame(item.opcode, payload, item.data);
    this.pump();
    this.options.onDeflated();
  }
  // #endregion send-compressed

  private writeEncoded(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    const { onSent, onFrame } = this.options;
    if (onSent) onSent(bytes);
    else if (onFrame) onFrame(describeEncoded(bytes), 'out');
  }

  /** Encodes one frame; `plain` is the message a compressed payload came from (RSV1 set). */
  private frame(opcode: number, payload: Uint8Array, plain?: Uint8Array): void {
    // 5.1 "a client MUST mask all frames that it sends to the server"; a server never masks.
    const mask = this.options.role === 'client' ? this.options.generateMask() : null;
    let bytes: Uint8Array;
    let rest: Uint8Array | undefined;
    if (mask === null && payload.length >= SEPARATE_PAYLOAD_BYTES) {
      // A large unmasked frame leaves as two chunks, header then payload, without a copy.
      bytes = encodeHeader(opcode, payload.length);
      rest = payload;
      this.chunks.push(bytes, payload);
    } else {
      bytes = encodeFrame({ opcode, payload, mask });
      this.chunks.push(bytes);
    }
    // RFC 7692 6: RSV1 marks a compressed message ("Per-Message Compressed" bit).
    if (plain) bytes[0] = bytes[0]! | 0x40;
    const { onSent, onFrame } = this.options;
    try {
      if (onSent) onSent(bytes, rest, plain);
      else if (onFrame) onFrame(describeEncoded(bytes, payload), 'out');
    } catch (err) {
      // While failing, a broken hook must not stop the close frame from going out.
      if (!this.stopped) throw err;
    }
  }
}

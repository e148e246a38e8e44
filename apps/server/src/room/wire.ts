// Each room message serialised once per wire form, for every peer of every
// transport: the JSON text (polls, ws-lib), the WebSocket text frame (ws-raw),
// the SSE event. Recent messages keep their forms (a live broadcast, a
// newcomer's history); an old one met in a replay is serialised on the spot.
import type { ChatMessage } from '@wirebench/transports/contract';
import { encodeFrame, OPCODES } from '@wirebench/transports/ws';
import { encodeEvent } from '@wirebench/transports/sse';

export type WireForm = 'json' | 'frame' | 'sse';
export type Chunk = string | Uint8Array;

const textEncoder = new TextEncoder();

export class Wired {
  private frameBytes: Uint8Array | undefined;
  private sseText: string | undefined;
  /** UTF-8 bytes of the JSON text: what a peer owes when it falls behind by this message. */
  readonly bytes: number;

  constructor(
    readonly message: ChatMessage,
    readonly json: string = JSON.stringify(message),
  ) {
    this.bytes = Buffer.byteLength(json);
  }

  form(form: WireForm): Chunk {
    switch (form) {
      case 'json':
        return this.json;
      case 'frame':
        return (this.frameBytes ??= encodeFrame({ opcode: OPCODES.TEXT, payload: textEncoder.encode(this.json) }));
      case 'sse':
        return (this.sseText ??= encodeEvent(this.message.seq, this.json));
    }
  }
}

/** The newest `capacity` messages with their wire forms, by seq. */
export class WireCache {
  private readonly ring: (Wired | undefined)[];

  constructor(readonly capacity: number) {
    this.ring = new Array(capacity);
  }

  add(message: ChatMessage): Wired {
    const wired = new Wired(message);
    this.ring[message.seq % this.capacity] = wired;
    return wired;
  }

  /** The message's forms: cached when recent, made now (and not kept) otherwise. */
  of(message: ChatMessage): Wired {
    const cached = this.ring[message.seq % this.capacity];
    return cached?.message.seq === message.seq ? cached : new Wired(message);
  }

  get(seq: number): Wired | undefined {
    const cached = this.ring[seq % this.capacity];
    return cached?.message.seq === seq ? cached : undefined;
  }
}

/**
 * Running byte totals by seq for the retained window: how far behind a peer
 * is, in bytes, is `through(lastSeq) - through(cursor)`.
 */
export class ByteOffsets {
  private readonly totals: Float64Array;
  private readonly seqs: Float64Array;
  private last = 0;

  constructor(readonly capacity: number) {
    this.totals = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity).fill(-1);
  }

  /** Where counting starts: the room's lastSeq when this process began to follow it. */
  mark(seq: number): void {
    this.totals[seq % this.capacity] = this.last;
    this.seqs[seq % this.capacity] = seq;
  }

  add(seq: number, bytes: number): void {
    this.last += bytes;
    this.totals[seq % this.capacity] = this.last;
    this.seqs[seq % this.capacity] = seq;
  }

  /** Bytes between cursor (exclusive) and seq (inclusive); Infinity when the cursor is not known here. */
  between(cursor: number, seq: number): number {
    if (cursor >= seq) return 0;
    const end = this.totals[seq % this.capacity]!;
    if (this.seqs[seq % this.capacity] !== seq) return Infinity;
    if (this.seqs[cursor % this.capacity] !== cursor) return Infinity;
    return end - this.totals[cursor % this.capacity]!;
  }
}

// How one process follows a room kept in Redis: every stored message reaches
// this process's listeners (its fan-out layer) once, in seq order, with no gap.
//
// Pub/sub is the fast path, never the truth: a message announced on the
// channel is handed on only when it is the next seq. On any doubt — a seq that
// skips ahead, a reconnect, the periodic check of the head — the process reads
// the stream from the last seq it delivered. The stream is the truth.
import type { ChatMessage } from '@wirebench/transports/contract';

/** A page of the stream after a cursor, read in one atomic step with the head it belongs to. */
export interface StreamPage {
  lastSeq: number;
  epoch: string;
  messages: ChatMessage[];
}

export interface FollowerOptions {
  /** Reads the messages after `after` (a page), or nothing when `epoch` is not the room's any more. */
  read(after: number, epoch: string): Promise<StreamPage>;
  /** Called with each message, in seq order. */
  deliver(message: ChatMessage): void;
  /** The room's data was lost: its numbering started again under `epoch`. */
  restarted(epoch: string): void;
  /** A catch-up could not read the stream (Redis unreachable); the next doubt tries again. */
  failed?(err: unknown): void;
}

/** Messages announced ahead of a gap, kept until the gap is read (beyond this, they are read again). */
const MAX_AHEAD = 4_096;

export class Follower {
  /** The last seq handed to the listeners. */
  delivered: number;
  epoch: string;
  /** The highest seq known to exist. */
  private known: number;
  private readonly ahead = new Map<number, ChatMessage>();
  private reading: Promise<void> | undefined;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private stopped = false;

  constructor(
    private readonly options: FollowerOptions,
    head: { lastSeq: number; epoch: string },
  ) {
    this.delivered = head.lastSeq;
    this.known = head.lastSeq;
    this.epoch = head.epoch;
  }

  /** A message heard of (announced on the channel, or just stored by this process). */
  offer(epoch: string, message: ChatMessage): void {
    if (this.stopped) return;
    if (epoch !== this.epoch) return void this.doubt(message.seq);
    if (message.seq <= this.delivered) return;
    if (message.seq === this.delivered + 1 && this.reading === undefined) {
      this.handOn(message);
      this.drainAhead();
    } else {
      if (this.ahead.size < MAX_AHEAD) this.ahead.set(message.seq, message);
      this.doubt(message.seq);
    }
  }

  /** Resolves once `seq` was handed on (or a catch-up failed: the message is stored all the same). */
  reached(seq: number): Promise<void> {
    if (this.delivered >= seq || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Something may be missing (at least up to `seq`): read the stream from the last delivered seq. */
  doubt(seq = 0): Promise<void> {
    this.known = Math.max(this.known, seq);
    this.reading ??= this.catchUp().finally(() => {
      this.reading = undefined;
      if (!this.stopped && this.known > this.delivered) void this.doubt();
    });
    return this.reading;
  }

  /** The room is closing: nothing more is handed on. */
  stop(): void {
    this.stopped = true;
    this.ahead.clear();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  // #region catch-up
  private async catchUp(): Promise<void> {
    try {
      for (;;) {
        const page = await this.options.read(this.delivered, this.epoch);
        if (this.stopped) return;
        if (page.epoch !== this.epoch) return this.restart(page.epoch);
        for (const message of page.messages) if (message.seq > this.delivered) this.handOn(message);
        // Messages that left the retained window while this process was away are gone:
        // the fan-out's peers behind them see the jump and are resumed as truncated.
        if (page.messages.length > 0 && this.delivered < page.lastSeq) continue;
        this.drainAhead();
        // Announced after this read: read again. Anything else announced beyond the head is not there.
        const beyond = Math.max(0, ...this.ahead.keys());
        this.known = beyond > page.lastSeq ? beyond : this.delivered;
        return;
      }
    } catch (err) {
      this.options.failed?.(err);
      for (const w of this.waiters.splice(0)) w.resolve();
    }
  }
  // #endregion catch-up

  private restart(epoch: string): void {
    this.epoch = epoch;
    this.delivered = 0;
    this.known = 0;
    this.ahead.clear();
    for (const w of this.waiters.splice(0)) w.resolve();
    this.options.restarted(epoch);
  }

  private drainAhead(): void {
    for (let next = this.ahead.get(this.delivered + 1); next; next = this.ahead.get(this.delivered + 1)) this.handOn(next);
    for (const seq of this.ahead.keys()) if (seq <= this.delivered) this.ahead.delete(seq);
  }

  private handOn(message: ChatMessage): void {
    this.ahead.delete(message.seq);
    this.delivered = message.seq;
    this.options.deliver(message);
    if (this.waiters.length === 0) return;
    const still = [];
    for (const w of this.waiters) {
      if (w.seq <= this.delivered) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}

// The send queue: every send waits here, in order, until the server confirms it (an ack
// or a 200/201). Each carries a clientMsgId of 128 random bits, kept through every
// resend, so the server stores it once however often it arrives. A refused send is
// judged once (sendVerdict); a 429 holds every send for a while.
import { SHUT_OUT_CODES } from './errors.ts';
import type { ResolvedOptions } from './options.ts';

/** A send waiting for the server's confirmation. */
export interface QueuedSend {
  readonly clientMsgId: string;
  readonly text: string;
  readonly name: string | undefined;
  /** 'queued': to be written; 'sent': written on the current channel, awaiting ack / answer. */
  state: 'queued' | 'sent';
  done: boolean;
}

/** Rejoins (UNKNOWN_CLIENT answers) allowed for one send before the channel is declared broken. */
export const MAX_REJOINS_PER_SEND = 3;

/** What decides the fate of a send the server refused. */
export type SendVerdict = 'retry-later' | 'drop' | 'rejoin' | 'removed' | 'fail-channel';

/**
 * One place for the contract's error table, seen from a sender. NOT_YOUR_CLIENT means the
 * server does not take our secret for this id: the identity is lost like a forgotten one.
 */
export function sendVerdict(status: number | undefined, code: string): SendVerdict {
  if (code === SHUT_OUT_CODES.removed) return 'removed';
  if (code === 'RATE_LIMITED' || status === 429) return 'retry-later';
  if (code === 'UNKNOWN_CLIENT' || code === 'NOT_YOUR_CLIENT') return 'rejoin';
  if (
    status === 400 ||
    status === 413 ||
    code === 'INVALID_BODY' ||
    code === 'INVALID_TEXT' ||
    code === 'TEXT_TOO_LONG' ||
    code === 'BODY_TOO_LARGE'
  ) {
    return 'drop';
  }
  return 'fail-channel';
}

export class SendQueue {
  private readonly items: QueuedSend[] = [];
  /** Set while sends wait (after a 429) before the transport may write again. */
  private holdTimer: unknown = null;

  constructor(
    private readonly opts: ResolvedOptions,
    /** The queue's length changed (it is in the snapshot). */
    private readonly changed: () => void,
  ) {}

  get length(): number {
    return this.items.length;
  }

  add(text: string, name: string | undefined, clientMsgId = this.newClientMsgId()): QueuedSend {
    const item: QueuedSend = { clientMsgId, text, name, state: 'queued', done: false };
    this.items.push(item);
    this.changed();
    return item;
  }

  /** The oldest send still to be written on this channel. */
  next(): QueuedSend | undefined {
    return this.items.find((q) => !q.done && q.state === 'queued');
  }

  /** Every send still to be written on this channel, oldest first (a copy: writing may remove some). */
  toWrite(): QueuedSend[] {
    return this.items.filter((q) => !q.done && q.state === 'queued');
  }

  /** The unconfirmed send with this id. */
  find(clientMsgId: string | null): QueuedSend | undefined {
    return this.items.find((q) => q.clientMsgId === clientMsgId && !q.done);
  }

  /** Confirmed, or refused for good. */
  remove(item: QueuedSend): void {
    item.done = true;
    const index = this.items.indexOf(item);
    if (index >= 0) this.items.splice(index, 1);
    this.changed();
  }

  /** The channel ended: whatever it carried unconfirmed is written again on the next one. */
  requeue(): void {
    for (const item of this.items) item.state = 'queued';
  }

  /** The client was removed: nothing it still holds will ever be taken. */
  dropAll(): void {
    for (const item of this.items) item.done = true;
    this.items.length = 0;
  }

  get held(): boolean {
    return this.holdTimer !== null;
  }

  /** Holds every send for `ms`, then calls `flush`. */
  hold(ms: number, flush: () => void): void {
    this.clearHold();
    this.holdTimer = this.opts.setTimeout(() => {
      this.holdTimer = null;
      flush();
    }, ms);
  }

  clearHold(): void {
    if (this.holdTimer !== null) {
      this.opts.clearTimeout(this.holdTimer);
      this.holdTimer = null;
    }
  }

  /** Delay before retrying a refused send (429): the next backoff step, unless the server said. */
  retryDelay(attempt: number, retryAfterSeconds?: number): number {
    if (retryAfterSeconds !== undefined && retryAfterSeconds >= 0) return retryAfterSeconds * 1000;
    const b = this.opts.backoff;
    const ceiling = Math.min(b.maxMs, Math.max(b.initialMs, 1) * b.factor ** attempt);
    return ceiling * (1 - b.jitter * this.opts.random());
  }

  /** 128 random bits as hex: unique per client, and no earlier id tells anyone the next one. */
  private newClientMsgId(): string {
    let id = '';
    for (const byte of this.opts.getRandomValues(new Uint8Array(16))) id += byte.toString(16).padStart(2, '0');
    return id;
  }
}

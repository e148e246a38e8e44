// Delivery: where the client stands in the room (the cursor: lastSeq, in which epoch) and
// what it hands the app: each message once, in seq order. The cursor is private here;
// answers that say where the room stands are judged by cursor.ts alone, so nothing else
// in the client compares cursors.
//
// It also tells how each message arrived (DeliveryKind). The first answer of every channel
// says where the room stood when the channel came up: on the first join, everything up to
// it is history; on a later channel (after a pause, a cut, a reconnect), everything up to it
// was posted while the client was away and is caught up, not delivered live.
import type { ChatMessage, Epoch } from '../contract.ts';
import { describeNewRoom, judgeCursorAnswer, type Position, type RoomAnswer } from './cursor.ts';
import { CLIENT_ERROR_CODES } from './errors.ts';
import type { DeliveryKind } from './types.ts';

export interface DeliveryHooks {
  /** One message for the app, in order; the cursor already stands on it. */
  hand(message: ChatMessage, kind: DeliveryKind): void;
  /** The cursor moved without a delivery. */
  changed(): void;
  /** An error event: SERVER_RESTARTED or TRUNCATED. */
  report(code: string, message: string): void;
}

export class Delivery {
  private seq: number;
  /** False until the client knows where it stands in the room (after, join, or first delivery). */
  private known: boolean;
  /** The room's epoch that seq counts in; null until an answer carried one. */
  private epoch: Epoch | null;
  private count = 0;
  private caughtUpCount = 0;
  private historyCount = 0;
  /** Seqs up to this one are history: the room's lastSeq when the client first joined (this epoch). */
  private historyTo = 0;
  /** Seqs up to this one were posted while the channel was down: the room's lastSeq when it came back. */
  private catchUpTo = 0;
  /** The current channel has heard where the room stands. */
  private placed = false;

  constructor(
    start: { after?: number; epoch?: string },
    private readonly hooks: DeliveryHooks,
  ) {
    this.seq = start.after ?? 0;
    this.known = start.after !== undefined;
    this.epoch = start.after !== undefined ? (start.epoch ?? null) : null;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Messages handed to the app that were new to this client (live and caught up; not history). */
  get delivered(): number {
    return this.count;
  }

  /** Of `delivered`: messages posted while the channel was down. */
  get caughtUp(): number {
    return this.caughtUpCount;
  }

  /** History replayed on the first join. */
  get history(): number {
    return this.historyCount;
  }

  /** The room's epoch the cursor counts in; null until an answer carried one. */
  get roomEpoch(): Epoch | null {
    return this.epoch;
  }

  /** A channel (re)opens: its first answer will say where the room stands. */
  channelOpened(): void {
    this.placed = false;
  }

  position(): Position {
    return { known: this.known, lastSeq: this.seq, epoch: this.epoch };
  }

  /** Query parameters of every poll, stream and socket: `after` once known, and the epoch it counts in. */
  query(): { after: number | undefined; epoch: Epoch | undefined } {
    if (!this.known) return { after: undefined, epoch: undefined };
    return { after: this.seq, epoch: this.epoch ?? undefined };
  }

  /**
   * Delivers chat messages once each, in seq order: anything at or below the cursor
   * is a duplicate (a replay overlapping what we have) and is dropped.
   */
  deliver(messages: readonly ChatMessage[]): number {
    const sorted = messages.length > 1 ? [...messages].sort((a, b) => a.seq - b.seq) : messages;
    let delivered = 0;
    for (const message of sorted) {
      if (!isChatMessage(message)) continue;
      if (this.known && message.seq <= this.seq) continue;
      this.seq = message.seq;
      this.known = true;
      const kind = this.kindOf(message.seq);
      if (kind === 'history') this.historyCount += 1;
      else this.count += 1;
      if (kind === 'catch-up') this.caughtUpCount += 1;
      delivered += 1;
      this.hooks.hand(message, kind);
    }
    return delivered;
  }

  /**
   * A join's history. Without a cursor it is delivered whole (or, empty, the client starts
   * from the room's present). On a rejoin with a cursor it helps only where it continues
   * the cursor; otherwise the next poll or stream (after=lastSeq) fetches the gap in full.
   */
  deliverHistory(history: readonly ChatMessage[], roomLastSeq: number): void {
    const sorted = [...history].sort((a, b) => a.seq - b.seq);
    if (!this.known) {
      this.deliver(sorted);
      this.startAt(roomLastSeq);
      return;
    }
    const fresh = sorted.filter((m) => m.seq > this.seq);
    if (fresh.length > 0 && fresh[0]!.seq === this.seq + 1) this.deliver(fresh);
  }

  /** No cursor yet (nothing delivered): start from the room's present. */
  startAt(roomLastSeq: number): void {
    if (this.known) return;
    this.known = true;
    if (this.seq === roomLastSeq) return;
    this.seq = roomLastSeq;
    this.hooks.changed();
  }

  /** The room holds more than an answer carried (a page limit). */
  behind(roomLastSeq: number): boolean {
    return roomLastSeq > this.seq;
  }

  /**
   * Takes an answer that says where the room stands: a join, a poll answer, the SSE `state`
   * event, a WebSocket welcome (cursor.ts judges it). The same room: its epoch is remembered,
   * a truncated replay is reported, and the answer is true. A new room: one SERVER_RESTARTED
   * error, the cursor goes back to 0 under the new epoch, and the answer is false: the caller
   * follows the new room from its start (seq 1), so nothing posted between the restart and
   * its detection is lost, and nothing of it is skipped.
   */
  judge(answer: RoomAnswer): boolean {
    const known = this.position();
    const verdict = judgeCursorAnswer(known, answer);
    if (verdict.room === 'new') {
      this.hooks.report(CLIENT_ERROR_CODES.serverRestarted, describeNewRoom(known, answer, verdict));
      this.seq = 0;
      this.known = true;
      this.epoch = verdict.epoch;
      // The new room's seqs start again: none of them is the old room's history. What it
      // already holds is caught up by the channel that follows it (its first answer says how much).
      this.historyTo = 0;
      this.catchUpTo = 0;
      this.placed = false;
      this.hooks.changed();
      return false;
    }
    this.epoch = verdict.epoch;
    if (!this.placed) {
      this.placed = true;
      if (!known.known) this.historyTo = answer.lastSeq;
      else this.catchUpTo = Math.max(this.catchUpTo, answer.lastSeq);
    }
    if (verdict.truncated) {
      this.hooks.report(CLIENT_ERROR_CODES.truncated, 'the cursor was older than the retained log: messages were skipped');
    }
    return true;
  }

  private kindOf(seq: number): DeliveryKind {
    if (seq <= this.historyTo) return 'history';
    if (seq <= this.catchUpTo) return 'catch-up';
    return 'live';
  }
}

function isChatMessage(value: unknown): value is ChatMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<ChatMessage>;
  return typeof m.seq === 'number' && Number.isInteger(m.seq) && m.seq > 0 && typeof m.text === 'string';
}

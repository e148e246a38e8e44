// The retained messages of a room in memory: a ring of `capacity` slots
// (seq s lives in slot s % capacity) and the idempotency keys of the messages
// still retained.
import type { ChatMessage } from '@wirebench/transports/contract';
import type { SeqLog } from '@wirebench/transports/polling';

const idempotencyKey = (clientId: string, clientMsgId: string): string => `${clientId}\n${clientMsgId}`;

export class MessageLog implements SeqLog<ChatMessage> {
  private readonly slots: (ChatMessage | undefined)[];
  /** `${clientId}\n${clientMsgId}` → seq, for messages still retained. */
  private readonly sent = new Map<string, number>();
  lastSeq = 0;

  constructor(
    private readonly capacity: number,
    readonly epoch: string,
  ) {
    this.slots = new Array(capacity);
  }

  get firstSeq(): number {
    return Math.max(1, this.lastSeq - this.capacity + 1);
  }

  /** The first copy of (clientId, clientMsgId), while it is retained. */
  // #region idempotent-send
  find(clientId: string, clientMsgId: string): ChatMessage | undefined {
    const seq = this.sent.get(idempotencyKey(clientId, clientMsgId));
    return seq === undefined ? undefined : this.slots[seq % this.capacity];
  }
  // #endregion idempotent-send

  /** Appends the next message; the oldest leaves the window, and its idempotency key with it. */
  append(build: (seq: number) => ChatMessage): ChatMessage {
    const stored = build(this.lastSeq + 1);
    const slot = stored.seq % this.capacity;
    const evicted = this.slots[slot];
    if (evicted?.clientMsgId != null) this.sent.delete(idempotencyKey(evicted.clientId, evicted.clientMsgId));
    this.slots[slot] = stored;
    this.lastSeq = stored.seq;
    if (stored.clientMsgId !== null) this.sent.set(idempotencyKey(stored.clientId, stored.clientMsgId), stored.seq);
    return stored;
  }

  slice(from: number, to: number): ChatMessage[] {
    const out: ChatMessage[] = new Array(to - from + 1);
    for (let seq = from; seq <= to; seq++) out[seq - from] = this.slots[seq % this.capacity]!;
    return out;
  }
}

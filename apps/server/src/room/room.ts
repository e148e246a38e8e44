// The one chat room every transport serves: seq numbering, the retained log,
// history for newcomers, idempotent send, per-client rate limit and fan-out.
import { randomUUID } from 'node:crypto';
import type { ChatMessage, TransportId } from '@wirebench/transports/contract';
import { DEFAULTS } from '@wirebench/transports/contract';
import { answerCursor, type CursorAnswer, type SeqLog } from '@wirebench/transports/polling';
import { InvalidBody, InvalidText, RateLimited, TextTooLong, UnknownClient } from '../errors.ts';
import { TokenBucket } from './rate-limit.ts';

export interface RoomOptions {
  historyLimit: number;
  retainLimit: number;
  maxTextLength: number;
  sendRateLimit: number;
  sendRateWindowMs: number;
  /** Known clients kept; the least recently seen is forgotten beyond this. */
  maxClients?: number;
  now?: () => number;
  newId?: () => string;
}

export interface SendInput {
  clientId: unknown;
  text: unknown;
  clientMsgId?: unknown;
  name?: unknown;
  via: TransportId;
}

export interface SendResult {
  message: ChatMessage;
  /** false when (clientId, clientMsgId) was sent before: `message` is the first copy. */
  created: boolean;
}

interface Client {
  name: string;
  lastSeen: number;
  bucket: TokenBucket;
}

export type RoomListener = (message: ChatMessage) => void;

const ACTIVE_MS = 60_000;

/** Messages in a ring of `capacity` slots; seq s lives in slot s % capacity. */
class RetainedLog implements SeqLog<ChatMessage> {
  private readonly slots: (ChatMessage | undefined)[];
  lastSeq = 0;

  constructor(private readonly capacity: number) {
    this.slots = new Array(capacity);
  }

  get firstSeq(): number {
    return Math.max(1, this.lastSeq - this.capacity + 1);
  }

  /** Appends; returns the message pushed out of the window, if any. */
  push(message: ChatMessage): ChatMessage | undefined {
    const slot = message.seq % this.capacity;
    const evicted = this.slots[slot];
    this.slots[slot] = message;
    this.lastSeq = message.seq;
    return evicted;
  }

  slice(from: number, to: number): ChatMessage[] {
    const out: ChatMessage[] = new Array(to - from + 1);
    for (let seq = from; seq <= to; seq++) out[seq - from] = this.slots[seq % this.capacity]!;
    return out;
  }
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export class Room {
  private readonly log: RetainedLog;
  private readonly clients = new Map<string, Client>();
  /** `${clientId}\n${clientMsgId}` → seq, for messages still retained. */
  private readonly sent = new Map<string, number>();
  private readonly listeners = new Set<RoomListener>();
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly maxClients: number;

  constructor(private readonly options: RoomOptions) {
    this.log = new RetainedLog(options.retainLimit);
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    this.maxClients = options.maxClients ?? 100_000;
  }

  get lastSeq(): number {
    return this.log.lastSeq;
  }

  /** A new client: its id, and the history a newcomer is greeted with. */
  join(name?: unknown): { clientId: string; lastSeq: number; messages: ChatMessage[] } {
    const clientId = this.register(this.validName(name));
    return { clientId, lastSeq: this.lastSeq, messages: this.history() };
  }

  /** The id a WebSocket presents, if the room knows it; else a new one. */
  adopt(clientId: string | undefined, name?: string): string {
    if (clientId !== undefined && this.touch(clientId)) return clientId;
    return this.register(name ?? 'anon');
  }

  /** Marks a client as seen; false when the room does not know the id. */
  touch(clientId: string): boolean {
    const client = this.clients.get(clientId);
    if (!client) return false;
    client.lastSeen = this.now();
    // Map order is insertion order: re-inserting keeps the least recently seen first.
    this.clients.delete(clientId);
    this.clients.set(clientId, client);
    return true;
  }

  knows(clientId: string): boolean {
    return this.clients.has(clientId);
  }

  /** Clients seen in the last minute. */
  activeClients(): number {
    const since = this.now() - ACTIVE_MS;
    let n = 0;
    for (const client of this.clients.values()) if (client.lastSeen >= since) n++;
    return n;
  }

  history(): ChatMessage[] {
    return this.since(undefined).messages;
  }

  since(after: number | undefined, pageSize: number = DEFAULTS.pageSize): CursorAnswer<ChatMessage> {
    return answerCursor(this.log, after, this.options.historyLimit, pageSize);
  }

  /** Every retained message after `after` (streams replay all, not a page). */
  replay(after: number | undefined): CursorAnswer<ChatMessage> {
    return this.since(after, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Validates and stores a message, or throws one of errors.ts without
   * changing anything. A repeated (clientId, clientMsgId) stores nothing.
   */
  send(input: SendInput): SendResult {
    const { clientId, text, clientMsgId, via } = input;
    if (typeof clientId !== 'string' || clientId === '') throw new InvalidBody('clientId must be a non-empty string');
    if (typeof text !== 'string') throw new InvalidBody('text must be a string');
    if (clientMsgId !== undefined && clientMsgId !== null) {
      if (typeof clientMsgId !== 'string' || clientMsgId.length === 0 || clientMsgId.length > DEFAULTS.maxClientMsgIdLength) {
        throw new InvalidBody(`clientMsgId must be a string of 1 to ${DEFAULTS.maxClientMsgIdLength} characters`);
      }
    }
    const name = input.name === undefined ? undefined : this.validName(input.name);
    const client = this.clients.get(clientId);
    if (!client) throw new UnknownClient(clientId);
    this.touch(clientId);

    // #region idempotent-send
    const key = typeof clientMsgId === 'string' ? `${clientId}\n${clientMsgId}` : null;
    if (key !== null) {
      const seq = this.sent.get(key);
      if (seq !== undefined) return { message: this.log.slice(seq, seq)[0]!, created: false };
    }
    // #endregion idempotent-send
    if (text.trim() === '') throw new InvalidText();
    const length = codePoints(text);
    if (length > this.options.maxTextLength) throw new TextTooLong(length, this.options.maxTextLength);
    if (!client.bucket.take(this.now())) {
      throw new RateLimited(this.options.sendRateLimit, this.options.sendRateWindowMs);
    }
    if (name !== undefined) client.name = name;

    // #region store
    const message: ChatMessage = {
      type: 'message',
      seq: this.log.lastSeq + 1,
      clientId,
      name: client.name,
      text,
      clientMsgId: typeof clientMsgId === 'string' ? clientMsgId : null,
      via,
      serverTime: this.now(),
    };
    const evicted = this.log.push(message);
    if (evicted?.clientMsgId != null) this.sent.delete(`${evicted.clientId}\n${evicted.clientMsgId}`);
    if (key !== null) this.sent.set(key, message.seq);
    for (const listener of this.listeners) listener(message);
    // #endregion store
    return { message, created: true };
  }

  /** Called with every stored message, in seq order. */
  subscribe(listener: RoomListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private validName(name: unknown): string {
    if (name === undefined || name === null) return 'anon';
    if (typeof name !== 'string') throw new InvalidBody('name must be a string');
    const trimmed = name.trim();
    if (codePoints(trimmed) > DEFAULTS.maxNameLength) {
      throw new InvalidBody(`name must be at most ${DEFAULTS.maxNameLength} characters`);
    }
    return trimmed === '' ? 'anon' : trimmed;
  }

  private register(name: string): string {
    const clientId = this.newId();
    const now = this.now();
    this.clients.set(clientId, {
      name,
      lastSeen: now,
      bucket: new TokenBucket(this.options.sendRateLimit, this.options.sendRateWindowMs, now),
    });
    if (this.clients.size > this.maxClients) {
      const oldest = this.clients.keys().next().value;
      if (oldest !== undefined) this.clients.delete(oldest);
    }
    return clientId;
  }
}

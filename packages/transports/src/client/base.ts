// What all five clients share: the delivery cursor, the send queue, reconnect with
// backoff, pause/resume/cut/close, wire records, counters and snapshots.
// A transport subclass only opens and closes its channel and moves sends over it.
//
// Lifecycle (status):
//   idle --connect()--> connecting --opened()--> open
//   open/connecting/reconnecting --lost()--> reconnecting --(backoff timer)--> open channel again
//   open/connecting/reconnecting --restartChannel() (a new room, a forgotten id)--> reconnecting, channel opened again at once
//   any but closed --pause()--> paused --resume()--> connecting
//   any --close()--> closed (final)
import type { ChatMessage, Epoch, TransportId } from '../contract.ts';
import { Backoff, resolveBackoff } from './backoff.ts';
import { describeNewRoom, judgeCursorAnswer, type Position, type RoomAnswer } from './cursor.ts';
import type {
  BackoffOptions,
  ClientCounters,
  ClientEvents,
  ClientOptions,
  ClientSnapshot,
  ClientStatus,
  SendOptions,
  TransportClient,
  WireRecord,
} from './types.ts';

/** Options with every injectable resolved to a function. */
export interface ResolvedOptions {
  baseUrl: string;
  name: string | undefined;
  pollIntervalMs: number;
  longPollTimeoutMs: number;
  backoff: BackoffOptions;
  fetch: typeof fetch;
  WebSocket: typeof WebSocket | undefined;
  EventSource: typeof EventSource | undefined;
  now: () => number;
  random: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

export const DEFAULT_POLL_INTERVAL_MS = 1_000;
export const DEFAULT_LONG_POLL_TIMEOUT_MS = 30_000;

/** Rejoins (UNKNOWN_CLIENT answers) allowed for one send before the channel is declared broken. */
export const MAX_REJOINS_PER_SEND = 3;

/** Error codes the clients raise themselves (server codes pass through unchanged). */
export const CLIENT_ERROR_CODES = {
  truncated: 'TRUNCATED',
  serverRestarted: 'SERVER_RESTARTED',
  network: 'NETWORK',
  cut: 'CUT',
  badFrame: 'BAD_FRAME',
  http: 'HTTP_ERROR',
} as const;

function resolveOptions(options: ClientOptions): ResolvedOptions {
  const g = globalThis as typeof globalThis & { location?: { origin?: string } };
  const baseUrl = options.baseUrl ?? g.location?.origin;
  if (!baseUrl) throw new TypeError('client: baseUrl is required outside a browser page');
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    name: options.name,
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    longPollTimeoutMs: options.longPollTimeoutMs ?? DEFAULT_LONG_POLL_TIMEOUT_MS,
    backoff: resolveBackoff(options.backoff),
    // Globals are looked up at call time, so fake timers installed later still apply,
    // and fetch is never called with a foreign `this`.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    WebSocket: options.WebSocket ?? g.WebSocket,
    EventSource: options.EventSource ?? g.EventSource,
    now: options.now ?? (() => performance.timeOrigin + performance.now()),
    random: options.random ?? Math.random,
    setTimeout: options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms)),
    clearTimeout:
      options.clearTimeout ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>)),
  };
}

/** A send waiting for the server's confirmation. */
export interface QueuedSend {
  readonly clientMsgId: string;
  readonly text: string;
  readonly name: string | undefined;
  /** 'queued': to be written; 'sent': written on the current channel, awaiting ack / answer. */
  state: 'queued' | 'sent';
  done: boolean;
}

/** A wire record plus how much of it the counters already hold. */
export interface RecordHandle {
  record: WireRecord;
  countedUp: number;
  countedDown: number;
}

type Listeners = { [E in keyof ClientEvents]: Set<ClientEvents[E]> };

export abstract class BaseClient implements TransportClient {
  readonly transport: TransportId;
  protected readonly opts: ResolvedOptions;

  protected status: ClientStatus = 'idle';
  protected clientId: string | null;
  protected lastSeq: number;
  /** False until the client knows where it stands in the room (after, join, or first delivery). */
  protected cursorKnown: boolean;
  /** The room's epoch that lastSeq counts in; null until an answer carried one. */
  protected roomEpoch: Epoch | null;
  protected lastError: string | null = null;
  protected readonly queue: QueuedSend[] = [];
  /**
   * Bumped whenever a channel is opened or torn down. Callbacks capture it and
   * ignore themselves when it has moved on, so a late answer of an aborted
   * request or a closed socket never touches the current state.
   */
  protected generation = 0;

  private counters: ClientCounters = {
    requests: 0,
    framesUp: 0,
    framesDown: 0,
    bytesUp: 0,
    bytesDown: 0,
    reconnects: 0,
    messages: 0,
  };
  private snapshot: ClientSnapshot | null = null;
  private readonly subscribers = new Set<() => void>();
  private readonly listeners: Listeners = {
    message: new Set(),
    status: new Set(),
    request: new Set(),
    error: new Set(),
    joined: new Set(),
    ack: new Set(),
  };
  private readonly backoff: Backoff;
  /** Paces new rooms found close together (an epoch flipping between processes), see followNewRoom. */
  private readonly newRoomBackoff: Backoff;
  private lastNewRoomAt = -Infinity;
  private reconnectTimer: unknown = null;
  private nextRecordId = 1;
  private msgCounter = 0;

  constructor(transport: TransportId, options: ClientOptions = {}) {
    this.transport = transport;
    this.opts = resolveOptions(options);
    this.clientId = options.clientId ?? null;
    this.lastSeq = options.after ?? 0;
    this.cursorKnown = options.after !== undefined;
    this.roomEpoch = options.after !== undefined ? (options.epoch ?? null) : null;
    this.backoff = new Backoff(this.opts.backoff, this.opts.random);
    this.newRoomBackoff = new Backoff(this.opts.backoff, this.opts.random);
  }

  // ---- what a transport implements ---------------------------------------------

  /** Open the channel for the current generation (join, socket, stream, first poll). */
  protected abstract openChannel(): void;
  /** Tear the channel down. `clean`: a deliberate stop (pause/close), not a failure. */
  protected abstract closeChannel(clean: boolean): void;
  /** Write queued sends if the channel can carry them. */
  protected abstract flushSends(): void;

  /** Set while sends wait (after a 429) before flushSends may try again. */
  protected holdTimer: unknown = null;

  /** Holds every send for `ms`, then flushes. */
  protected hold(ms: number): void {
    this.clearHold();
    this.holdTimer = this.opts.setTimeout(() => {
      this.holdTimer = null;
      this.flushSends();
    }, ms);
  }

  protected clearHold(): void {
    if (this.holdTimer !== null) {
      this.opts.clearTimeout(this.holdTimer);
      this.holdTimer = null;
    }
  }
  /** A live option changed. */
  protected optionsChanged(_changed: Partial<Pick<ClientOptions, 'pollIntervalMs' | 'longPollTimeoutMs'>>): void {}

  // ---- TransportClient ---------------------------------------------------------

  connect(): void {
    if (this.status !== 'idle') return;
    this.setStatus('connecting');
    this.startChannel();
  }

  send(text: string, options: SendOptions = {}): string {
    if (this.status === 'closed') throw new Error('client is closed');
    const clientMsgId = options.clientMsgId ?? this.generateClientMsgId();
    this.queue.push({ clientMsgId, text, name: options.name ?? this.opts.name, state: 'queued', done: false });
    this.changed();
    this.flushSends();
    return clientMsgId;
  }

  close(): void {
    if (this.status === 'closed') return;
    this.clearReconnectTimer();
    this.endChannel(true);
    this.setStatus('closed');
  }

  pause(): void {
    if (this.status === 'closed' || this.status === 'paused' || this.status === 'idle') return;
    this.clearReconnectTimer();
    this.endChannel(true);
    this.setStatus('paused');
  }

  resume(): void {
    if (this.status !== 'paused') return;
    this.backoff.reset();
    this.setStatus('connecting');
    this.startChannel();
  }

  cut(): void {
    // Only a live or opening channel can be cut; while waiting for the backoff timer there is nothing to drop.
    if (this.status !== 'open' && this.status !== 'connecting' && this.status !== 'reconnecting') return;
    if (this.reconnectTimer !== null) return;
    this.lost(CLIENT_ERROR_CODES.cut, 'connection cut by the client');
  }

  setOptions(options: Partial<Pick<ClientOptions, 'pollIntervalMs' | 'longPollTimeoutMs' | 'name'>>): void {
    const changed: Partial<Pick<ClientOptions, 'pollIntervalMs' | 'longPollTimeoutMs'>> = {};
    if (options.name !== undefined) this.opts.name = options.name;
    if (options.pollIntervalMs !== undefined && options.pollIntervalMs !== this.opts.pollIntervalMs) {
      if (!(options.pollIntervalMs >= 0)) throw new RangeError('pollIntervalMs must be >= 0');
      this.opts.pollIntervalMs = changed.pollIntervalMs = options.pollIntervalMs;
    }
    if (options.longPollTimeoutMs !== undefined && options.longPollTimeoutMs !== this.opts.longPollTimeoutMs) {
      if (!(options.longPollTimeoutMs >= 0)) throw new RangeError('longPollTimeoutMs must be >= 0');
      this.opts.longPollTimeoutMs = changed.longPollTimeoutMs = options.longPollTimeoutMs;
    }
    if (Object.keys(changed).length > 0 && this.status !== 'closed') this.optionsChanged(changed);
  }

  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    const set = this.listeners[event] as Set<ClientEvents[E]>;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  getSnapshot(): ClientSnapshot {
    if (this.snapshot === null) {
      this.snapshot = Object.freeze({
        transport: this.transport,
        status: this.status,
        clientId: this.clientId,
        lastSeq: this.lastSeq,
        counters: Object.freeze({ ...this.counters }),
        pendingSends: this.queue.length,
        lastError: this.lastError,
      });
    }
    return this.snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.subscribers.add(listener);
    return () => {
      this.subscribers.delete(listener);
    };
  }

  // ---- lifecycle helpers for subclasses ------------------------------------------

  /** The channel works (welcome, join or first answer, stream open): reset backoff, write sends. */
  protected opened(generation: number): void {
    if (generation !== this.generation) return;
    this.backoff.reset();
    if (this.status !== 'open') this.setStatus('open');
    this.flushSends();
  }

  /** The channel failed: tear it down and come back after the backoff delay. */
  protected lost(code: string, message: string, generation = this.generation): void {
    if (generation !== this.generation) return;
    if (this.status === 'closed' || this.status === 'paused' || this.status === 'idle') return;
    this.endChannel(false);
    this.fail(code, message);
    this.setStatus('reconnecting');
    this.scheduleReconnect(this.backoff.next());
  }

  protected isCurrent(generation: number): boolean {
    return generation === this.generation && this.status !== 'closed' && this.status !== 'paused';
  }

  private startChannel(): void {
    this.generation += 1;
    this.openChannel();
  }

  private endChannel(clean: boolean): void {
    this.generation += 1;
    for (const item of this.queue) item.state = 'queued';
    this.closeChannel(clean);
  }

  private scheduleReconnect(delay: number): void {
    this.clearReconnectTimer();
    this.reconnectTimer = this.opts.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.status !== 'reconnecting') return;
      this.counters.reconnects += 1;
      this.changed();
      this.startChannel();
    }, delay);
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== null) {
      this.opts.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
  }

  /** Close the channel and open it again at once (a new room, a forgotten id). */
  protected restartChannel(): void {
    if (this.status === 'closed' || this.status === 'paused' || this.status === 'idle') return;
    this.endChannel(true);
    this.setStatus('reconnecting');
    this.startChannel();
  }

  // ---- delivery ------------------------------------------------------------------

  /**
   * Delivers chat messages once each, in seq order: anything at or below the cursor
   * is a duplicate (a replay overlapping what we have) and is dropped.
   */
  protected deliver(messages: readonly ChatMessage[]): number {
    const sorted = messages.length > 1 ? [...messages].sort((a, b) => a.seq - b.seq) : messages;
    let delivered = 0;
    for (const message of sorted) {
      if (!isChatMessage(message)) continue;
      if (this.cursorKnown && message.seq <= this.lastSeq) continue;
      this.lastSeq = message.seq;
      this.cursorKnown = true;
      this.counters.messages += 1;
      delivered += 1;
      this.changed();
      this.emit('message', message, this.opts.now());
    }
    return delivered;
  }

  // ---- where the client stands in the room ----------------------------------------------

  protected position(): Position {
    return { known: this.cursorKnown, lastSeq: this.lastSeq, epoch: this.roomEpoch };
  }

  /** Query parameters of every poll, stream and socket: `after` once known, and the epoch it counts in. */
  protected cursorQuery(): { after: number | undefined; epoch: Epoch | undefined } {
    if (!this.cursorKnown) return { after: undefined, epoch: undefined };
    return { after: this.lastSeq, epoch: this.roomEpoch ?? undefined };
  }

  /**
   * Judges an answer that says where the room stands (cursor.ts). The same room: its epoch
   * is remembered, a truncated replay is reported, and the answer is true. A new room: one
   * SERVER_RESTARTED error, the cursor goes back to 0 under the new epoch, and the answer
   * is false: the caller follows the new room from its start (seq 1), so nothing posted
   * between the restart and its detection is lost, and nothing of it is skipped.
   */
  protected judgeAnswer(answer: RoomAnswer): boolean {
    const known = this.position();
    const verdict = judgeCursorAnswer(known, answer);
    if (verdict.room === 'new') {
      this.fail(CLIENT_ERROR_CODES.serverRestarted, describeNewRoom(known, answer, verdict));
      this.lastSeq = 0;
      this.cursorKnown = true;
      this.roomEpoch = verdict.epoch;
      this.changed();
      return false;
    }
    this.roomEpoch = verdict.epoch;
    if (verdict.truncated) {
      this.fail(CLIENT_ERROR_CODES.truncated, 'the cursor was older than the retained log: messages were skipped');
    }
    return true;
  }

  /**
   * After a new-room verdict on a channel: the old id belongs to the old room, so the
   * channel starts again without it (HTTP: a fresh join; WebSocket: a socket without
   * clientId) from the reset cursor. New rooms found close together mean the epoch keeps
   * changing (processes that do not share a room): those wait a growing backoff instead
   * of rejoining in a loop.
   */
  protected followNewRoom(): void {
    this.clientId = null;
    this.changed();
    const at = this.now();
    const again = at - this.lastNewRoomAt < this.opts.backoff.maxMs;
    this.lastNewRoomAt = at;
    if (!again) {
      this.newRoomBackoff.reset();
      this.restartChannel();
      return;
    }
    if (this.status === 'closed' || this.status === 'paused' || this.status === 'idle') return;
    this.endChannel(true);
    this.setStatus('reconnecting');
    this.scheduleReconnect(this.newRoomBackoff.next());
  }

  /** The server gave us an id. */
  protected joined(clientId: string, lastSeq: number): void {
    this.clientId = clientId;
    this.changed();
    this.emit('joined', { clientId, lastSeq });
  }

  protected acked(item: QueuedSend, seq: number): void {
    if (item.done) return;
    this.removeSend(item);
    this.emit('ack', { clientMsgId: item.clientMsgId, seq });
  }

  protected removeSend(item: QueuedSend): void {
    item.done = true;
    const index = this.queue.indexOf(item);
    if (index >= 0) this.queue.splice(index, 1);
    this.changed();
  }

  /** Delay before retrying a refused send (429): the next backoff step, unless the server said. */
  protected retryDelay(attempt: number, retryAfterSeconds?: number): number {
    if (retryAfterSeconds !== undefined && retryAfterSeconds >= 0) return retryAfterSeconds * 1000;
    const b = this.opts.backoff;
    const ceiling = Math.min(b.maxMs, Math.max(b.initialMs, 1) * b.factor ** attempt);
    return ceiling * (1 - b.jitter * this.opts.random());
  }

  // ---- errors, events, records -------------------------------------------------------

  protected fail(code: string, message: string): void {
    this.lastError = `${code}: ${message}`;
    this.changed();
    this.emit('error', { code, message });
  }

  protected emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void {
    for (const listener of [...(this.listeners[event] as Set<(...a: Parameters<ClientEvents[E]>) => void>)]) {
      try {
        listener(...args);
      } catch (error) {
        // A faulty listener must not break the client; surface it outside our call stack.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  protected now(): number {
    return this.opts.now();
  }

  /** Starts a record (requests, handshakes and stream openings count as requests). */
  protected beginRecord(fields: Omit<Partial<WireRecord>, 'id' | 'transport'> & Pick<WireRecord, 'kind'>): RecordHandle {
    const record: WireRecord = {
      id: this.nextRecordId++,
      transport: this.transport,
      startedAt: this.now(),
      headerBytesUp: 0,
      payloadBytesUp: 0,
      headerBytesDown: 0,
      payloadBytesDown: 0,
      estimated: false,
      messages: 0,
      ...fields,
    };
    const handle: RecordHandle = { record, countedUp: 0, countedDown: 0 };
    if (record.kind === 'http' || record.kind === 'ws-handshake' || record.kind === 'sse-open') this.counters.requests += 1;
    if (record.kind === 'ws-frame-out') this.counters.framesUp += 1;
    if (record.kind === 'ws-frame-in' || record.kind === 'sse-event') this.counters.framesDown += 1;
    this.account(handle);
    return handle;
  }

  /** Completes (or updates) a record and emits it again under the same id. */
  protected endRecord(handle: RecordHandle, fields: Partial<WireRecord>): void {
    handle.record = { ...handle.record, endedAt: this.now(), ...fields };
    this.account(handle);
  }

  /** A frame or event: one record, complete at once. */
  protected instantRecord(fields: Omit<Partial<WireRecord>, 'id' | 'transport'> & Pick<WireRecord, 'kind'>): void {
    const at = this.now();
    this.beginRecord({ startedAt: at, endedAt: at, ...fields });
  }

  private account(handle: RecordHandle): void {
    const r = handle.record;
    const up = r.headerBytesUp + r.payloadBytesUp;
    const down = r.headerBytesDown + r.payloadBytesDown;
    this.counters.bytesUp += up - handle.countedUp;
    this.counters.bytesDown += down - handle.countedDown;
    handle.countedUp = up;
    handle.countedDown = down;
    this.changed();
    this.emit('request', Object.freeze({ ...r }));
  }

  // ---- snapshot plumbing ----------------------------------------------------------------

  protected setStatus(status: ClientStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.changed();
    this.emit('status', status);
  }

  protected changed(): void {
    this.snapshot = null;
    for (const listener of [...this.subscribers]) listener();
  }

  private generateClientMsgId(): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let id = '';
    for (let i = 0; i < 12; i++) id += alphabet[Math.floor(this.opts.random() * alphabet.length) % alphabet.length];
    this.msgCounter += 1;
    return `${id}-${this.msgCounter.toString(36)}`;
  }
}

/** What decides the fate of a send the server refused. */
export type SendVerdict = 'retry-later' | 'drop' | 'rejoin' | 'fail-channel';

/** One place for the contract's error table, seen from a sender. */
export function sendVerdict(status: number | undefined, code: string): SendVerdict {
  if (code === 'RATE_LIMITED' || status === 429) return 'retry-later';
  if (code === 'UNKNOWN_CLIENT') return 'rejoin';
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

function isChatMessage(value: unknown): value is ChatMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<ChatMessage>;
  return typeof m.seq === 'number' && Number.isInteger(m.seq) && m.seq > 0 && typeof m.text === 'string';
}

/** Builds `base + path` with the query parameters that are defined. */
export function buildUrl(base: string, path: string, query: Record<string, string | number | undefined>): URL {
  const url = new URL(path, base + '/');
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url;
}

// What all five clients share: the delivery cursor, the send queue, reconnect with
// backoff, pause/resume/cut/close, wire records, counters and snapshots.
// A transport subclass only opens and closes its channel and moves sends over it.
//
// Lifecycle (status):
//   idle --connect()--> connecting --opened()--> open
//   open/connecting/reconnecting --lost()--> reconnecting --(backoff timer)--> open channel again
//   open/connecting/reconnecting --restartChannel() (a new room, a forgotten id)--> reconnecting, channel opened again at once
//   any but closed --pause()--> paused --resume()--> connecting
//   open/connecting/reconnecting --shutOut(ROOM_LOCKED)--> locked --connect()/resume()--> connecting
//   any but closed --shutOut(CLIENT_REMOVED)--> removed (final)
//   any --close()--> closed (final)
import type { ChatMessage, Epoch, TransportId } from '../contract.ts';
import { Backoff, resolveBackoff } from './backoff.ts';
import { describeNewRoom, judgeCursorAnswer, type Position, type RoomAnswer } from './cursor.ts';
import { redactSecret, redactUrl } from './redact.ts';
import { INFO_PATH, ME_PATH, readInfoAnswer, readMeAnswer, type Standing } from './standing.ts';
import type {
  BackoffOptions,
  ClientCounters,
  ClientEvents,
  ClientIdentity,
  ClientOptions,
  ClientSnapshot,
  ClientStatus,
  SendOptions,
  TransportClient,
  WireRecord,
} from './types.ts';
import { httpRequestHeadBytes, httpResponseHeadBytes, utf8Length } from './wire.ts';

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
  getRandomValues: (bytes: Uint8Array) => Uint8Array;
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

/** Server codes after which the client stops instead of reconnecting (CONTRACT v2 "the teacher"). */
export const SHUT_OUT_CODES = { removed: 'CLIENT_REMOVED', locked: 'ROOM_LOCKED' } as const;
export type ShutOutCode = (typeof SHUT_OUT_CODES)[keyof typeof SHUT_OUT_CODES];

/** How long the client waits for the answer to "why was I refused?" before reconnecting anyway. */
export const STANDING_TIMEOUT_MS = 5_000;

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
    // getRandomValues, unlike randomUUID, also exists on a page served over plain http (a classroom LAN).
    getRandomValues: options.getRandomValues ?? ((bytes) => globalThis.crypto.getRandomValues(bytes)),
    setTimeout: options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms)),
    clearTimeout:
      options.clearTimeout ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>)),
  };
}

export interface HttpAnswer {
  status: number;
  body: unknown;
  /** `Retry-After` in seconds, when the server sent one. */
  retryAfter?: number;
}

export interface RequestExtras {
  /** Count `messages` in the answer into the record. */
  countMessages?: boolean;
  /** A poll: an answer without messages is marked `empty`. */
  poll?: boolean;
  /** Abort this request alone (long-poll option changes, watchdog, a timeout). */
  controller?: AbortController;
}

/** A callback outlived its channel (pause, cut, close, restart). */
export class StaleError extends Error {
  constructor() {
    super('stale channel');
    this.name = 'StaleError';
  }
}

export function errorOf(answer: HttpAnswer): { code: string; message: string } {
  const body = answer.body as { error?: { code?: unknown; message?: unknown } } | null;
  const code = typeof body?.error?.code === 'string' ? body.error.code : CLIENT_ERROR_CODES.http;
  const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${answer.status}`;
  return { code, message };
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
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
  /**
   * The secret that proves clientId (CONTRACT v2 "identity"); null without an id, or when the
   * server gave none (a v1 server). Sent only where the contract asks for it: the body of
   * `POST /api/messages` and the URL of a WebSocket that keeps its identity. Never shown.
   */
  protected clientSecret: string | null;
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
  /** Set while the client asks the server why a socket or stream was refused; reconnects wait for it. */
  private standingCheck: Promise<void> | null = null;
  private readonly controllers = new Set<AbortController>();
  private nextRecordId = 1;

  constructor(transport: TransportId, options: ClientOptions = {}) {
    this.transport = transport;
    this.opts = resolveOptions(options);
    this.clientId = options.clientId ?? null;
    this.clientSecret = options.clientId !== undefined ? (options.clientSecret ?? null) : null;
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
    if (this.status === 'locked') {
      this.resume();
      return;
    }
    if (this.status !== 'idle') return;
    this.setStatus('connecting');
    this.startChannel();
  }

  send(text: string, options: SendOptions = {}): string {
    if (this.status === 'closed' || this.status === 'removed') throw new Error(`client is ${this.status}`);
    const clientMsgId = options.clientMsgId ?? this.generateClientMsgId();
    this.queue.push({ clientMsgId, text, name: options.name ?? this.opts.name, state: 'queued', done: false });
    this.changed();
    this.flushSends();
    return clientMsgId;
  }

  close(): void {
    // A removed client has nothing left to release, and keeps saying why it stopped.
    if (this.status === 'closed' || this.status === 'removed') return;
    this.clearReconnectTimer();
    this.endChannel(true);
    this.setStatus('closed');
  }

  pause(): void {
    if (this.stopped()) return;
    this.clearReconnectTimer();
    this.endChannel(true);
    this.setStatus('paused');
  }

  resume(): void {
    if (this.status !== 'paused' && this.status !== 'locked') return;
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

  identity(): ClientIdentity | null {
    if (this.clientId === null || this.clientSecret === null) return null;
    return { clientId: this.clientId, clientSecret: this.clientSecret };
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
    if (this.stopped()) return;
    this.endChannel(false);
    this.fail(code, message);
    this.setStatus('reconnecting');
    this.scheduleReconnect(this.backoff.next());
  }

  /**
   * A socket or stream failed before it opened. A page is not told why: a refused WebSocket
   * handshake and an EventSource answered with an error status both look like a network
   * failure, so a removed client or a locked room would look like a server that is down.
   * The client asks once over plain HTTP (standing.ts) while the backoff runs, and the
   * reconnect waits for the answer: CLIENT_REMOVED or ROOM_LOCKED stop the client.
   */
  protected refusedBeforeOpen(message: string, generation: number): void {
    if (generation !== this.generation || this.stopped()) return;
    const asked = this.clientId;
    const identity = this.identity();
    this.lost(CLIENT_ERROR_CODES.network, message, generation);
    const check = this.askStanding(identity).then(
      (standing) => {
        // Only for the identity that was refused, and only while nothing else has moved on.
        if (this.status !== 'reconnecting' || this.clientId !== asked) return;
        if (standing.verdict === 'removed') this.shutOut(SHUT_OUT_CODES.removed, standing.message);
        if (standing.verdict === 'locked') this.shutOut(SHUT_OUT_CODES.locked, standing.message);
      },
      () => undefined,
    );
    this.standingCheck = check;
    void check.finally(() => {
      if (this.standingCheck === check) this.standingCheck = null;
    });
  }

  private async askStanding(identity: ClientIdentity | null): Promise<Standing> {
    const generation = this.generation;
    const controller = new AbortController();
    const timer = this.opts.setTimeout(() => controller.abort(), STANDING_TIMEOUT_MS);
    // Ending the channel aborts the question: its timer goes at once, not when the promise settles.
    controller.signal.addEventListener('abort', () => this.opts.clearTimeout(timer), { once: true });
    try {
      if (identity !== null) {
        const me = readMeAnswer(await this.request('POST', ME_PATH, {}, { ...identity }, generation, { controller }));
        // An identity the server did not adopt made the socket ask for a new one: the lock applies.
        if (me.verdict !== 'not-adopted') return me;
      }
      return readInfoAnswer(await this.request('GET', INFO_PATH, {}, undefined, generation, { controller }));
    } catch {
      return { verdict: 'unknown' };
    } finally {
      this.opts.clearTimeout(timer);
    }
  }

  /**
   * The server will not take this client: CLIENT_REMOVED (the teacher removed it, its
   * secret is dead) or ROOM_LOCKED (a locked room refuses new identities). Trying again
   * would only be refused again, so the channel ends and nothing is scheduled: one error
   * event, and the status says why. A locked client tries again when its owner asks
   * (connect, resume); a removed one never does, and its unsent messages are dropped.
   */
  protected shutOut(code: ShutOutCode, message: string): void {
    if (this.stopped()) return;
    this.clearReconnectTimer();
    this.endChannel(true);
    if (code === SHUT_OUT_CODES.removed) {
      this.clientSecret = null;
      for (const item of this.queue) item.done = true;
      this.queue.length = 0;
      this.setStatus('removed');
    } else {
      this.setStatus('locked');
    }
    this.fail(code, message);
  }

  protected isCurrent(generation: number): boolean {
    return generation === this.generation && !this.stopped();
  }

  /** No channel is wanted now: not started, paused, shut out or closed. */
  protected stopped(): boolean {
    const s = this.status;
    return s === 'idle' || s === 'paused' || s === 'locked' || s === 'removed' || s === 'closed';
  }

  private startChannel(): void {
    this.generation += 1;
    this.openChannel();
  }

  private endChannel(clean: boolean): void {
    this.generation += 1;
    for (const item of this.queue) item.state = 'queued';
    for (const controller of [...this.controllers]) controller.abort();
    this.controllers.clear();
    this.closeChannel(clean);
  }

  private scheduleReconnect(delay: number): void {
    this.clearReconnectTimer();
    const generation = this.generation;
    const reconnect = (): void => {
      if (this.status !== 'reconnecting' || generation !== this.generation) return;
      this.counters.reconnects += 1;
      this.changed();
      this.startChannel();
    };
    this.reconnectTimer = this.opts.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.standingCheck === null) reconnect();
      else void this.standingCheck.then(reconnect);
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
    if (this.stopped()) return;
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
    this.forgetIdentity();
    const at = this.now();
    const again = at - this.lastNewRoomAt < this.opts.backoff.maxMs;
    this.lastNewRoomAt = at;
    if (!again) {
      this.newRoomBackoff.reset();
      this.restartChannel();
      return;
    }
    if (this.stopped()) return;
    this.endChannel(true);
    this.setStatus('reconnecting');
    this.scheduleReconnect(this.newRoomBackoff.next());
  }

  /** The server gave us an id and its secret (join or welcome). The event carries the id only. */
  protected joined(clientId: string, clientSecret: unknown, lastSeq: number): void {
    this.clientId = clientId;
    this.clientSecret = typeof clientSecret === 'string' && clientSecret !== '' ? clientSecret : null;
    this.changed();
    this.emit('joined', { clientId, lastSeq });
  }

  /** The id no longer works here (a new room, a forgotten or refused id): the next channel asks for a new one. */
  protected forgetIdentity(): void {
    this.clientId = null;
    this.clientSecret = null;
    this.changed();
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

  // ---- measured requests ------------------------------------------------------------------

  /**
   * One HTTP request with its WireRecord. Aborted when the channel ends. The record shows
   * the path and query (a clientSecret there redacted), never the body.
   */
  protected async request(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string | number | undefined>,
    body: object | undefined,
    generation: number,
    extras: RequestExtras = {},
  ): Promise<HttpAnswer> {
    if (!this.isCurrent(generation)) throw new StaleError();
    const url = buildUrl(this.opts.baseUrl, path, query);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const payloadBytes = payload === undefined ? 0 : utf8Length(payload);
    const sentHeaders: Array<[string, string]> =
      payload === undefined
        ? []
        : [
            ['Content-Type', 'application/json'],
            ['Content-Length', String(payloadBytes)],
          ];
    const handle = this.beginRecord({
      kind: 'http',
      method,
      url: redactUrl(url),
      headerBytesUp: httpRequestHeadBytes(method, url, sentHeaders),
      payloadBytesUp: payloadBytes,
      estimated: true,
    });
    const controller = extras.controller ?? new AbortController();
    this.controllers.add(controller);
    try {
      const init: RequestInit = { method, signal: controller.signal };
      if (payload !== undefined) {
        init.body = payload;
        init.headers = { 'content-type': 'application/json' };
      }
      const response = await this.opts.fetch(url.href, init);
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        parsed = null;
      }
      const list = (parsed as { messages?: unknown } | null)?.messages;
      const count = extras.countMessages && Array.isArray(list) ? list.length : 0;
      this.endRecord(handle, {
        status: response.status,
        headerBytesDown: httpResponseHeadBytes(response.status, response.statusText, response.headers),
        payloadBytesDown: utf8Length(text),
        messages: count,
        ...(extras.poll && response.ok ? { empty: count === 0 } : {}),
      });
      const answer: HttpAnswer = { status: response.status, body: parsed };
      const retryAfter = Number(response.headers.get('retry-after'));
      if (response.headers.has('retry-after') && Number.isFinite(retryAfter)) answer.retryAfter = retryAfter;
      return answer;
    } catch (error) {
      this.endRecord(handle, { error: controller.signal.aborted ? 'aborted' : describe(error) });
      throw error;
    } finally {
      this.controllers.delete(controller);
    }
  }

  // ---- errors, events, records -------------------------------------------------------

  protected fail(code: string, message: string): void {
    // A message may quote what the client sent (a browser's WebSocket error names the URL).
    const shown = redactSecret(message, this.clientSecret);
    this.lastError = `${code}: ${shown}`;
    this.changed();
    this.emit('error', { code, message: shown });
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
    if (handle.record.error !== undefined) handle.record.error = redactSecret(handle.record.error, this.clientSecret);
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

  /** 128 random bits as hex: unique per client, and no earlier id tells anyone the next one. */
  private generateClientMsgId(): string {
    let id = '';
    for (const byte of this.opts.getRandomValues(new Uint8Array(16))) id += byte.toString(16).padStart(2, '0');
    return id;
  }
}

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

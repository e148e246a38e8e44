// What all five clients share, one part per concern, composed here:
//   options.ts      the options, with defaults and live changes
//   lifecycle.ts    the state machine (its table: lifecycle-table.ts) and reconnect with backoff
//   records.ts      wire records and the counters they add up to (request.ts: measured HTTP)
//   send-queue.ts   sends until the server confirms them, the 429 hold, refusal verdicts
//   delivery.ts     the cursor, delivery once and in order (a new room: cursor.ts)
//   events.ts       events and snapshot subscribers
// A transport subclass only opens and closes its channel and moves sends over it.
import type { LessonSignal, TransportId } from '../contract.ts';
import { Delivery } from './delivery.ts';
import { CLIENT_ERROR_CODES, SHUT_OUT_CODES, StaleError, type ShutOutCode } from './errors.ts';
import { ClientEmitter } from './events.ts';
import { Lifecycle } from './lifecycle.ts';
import { applyLiveOptions, resolveOptions, type LiveOptions, type ResolvedOptions, type TimingChange } from './options.ts';
import { perMessage, WireRecords } from './records.ts';
import { redactSecret } from './redact.ts';
import { MeasuredRequests, type HttpAnswer, type Query, type RequestExtras } from './request.ts';
import { SendQueue, type QueuedSend } from './send-queue.ts';
import { askStanding } from './standing.ts';
import type { ClientEvents, ClientIdentity, ClientOptions, ClientSnapshot, SendOptions, TransportClient } from './types.ts';

export abstract class BaseClient implements TransportClient {
  readonly transport: TransportId;
  protected readonly opts: ResolvedOptions;
  protected readonly lifecycle: Lifecycle;
  protected readonly records: WireRecords;
  protected readonly requests: MeasuredRequests;
  protected readonly sends: SendQueue;
  protected readonly cursor: Delivery;
  private readonly events = new ClientEmitter();

  protected clientId: string | null;
  /**
   * The secret that proves clientId (CONTRACT v2 "identity"); null without an id, or when the
   * server gave none (a v1 server). Sent only where the contract asks for it: the body of
   * `POST /api/messages` and the URL of a WebSocket that keeps its identity. Never shown.
   */
  protected clientSecret: string | null;
  private lastError: string | null = null;
  /** What the server agreed to of the socket's extensions (a WebSocket subclass sets it; call changed()). */
  protected extensions = '';
  private snapshot: ClientSnapshot | null = null;
  /** The last lesson signal handed on, as JSON: the same signal again is not news. */
  private lastLesson: string | null = null;

  constructor(transport: TransportId, options: ClientOptions = {}) {
    this.transport = transport;
    this.opts = resolveOptions(options);
    this.clientId = options.clientId ?? null;
    this.clientSecret = options.clientId !== undefined ? (options.clientSecret ?? null) : null;
    this.records = new WireRecords(transport, this.opts.now, {
      redact: (text) => redactSecret(text, this.clientSecret),
      recorded: (record) => {
        this.changed();
        this.emit('request', record);
      },
    });
    this.requests = new MeasuredRequests(this.opts, this.records);
    this.sends = new SendQueue(this.opts, () => this.changed());
    this.cursor = new Delivery(options, {
      hand: (message, kind) => {
        this.changed();
        this.emit('message', message, this.opts.now(), { kind, epoch: this.cursor.roomEpoch });
      },
      changed: () => this.changed(),
      report: (code, message) => this.fail(code, message),
    });
    this.lifecycle = new Lifecycle(this.opts, {
      openChannel: () => {
        this.cursor.channelOpened();
        this.openChannel();
      },
      endChannel: (clean) => {
        this.sends.requeue();
        this.requests.abortAll();
        this.closeChannel(clean);
      },
      flushSends: () => this.flushSends(),
      fail: (code, message) => this.fail(code, message),
      statusChanged: (status) => {
        this.changed();
        this.emit('status', status);
      },
      changed: () => this.changed(),
      forgetForGood: () => {
        this.clientSecret = null;
        this.sends.dropAll();
      },
    });
  }

  // ---- what a transport implements ---------------------------------------------

  /** Open the channel for the current generation (join, socket, stream, first poll). */
  protected abstract openChannel(): void;
  /** Tear the channel down. `clean`: a deliberate stop (pause/close), not a failure. */
  protected abstract closeChannel(clean: boolean): void;
  /** Write queued sends if the channel can carry them. */
  protected abstract flushSends(): void;
  /** A live timing changed. */
  protected optionsChanged(_changed: TimingChange): void {}

  // ---- TransportClient ---------------------------------------------------------

  connect(): void {
    this.lifecycle.fire('connect');
  }

  send(text: string, options: SendOptions = {}): string {
    const status = this.lifecycle.status;
    if (status === 'closed' || status === 'removed') throw new Error(`client is ${status}`);
    const item = this.sends.add(text, options.name ?? this.opts.name, options.clientMsgId);
    this.flushSends();
    return item.clientMsgId;
  }

  close(): void {
    this.lifecycle.fire('close');
  }

  pause(): void {
    this.lifecycle.fire('pause');
  }

  resume(): void {
    this.lifecycle.fire('resume');
  }

  cut(): void {
    this.lifecycle.fire('cut', { code: CLIENT_ERROR_CODES.cut, message: 'connection cut by the client' });
  }

  setOptions(options: LiveOptions): void {
    const changed = applyLiveOptions(this.opts, options);
    if (Object.keys(changed).length > 0 && this.lifecycle.state !== 'closed') this.optionsChanged(changed);
  }

  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  identity(): ClientIdentity | null {
    if (this.clientId === null || this.clientSecret === null) return null;
    return { clientId: this.clientId, clientSecret: this.clientSecret };
  }

  getSnapshot(): ClientSnapshot {
    if (this.snapshot === null) {
      const counters = Object.freeze({
        ...this.records.counters(),
        reconnects: this.lifecycle.reconnects,
        messages: this.cursor.delivered,
        caughtUp: this.cursor.caughtUp,
        history: this.cursor.history,
      });
      this.snapshot = Object.freeze({
        transport: this.transport,
        status: this.lifecycle.status,
        clientId: this.clientId,
        lastSeq: this.cursor.lastSeq,
        epoch: this.cursor.roomEpoch,
        counters,
        perMessage: perMessage(counters),
        pendingSends: this.sends.length,
        lastError: this.lastError,
        extensions: this.extensions,
      });
    }
    return this.snapshot;
  }

  subscribe(listener: () => void): () => void {
    return this.events.subscribe(listener);
  }

  // ---- the lifecycle, for subclasses: each goes through the table ---------------------------

  protected get generation(): number {
    return this.lifecycle.generation;
  }

  protected isCurrent(generation: number): boolean {
    return this.lifecycle.isCurrent(generation);
  }

  /** The channel works (welcome, join or first answer, stream open): reset backoff, write sends. */
  protected opened(generation: number): void {
    if (generation === this.generation) this.lifecycle.fire('opened');
  }

  /** The channel failed: tear it down and come back after the backoff delay. */
  protected lost(code: string, message: string, generation = this.generation): void {
    if (generation === this.generation) this.lifecycle.fire('lost', { code, message });
  }

  /** A working channel failed and reconnects by itself (an EventSource): no backoff, no new channel. */
  protected reconnectsByItself(message: string, generation = this.generation): void {
    if (generation === this.generation) this.lifecycle.fire('dropped', { code: CLIENT_ERROR_CODES.network, message });
  }

  /**
   * A socket or stream failed before it opened. A page is not told why: a refused WebSocket
   * handshake and an EventSource answered with an error status both look like a network
   * failure, so a removed client or a locked room would look like a server that is down.
   * The client asks once over plain HTTP (standing.ts) while the backoff runs, and the
   * reconnect waits for the answer: CLIENT_REMOVED or ROOM_LOCKED stop the client.
   */
  protected refusedBeforeOpen(message: string, generation: number): void {
    if (generation !== this.generation) return;
    const asked = this.clientId;
    const identity = this.identity();
    // Asked once the channel has ended, in the generation that waits for the backoff.
    const ask = async (): Promise<void> => {
      const waiting = this.generation;
      const standing = await askStanding(
        identity,
        (method, path, body, controller) => this.request(method, path, {}, body, waiting, { controller }),
        this.opts,
      );
      // Only for the identity that was refused, and only while nothing else has moved on.
      if (this.lifecycle.status !== 'reconnecting' || this.clientId !== asked) return;
      if (standing.verdict === 'removed') this.shutOut(SHUT_OUT_CODES.removed, standing.message);
      if (standing.verdict === 'locked') this.shutOut(SHUT_OUT_CODES.locked, standing.message);
    };
    this.lifecycle.fire('refused', { code: CLIENT_ERROR_CODES.network, message, ask });
  }

  /**
   * The server will not take this client: CLIENT_REMOVED (the teacher removed it, its
   * secret is dead) or ROOM_LOCKED (a locked room refuses new identities). Trying again
   * would only be refused again, so the channel ends and nothing is scheduled: one error
   * event, and the status says why. A locked client tries again when its owner asks
   * (connect, resume); a removed one never does, and its unsent messages are dropped.
   */
  protected shutOut(code: ShutOutCode, message: string): void {
    this.lifecycle.fire(code === SHUT_OUT_CODES.removed ? 'removed' : 'locked', { code, message });
  }

  /** Close the channel and open it again at once (a new room, a forgotten id). */
  protected restartChannel(): void {
    this.lifecycle.fire('restart');
  }

  /**
   * After a new-room verdict on a channel: the old id belongs to the old room, so the
   * channel starts again without it (HTTP: a fresh join; WebSocket: a socket without
   * clientId) from the reset cursor.
   */
  protected followNewRoom(): void {
    this.forgetIdentity();
    this.lifecycle.newRoom();
  }

  // ---- identity --------------------------------------------------------------------------

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

  // ---- the lesson signal -------------------------------------------------------------------

  /**
   * A lesson signal from the server, on whichever wire carried it: handed on as the `lesson`
   * event when it differs from the last one. Returns whether it did (a poll loop treats a new
   * signal as news, like a message).
   */
  protected lessonSignal(value: unknown): boolean {
    const signal = asLessonSignal(value);
    if (signal === null) return false;
    const key = JSON.stringify(signal);
    if (key === this.lastLesson) return false;
    this.lastLesson = key;
    this.emit('lesson', signal, this.opts.now());
    return true;
  }

  // ---- sends -----------------------------------------------------------------------------

  protected acked(item: QueuedSend, seq: number): void {
    if (item.done) return;
    this.sends.remove(item);
    this.emit('ack', { clientMsgId: item.clientMsgId, seq });
  }

  protected retryDelay(attempt: number, retryAfterSeconds?: number): number {
    return this.sends.retryDelay(attempt, retryAfterSeconds);
  }

  // ---- requests, errors, events --------------------------------------------------------------

  /** One measured HTTP request of this channel generation (request.ts). */
  protected request(
    method: 'GET' | 'POST',
    path: string,
    query: Query,
    body: object | undefined,
    generation: number,
    extras: RequestExtras = {},
  ): Promise<HttpAnswer> {
    if (!this.isCurrent(generation)) return Promise.reject(new StaleError());
    return this.requests.send(method, path, query, body, extras);
  }

  protected fail(code: string, message: string): void {
    // A message may quote what the client sent (a browser's WebSocket error names the URL).
    const shown = redactSecret(message, this.clientSecret);
    this.lastError = `${code}: ${shown}`;
    this.changed();
    this.emit('error', { code, message: shown });
  }

  protected emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void {
    this.events.emit(event, ...args);
  }

  protected now(): number {
    return this.opts.now();
  }

  protected changed(): void {
    this.snapshot = null;
    this.events.notify();
  }
}

/** The signal's fields, checked, in the contract's order; null for anything else. */
function asLessonSignal(value: unknown): LessonSignal | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.type !== 'lesson' || typeof v.revision !== 'number' || typeof v.step !== 'number' || typeof v.revealed !== 'boolean') return null;
  if (typeof v.answers !== 'number' || (v.lessonId !== null && typeof v.lessonId !== 'string')) return null;
  return { type: 'lesson', revision: v.revision, lessonId: v.lessonId, step: v.step, revealed: v.revealed, answers: v.answers };
}

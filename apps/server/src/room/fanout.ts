// One way out of the server (after engine.io's Transport/Socket split): the
// fan-out layer subscribes to the room once, serialises each message once per
// wire form (wire.ts), and every connection of every transport — both echo
// endpoints included — attaches to it as a peer. Debug delay and cut, stats,
// heartbeat, backpressure and shutdown live here, once, on injected timers.
//
// One backpressure policy for every peer:
// - a stream peer (ws-raw, ws-lib, sse) pulls messages by its cursor: while
//   less than `highWater` bytes wait for it, the next message goes out; then it
//   waits for the socket to drain. A replay of any length is paced this way, so
//   it never blocks the event loop nor queues more than about `highWater`;
// - a live peer that waits while the room moves on owes the bytes in between:
//   past `maxBufferedBytes` it is dropped as a slow consumer (close 1008);
// - anything written that does not drain within `drainTimeoutMs` is dropped;
// - an echo peer stops being read while its echoes wait (TCP backpressure).
//
// Besides room messages, the fan-out carries the lesson signal (lessons/signal.ts):
// to every stream as it changes, and in every poll answer once a lesson has run.
import type { ChatMessage, LessonSignal, TransportId } from '@wirebench/transports/contract';
import { EchoPeer, Peer, StreamPeer, type PeerSpec, type StreamSpec } from './peers.ts';
import type { Room } from './room.ts';
import type { Stats } from './stats.ts';
import { ByteOffsets, WireCache, type Chunk, type WireForm } from './wire.ts';

export { EchoPeer, Peer, StreamPeer, type Channel, type PeerSpec, type StreamSpec } from './peers.ts';

export interface FanOutTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemTimers: FanOutTimers = {
  now: Date.now,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

export interface FanOutOptions {
  /** Bytes a peer may owe (queued plus fallen behind) before it is dropped as a slow consumer. */
  maxBufferedBytes: number;
  /** Written bytes must drain within this time, or the peer is dropped. */
  drainTimeoutMs: number;
  /** Ping interval of WebSocket peers; one that did not answer the previous ping is ended. */
  heartbeatMs: number;
  /** Comment interval of SSE streams. */
  sseHeartbeatMs: number;
  /** Recent messages kept with their wire forms. */
  historyLimit: number;
  retainLimit: number;
  /** A poll answer stops adding messages past this many bytes (the client asks again for more). */
  maxAnswerBytes: number;
}

/** How often the drain clocks are read. */
const SWEEP_MS = 1_000;

/**
 * A cut that finds nothing open (a short-poll client between two polls) waits this long
 * for the client's next request, and cuts that one: the teacher's "Cut (server)" always
 * shows on the lane, as the network failure it models.
 */
export const CUT_ARMED_MS = 10_000;

type Listener = (message: ChatMessage) => void;

/** A lesson signal serialised once per wire form (lessons/signal.ts's WiredSignal). */
export interface WiredLesson {
  readonly signal: LessonSignal;
  form(form: WireForm): Chunk;
  /** `,"lesson":{…}`, put before a poll answer's closing brace. */
  readonly pollField: string;
}

/** What the fan-out needs of the lesson service: the current signal, and each new one. */
export interface LessonFeed {
  readonly signal: WiredLesson;
  subscribe(listener: (signal: WiredLesson) => void): () => void;
}

/** A poll answer's JSON text, how many messages it holds, and the lesson signal it carries. */
export interface PollAnswer {
  json: string;
  count: number;
  lesson: WiredLesson | undefined;
}

export class FanOut {
  cache: WireCache;
  offsets: ByteOffsets;
  /** A stream stops taking messages while this many bytes wait for it. */
  readonly highWater: number;
  /** The newest seq this process has delivered. */
  lastSeq: number;
  private readonly peers = new Set<Peer>();
  private readonly streams = new Set<StreamPeer>();
  private readonly byClient = new Map<string, Set<Peer>>();
  private readonly delays = new Map<string, number>();
  /** Cuts waiting for the client's next request: clientId → until when. */
  private readonly armedCuts = new Map<string, number>();
  private readonly listeners = new Set<Listener>();
  private readonly lessonListeners = new Set<(signal: WiredLesson) => void>();
  private readonly restartListeners = new Set<() => void>();
  private readonly answers = new Map<string, Promise<PollAnswer>>();
  private answersSeq = -1;
  private answersLesson: WiredLesson | undefined;
  private lesson: WiredLesson | undefined;
  /** A lesson has run since this process started: poll answers carry the signal (its end too). */
  private lessonShown = false;
  private readonly intervals: unknown[];
  private readonly unsubscribe: Array<() => void>;
  private closing = false;
  /** Peers dropped as slow consumers, per transport (echo peers under null). */
  readonly dropped = new Map<TransportId | null, number>();

  constructor(
    readonly room: Room,
    readonly stats: Stats,
    readonly options: FanOutOptions,
    readonly timers: FanOutTimers = systemTimers,
    lessons?: LessonFeed,
  ) {
    // The history a newcomer is greeted with, and room for a burst of live messages.
    this.cache = new WireCache(Math.max(options.historyLimit, 64));
    this.offsets = new ByteOffsets(options.retainLimit + 1);
    this.highWater = Math.min(64 * 1024, Math.max(1024, options.maxBufferedBytes >> 2));
    this.lastSeq = room.head.lastSeq;
    this.offsets.mark(this.lastSeq);
    this.unsubscribe = [room.subscribe((message) => this.publish(message)), room.onRestart(() => this.restart())];
    if (lessons) {
      this.noteLesson(lessons.signal);
      this.unsubscribe.push(lessons.subscribe((signal) => this.signal(signal)));
    }
    this.intervals = [
      timers.setInterval(() => this.heartbeat(), options.heartbeatMs),
      timers.setInterval(() => {
        for (const peer of this.peers) peer.channel.keepAlive?.();
      }, options.sseHeartbeatMs),
      timers.setInterval(() => this.sweep(), SWEEP_MS),
    ];
  }

  get size(): number {
    return this.peers.size;
  }

  /** A connection or request that is not fed by the room (a poll, an echo socket). */
  attach(spec: PeerSpec): Peer {
    return this.register(new Peer(this, spec), spec);
  }

  attachEcho(spec: PeerSpec): EchoPeer {
    return this.register(new EchoPeer(this, spec), spec);
  }

  /** A stream: greeted, replayed from its cursor and fed every message, paced by its socket. */
  attachStream(spec: StreamSpec): StreamPeer {
    const peer = this.register(new StreamPeer(this, spec), spec);
    this.streams.add(peer);
    peer.ready = peer.start(spec).then(
      // A stream opened during shutdown gets its greeting and what fits in its socket, then ends.
      () => (this.closing ? peer.close(1001, 'server shutting down') : undefined),
      () => peer.close(1011, 'internal error'),
    );
    return peer;
  }

  /** Called with every message after the peers were fed (the long-poll hub listens here). */
  onPublish(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called with every new lesson signal after the streams got it (the long-poll hub answers its held polls). */
  onLesson(listener: (signal: WiredLesson) => void): () => void {
    this.lessonListeners.add(listener);
    return () => this.lessonListeners.delete(listener);
  }

  /** Called after the room started again and the streams were closed (the long-poll hub answers its held polls). */
  onRestart(listener: () => void): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  /** The signal a new stream gets after its greeting: only while a lesson runs. */
  get runningLesson(): WiredLesson | undefined {
    return this.lesson?.signal.lessonId != null ? this.lesson : undefined;
  }

  /** The signal poll answers carry now: from the first lesson on (so its end is heard too). */
  get pollLesson(): WiredLesson | undefined {
    return this.lessonShown ? this.lesson : undefined;
  }

  /**
   * A poll answer for the cursor, serialised from each message's cached JSON:
   * at most a page of messages and about `maxAnswerBytes`, and the lesson signal.
   */
  pollAnswer(after: number | undefined, epoch: string | undefined): Promise<PollAnswer> {
    // The polls one message (or one lesson signal) wakes mostly share a cursor: each answer is
    // built once per room head and signal.
    const lesson = this.pollLesson;
    if (this.answersSeq !== this.lastSeq || this.answersLesson !== lesson) {
      this.answers.clear();
      this.answersSeq = this.lastSeq;
      this.answersLesson = lesson;
    }
    const key = `${after}|${epoch}`;
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = this.buildPollAnswer(after, epoch, lesson);
      if (this.answers.size < 16) {
        this.answers.set(key, answer);
        answer.catch(() => this.answers.delete(key));
      }
    }
    return answer;
  }

  private async buildPollAnswer(after: number | undefined, epoch: string | undefined, lesson: WiredLesson | undefined): Promise<PollAnswer> {
    const answer = await this.room.since(after, { epoch });
    const parts: string[] = [];
    let bytes = 0;
    for (const message of answer.messages) {
      const wired = this.cache.of(message);
      if (parts.length > 0 && bytes + wired.bytes > this.options.maxAnswerBytes) break;
      parts.push(wired.json);
      bytes += wired.bytes + 1;
    }
    const tail = `,"lastSeq":${answer.lastSeq},"epoch":${JSON.stringify(answer.epoch)}${answer.truncated ? ',"truncated":true' : ''}${lesson?.pollField ?? ''}}`;
    return { json: `{"messages":[${parts.join(',')}]${tail}`, count: parts.length, lesson };
  }

  setDelay(clientId: string, ms: number): void {
    if (ms > 0) this.delays.set(clientId, ms);
    else this.delays.delete(clientId);
  }

  delay(clientId: string | undefined): number {
    return clientId === undefined ? 0 : (this.delays.get(clientId) ?? 0);
  }

  /**
   * Drops every connection and held request of a client, as a network failure would.
   * Returns how many. With none open, the client's next request within CUT_ARMED_MS is
   * dropped as it arrives.
   */
  cut(clientId: string): number {
    const peers = [...(this.byClient.get(clientId) ?? [])];
    for (const peer of peers) peer.channel.terminate();
    if (peers.length === 0) this.armedCuts.set(clientId, this.timers.now() + CUT_ARMED_MS);
    return peers.length;
  }

  /** The teacher removed a client: every connection of it gets a goodbye (1008 `removed`, end of stream, an answer). */
  removeClient(clientId: string): number {
    const set = this.byClient.get(clientId);
    if (!set) return 0;
    const peers = [...set];
    for (const peer of peers) peer.close(1008, 'removed');
    return peers.length;
  }

  /** The transports a client has a connection or a request open on in this process. */
  transportsOf(clientId: string): TransportId[] {
    const ids = new Set<TransportId>();
    for (const peer of this.byClient.get(clientId) ?? []) if (peer.transport !== null) ids.add(peer.transport);
    return [...ids];
  }

  /** Server shutdown: every peer gets its goodbye (1001, end of stream, empty answer). */
  shutdown(): void {
    this.closing = true;
    for (const off of this.unsubscribe) off();
    for (const handle of this.intervals) this.timers.clearInterval(handle);
    for (const peer of [...this.peers]) peer.close(1001, 'server shutting down');
  }

  /**
   * The room started again (its store lost the data: a new epoch) while this process runs.
   * What this process knows of the old numbering goes: the recent messages and their byte
   * offsets, the poll answers, lastSeq. Streams are closed — RFC 6455 7.4.1: "1012 indicates
   * that the service is restarted" — and held polls answered (onRestart listeners): every
   * client comes back with its old epoch, is told the new one, and follows the new room
   * from seq 1. Polls and echo sockets in flight are left to finish.
   */
  restart(): void {
    if (this.closing) return;
    this.cache = new WireCache(this.cache.capacity);
    this.offsets = new ByteOffsets(this.offsets.capacity);
    this.lastSeq = this.room.head.lastSeq;
    this.offsets.mark(this.lastSeq);
    this.answers.clear();
    this.answersSeq = -1;
    for (const peer of [...this.streams]) peer.close(1012, 'room restarted');
    for (const listener of this.restartListeners) listener();
  }

  /** @internal a peer fell too far behind. */
  slowConsumer(peer: Peer): void {
    if (peer.closed) return;
    this.dropped.set(peer.transport, (this.dropped.get(peer.transport) ?? 0) + 1);
    if (peer.transport !== null) this.stats.slowConsumer(peer.transport);
    peer.close(1008, 'slow consumer');
  }

  /** @internal */
  forget(peer: Peer): void {
    this.peers.delete(peer);
    if (peer instanceof StreamPeer) this.streams.delete(peer);
    if (peer.clientId === undefined) return;
    const set = this.byClient.get(peer.clientId);
    if (!set) return;
    set.delete(peer);
    if (set.size === 0) {
      this.byClient.delete(peer.clientId);
      this.delays.delete(peer.clientId);
    }
  }

  /** Armed cuts whose window passed are forgotten (nothing is kept per client for long). */
  private forgetArmedCuts(now: number): void {
    for (const [clientId, until] of this.armedCuts) if (now > until) this.armedCuts.delete(clientId);
  }

  private register<P extends Peer>(peer: P, spec: PeerSpec): P {
    this.peers.add(peer);
    const undo: Array<() => void> = [];
    if (spec.transport !== null) undo.push(this.stats.track(spec.transport, spec.channel.socket, spec.connection, spec.clientId));
    if (spec.clientId !== undefined) {
      let set = this.byClient.get(spec.clientId);
      if (!set) this.byClient.set(spec.clientId, (set = new Set()));
      set.add(peer);
      if (spec.connection) undo.push(this.room.pin(spec.clientId));
    }
    peer.onDetach(() => {
      for (const fn of undo) fn();
    });
    this.cutIfArmed(peer);
    return peer;
  }

  /** A cut was waiting for this client's next request: this is it. */
  private cutIfArmed(peer: Peer): void {
    if (peer.clientId === undefined) return;
    const until = this.armedCuts.get(peer.clientId);
    if (until === undefined) return;
    this.armedCuts.delete(peer.clientId);
    if (this.timers.now() > until) return;
    peer.closed = true; // nothing more is written to it
    peer.channel.terminate();
  }

  private noteLesson(signal: WiredLesson): void {
    this.lesson = signal;
    if (signal.signal.lessonId !== null) this.lessonShown = true;
  }

  /** A new lesson signal: every stream gets it (not a message: no seq, not counted as delivered), then the listeners. */
  private signal(signal: WiredLesson): void {
    this.noteLesson(signal);
    for (const peer of this.streams) peer.signal(signal);
    for (const listener of this.lessonListeners) listener(signal);
  }

  private publish(message: ChatMessage): void {
    const wired = this.cache.add(message);
    this.offsets.add(message.seq, wired.bytes);
    this.lastSeq = message.seq;
    for (const peer of this.streams) peer.offer(wired);
    for (const listener of this.listeners) listener(message);
  }

  private heartbeat(): void {
    for (const peer of this.peers) if (!peer.closed && !peer.heartbeat()) peer.channel.terminate();
  }

  /** Once a second: what has not drained for drainTimeoutMs is dropped; a waiting stream is nudged. */
  private sweep(): void {
    const now = this.timers.now();
    this.forgetArmedCuts(now);
    for (const peer of this.peers) {
      // Only what the socket has not taken counts: chunks held back by a debug delay were never written.
      if (peer.channel.buffered() === 0) peer.drained();
      else if (now - peer.emptyAt > this.options.drainTimeoutMs) {
        if (peer.closed) peer.channel.terminate();
        else this.slowConsumer(peer);
      }
    }
  }
}

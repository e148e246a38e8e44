// One interface for the browser clients of all five transports.
// Used by the dashboard, the docs' live widgets and the tests.
import type { ChatMessage, LessonSignal, TransportId } from '../contract.ts';

export type ClientStatus =
  | 'idle' // created, connect() not called yet
  | 'connecting' // first join / handshake in progress
  | 'open' // receiving live messages
  | 'reconnecting' // dropped; waiting for the backoff timer or re-handshaking (lifecycle states backoff, reconnecting)
  | 'paused' // pause() called: no requests, no socket; resume() picks up from lastSeq
  | 'locked' // the teacher locked the room and this client has no identity in it (ROOM_LOCKED); connect() or resume() tries again
  | 'removed' // the teacher removed this client (CLIENT_REMOVED); final
  | 'closed'; // close() called; final

/**
 * Who this client is in the room: the public id and the secret that proves it (CONTRACT v2
 * "identity"). Only its owner holds the secret: it is never in a snapshot, an event or a WireRecord.
 */
export interface ClientIdentity {
  clientId: string;
  clientSecret: string;
}

/** One HTTP request, WebSocket frame or SSE event, with its timing and byte counts. */
export interface WireRecord {
  id: number;
  transport: TransportId;
  kind: 'http' | 'ws-handshake' | 'ws-frame-out' | 'ws-frame-in' | 'sse-open' | 'sse-event';
  /** HTTP method and path+query for kind 'http' / 'ws-handshake' / 'sse-open'. */
  method?: string;
  url?: string;
  /** HTTP status; undefined while pending or on a network error. */
  status?: number;
  /** Clock of the client (options.now, default performance.timeOrigin + performance.now()), ms. */
  startedAt: number;
  /** When the answer / frame completed; undefined while pending. */
  endedAt?: number;
  /** Bytes sent / received for this record. `estimated` is true when headers were approximated. */
  headerBytesUp: number;
  payloadBytesUp: number;
  headerBytesDown: number;
  payloadBytesDown: number;
  estimated: boolean;
  /** Chat messages this record carried down (poll answers, frames, events). */
  messages: number;
  /** Long poll answered empty at its timeout, or a poll that carried no message. */
  empty?: boolean;
  /**
   * Ended on purpose by this client (pause, close, cut(), a new timeout, a restart), not by a
   * failure: such a record has `aborted: true` and no `error`.
   */
  aborted?: boolean;
  /** What went wrong: the network, the server, a bad answer. Never set on an aborted record. */
  error?: string;
  /**
   * The server process that served it (CONTRACT v2 "several processes, one room"): an HTTP
   * answer's X-Wirebench-Node; for a WebSocket or an SSE stream, the node its welcome or
   * `state` event named, on the opening record and every frame or event after it.
   */
  node?: string;
}

export interface ClientCounters {
  requests: number; // HTTP requests incl. empty polls, WebSocket handshakes, SSE stream openings (the browser's own reconnections too)
  framesUp: number; // WebSocket frames sent (WebSocket lanes only)
  framesDown: number; // WebSocket frames received (WebSocket lanes only)
  eventsDown: number; // SSE events received, the named `state` event included (SSE lane only)
  bytesUp: number; // headerBytesUp + payloadBytesUp
  bytesDown: number; // headerBytesDown + payloadBytesDown
  reconnects: number;
  /**
   * Distinct chat messages delivered to the app that were new to this client: live ones and
   * those caught up after a gap. The history replayed on the first join is not counted here.
   */
  messages: number;
  /** Of `messages`: those posted while the channel was down (paused, cut, reconnecting), delivered once it was back. */
  caughtUp: number;
  /** History replayed when the client first joined (messages from before it was there); not in `messages`. */
  history: number;
  /** Every WireRecord's bytes, summed: headers (estimated where `estimated`) and payloads (exact). */
  headerBytesUp: number;
  payloadBytesUp: number;
  headerBytesDown: number;
  payloadBytesDown: number;
}

/**
 * Every byte the client moved, both ways, empty polls and handshakes included, divided by
 * the messages it delivered: what one chat message costs on this transport.
 */
export interface PerMessageBytes {
  headerBytes: number;
  payloadBytes: number;
  totalBytes: number;
}

export interface ClientSnapshot {
  transport: TransportId;
  status: ClientStatus;
  clientId: string | null;
  lastSeq: number;
  /** The room's epoch lastSeq counts in; null until an answer carried one. */
  epoch: string | null;
  counters: ClientCounters;
  /** counters' bytes per delivered message; null until a message was delivered. */
  perMessage: PerMessageBytes | null;
  /** Sends not yet confirmed by the server (they are retried after a reconnect). */
  pendingSends: number;
  lastError: string | null;
  /**
   * The WebSocket extensions the server agreed to on the current socket, as the browser's
   * `WebSocket.extensions` says ('permessage-deflate; …'); '' when none, and on other transports.
   */
  extensions: string;
}

export interface BackoffOptions {
  initialMs: number; // default 250
  maxMs: number; // default 10_000
  factor: number; // default 2
  jitter: number; // 0..1, default 0.5 (delay * (1 - jitter * random()))
}

export interface ClientOptions {
  /** Origin of the server, e.g. 'http://127.0.0.1:3000'. Default: location.origin. */
  baseUrl?: string;
  name?: string;
  /** An id from an earlier join / welcome; the server hands out a new one when it does not know it. */
  clientId?: string;
  /** The secret that came with `clientId`; without it the server will not let this client act as that id. */
  clientSecret?: string;
  /** Start after this seq instead of the history (resume). */
  after?: number;
  /** The room's epoch `after` counts in (from an earlier client's answers); ignored without `after`. */
  epoch?: string;
  pollIntervalMs?: number; // short-poll, default 1000
  longPollTimeoutMs?: number; // long-poll ?timeout=, default 30_000
  /** WebSocket chat lanes: ask for permessage-deflate with `?compress=1` (RFC 7692; the browser offers it by itself). */
  compress?: boolean;
  backoff?: Partial<BackoffOptions>;
  // Injected for tests and Node: globals by default.
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
  EventSource?: typeof EventSource;
  now?: () => number;
  /** Backoff jitter. */
  random?: () => number;
  /** Random bytes for clientMsgIds; default crypto.getRandomValues (browsers, also over plain http; Node >= 20). */
  getRandomValues?: (bytes: Uint8Array) => Uint8Array;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/**
 * How a message reached the client:
 * - 'live': posted while the channel was up; its delivery time is a latency;
 * - 'catch-up': posted while the channel was down (paused, cut, reconnecting) and delivered
 *   when it came back: the time it waited is the gap's, not the transport's;
 * - 'history': posted before the client first joined, replayed to it.
 */
export type DeliveryKind = 'live' | 'catch-up' | 'history';

export interface DeliveryInfo {
  kind: DeliveryKind;
  /** The room's epoch the message's seq counts in (null from a server without epochs). */
  epoch: string | null;
}

export interface ClientEvents {
  /** A chat message, delivered once, in seq order. `receivedAt` is on the client clock. */
  message: (message: ChatMessage, receivedAt: number, delivery: DeliveryInfo) => void;
  status: (status: ClientStatus) => void;
  /** A wire record was created (pending) or completed (same id, endedAt set). */
  request: (record: WireRecord) => void;
  error: (error: { code: string; message: string }) => void;
  /** The server gave this client its id (join or welcome). */
  joined: (info: { clientId: string; lastSeq: number }) => void;
  /** The server confirmed a send. */
  ack: (info: { clientMsgId: string; seq: number }) => void;
  /**
   * What the class sees of the lesson changed (CONTRACT v2 "lessons"): a WebSocket frame, an SSE
   * event named `lesson` or a poll answer's `lesson` field, handed on once per new signal (the
   * same one again is not). Not a chat message: no seq, not in `messages`; its bytes are wire
   * bytes like any other. Fetch GET /api/lesson when `revision` (or, once revealed, `answers`) is new.
   */
  lesson: (signal: LessonSignal, receivedAt: number) => void;
}

export interface SendOptions {
  clientMsgId?: string;
  name?: string;
}

export interface TransportClient {
  readonly transport: TransportId;
  /** Starts the client; from 'locked', tries the room again. */
  connect(): void;
  /**
   * Queues a message; returns its clientMsgId (random unless given). Delivered exactly once,
   * also across reconnects. Throws once the client is closed or removed.
   */
  send(text: string, options?: SendOptions): string;
  close(): void;
  /** Stops all traffic without forgetting the cursor; resume() continues from lastSeq. */
  pause(): void;
  /** Continues after pause(); from 'locked', tries the room again. */
  resume(): void;
  /** Drops the current connection or request as a network failure would; the client reconnects and resumes. */
  cut(): void;
  /** Live options: pollIntervalMs, longPollTimeoutMs, name. */
  setOptions(options: Partial<Pick<ClientOptions, 'pollIntervalMs' | 'longPollTimeoutMs' | 'name'>>): void;
  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void;
  /**
   * The id and secret the server gave this client, for its owner's own calls (debug
   * endpoints, the inspector on itself); null before the first join or welcome and once
   * removed. It changes only together with the snapshot's clientId.
   */
  identity(): ClientIdentity | null;
  /** For useSyncExternalStore: a new immutable object whenever anything in it changes. */
  getSnapshot(): ClientSnapshot;
  subscribe(listener: () => void): () => void;
}

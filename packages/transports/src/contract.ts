// The wire contract (shared/CONTRACT.md v2) as types, shared by server, web and tests.

export const TRANSPORT_IDS = ['ws-raw', 'ws-lib', 'short-poll', 'long-poll', 'sse'] as const;
export type TransportId = (typeof TRANSPORT_IDS)[number];

/** Transports that send through `POST /api/messages` and name themselves in `via`. */
export const HTTP_SEND_VIAS = ['short-poll', 'long-poll', 'sse'] as const;
export type HttpSendVia = (typeof HTTP_SEND_VIAS)[number];

export interface TransportInfo {
  /** What the dashboard, the student page and the bench call it. */
  label: string;
  /** Where it receives the room: the WebSocket endpoint, the poll or the stream. */
  path: string;
  /** How a client of it sends: over its own WebSocket, or `POST /api/messages` with `via`. */
  sends: 'websocket' | 'post';
}

/** One home for what each transport is: every server route, client, page and bench reads it here. */
export const TRANSPORTS: Readonly<Record<TransportId, TransportInfo>> = {
  'ws-raw': { label: 'WebSocket (hand-rolled)', path: '/ws/raw', sends: 'websocket' },
  'ws-lib': { label: 'WebSocket (ws library)', path: '/ws/lib', sends: 'websocket' },
  'short-poll': { label: 'Short polling', path: '/api/poll', sends: 'post' },
  'long-poll': { label: 'Long polling', path: '/api/longpoll', sends: 'post' },
  sse: { label: 'Server-Sent Events', path: '/api/events', sends: 'post' },
};

export interface ChatMessage {
  type: 'message';
  seq: number;
  clientId: string;
  name: string;
  text: string;
  clientMsgId: string | null;
  via: TransportId;
  serverTime: number;
}

/**
 * The room's epoch: changes whenever the room's numbering starts again (a restart of an
 * in-memory room, a store that lost its data). Every answer carrying `lastSeq` carries it.
 */
export type Epoch = string;

export interface JoinResponse {
  clientId: string;
  /** v2: private to its owner (at least 128 random bits); sends and self-debugging need it. */
  clientSecret: string;
  lastSeq: number;
  epoch: Epoch;
  messages: ChatMessage[];
}

/** Answer of `GET /api/poll` and `GET /api/longpoll`. */
export interface PollResponse {
  messages: ChatMessage[];
  lastSeq: number;
  epoch: Epoch;
  truncated?: true;
  /** v2 lessons: what the class sees, in every poll answer once a lesson has run on this server. */
  lesson?: LessonSignal;
}

export interface SendRequest {
  clientId: string;
  clientSecret: string;
  text: string;
  clientMsgId?: string;
  name?: string;
  via?: HttpSendVia;
}

export interface TransportStats {
  connections: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  delivered: number;
  /** Wirebench extension: distinct clients that used this transport in the last 60 s. */
  clients: number;
  /** v2: peers dropped because they fell more than MAX_BUFFERED_BYTES behind or did not drain in time. */
  slowConsumers: number;
}

export interface StatsResponse {
  transports: Record<TransportId, TransportStats>;
  room: { lastSeq: number; epoch: Epoch; clients: number };
  /** Wirebench extension: the server's clock when it answered (ms since the epoch). */
  serverTime?: number;
  /** v2: the processes serving the room now (their NODE_IDs, sorted); X-Wirebench-Node says which one answered. */
  nodes?: string[];
}

export const ERROR_CODES = [
  'INVALID_BODY',
  'INVALID_TEXT',
  'INVALID_CURSOR',
  'INVALID_QUERY',
  'INVALID_REQUEST',
  'TEACHER_ONLY',
  'ORIGIN_NOT_ALLOWED',
  'HOST_NOT_ALLOWED',
  'NOT_YOUR_CLIENT',
  'CLIENT_REMOVED',
  'UNKNOWN_CLIENT',
  'NOT_FOUND',
  'REQUEST_TIMEOUT',
  'TEXT_TOO_LONG',
  'BODY_TOO_LARGE',
  'ROOM_LOCKED',
  'UPGRADE_REQUIRED',
  'RATE_LIMITED',
  'HEADERS_TOO_LARGE',
  'SHUTTING_DOWN',
  'ROOM_UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number] | (string & {});

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

// WebSocket chat frames (text frames holding JSON)
export interface WelcomeFrame {
  type: 'welcome';
  clientId: string;
  /** v2: the identity's secret; present the pair as ?clientId=&clientSecret= to keep it on a reconnect. */
  clientSecret: string;
  lastSeq: number;
  epoch: Epoch;
  /** Wirebench extension: the requested replay started after messages no longer retained. */
  truncated?: true;
  /** v2: the process serving this connection (its NODE_ID; several processes may share one room). */
  node?: string;
}

/** Wirebench extension: the named event opening every SSE stream. */
export interface SseStateEvent {
  lastSeq: number;
  epoch: Epoch;
  truncated: boolean;
  /** v2: the process serving this stream (EventSource cannot read the X-Wirebench-Node header). */
  node?: string;
}
export interface AckFrame {
  type: 'ack';
  clientMsgId: string | null;
  seq: number;
}
export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
}
export type ServerChatFrame = WelcomeFrame | ChatMessage | AckFrame | ErrorFrame | LessonSignal;

export interface SendFrame {
  type: 'send';
  text: string;
  clientMsgId?: string;
  name?: string;
}

/** Limits and defaults of the contract's "Running" table. */
export const DEFAULTS = {
  host: '127.0.0.1',
  port: 3000,
  longPollTimeoutMs: 30_000,
  longPollMaxTimeoutMs: 60_000,
  historyLimit: 100,
  retainLimit: 10_000,
  maxTextLength: 2_000,
  maxNameLength: 40,
  maxClientMsgIdLength: 64,
  maxBodyBytes: 64 * 1024,
  wsChatMaxBytes: 64 * 1024,
  wsMaxMessageBytes: 16 * 1024 * 1024,
  sendRateLimit: 300,
  sendRateWindowMs: 10_000,
  pageSize: 1_000,
  sseHeartbeatMs: 15_000,
} as const;

// ---------------------------------------------------------------------------
// Wirebench extensions: endpoints the dashboard needs beyond CONTRACT v1.
// Documented in docs (the contract chapter) and proposed for CONTRACT v2.
//
// Attribution: GET /api/poll, /api/longpoll and /api/events accept an optional
// `clientId` query parameter; it lets the server apply a lane's delay, cut its
// held requests, and count it among `room.clients`. Unknown ids are ignored.
//
//   GET  /api/events opens with a named event `event: state` whose data is
//        { lastSeq, truncated } (browsers ignore named events nobody listens
//        for): a client notices a restart (lastSeq below its cursor) or a
//        truncated replay. A WebSocket welcome carries `truncated: true` then.
//   GET  /api/stats: each transport also has `clients` (see TransportStats), and the
//        answer carries `serverTime`, for a page to estimate its clock offset.
//   POST /api/join accepts `via` (short-poll | long-poll | sse) to count the
//        request for that transport in /api/stats.
//   While shutting down: upgrades get 503 SHUTTING_DOWN.
//
//   GET  /api/info                      -> InfoResponse
//   POST /api/debug/delay { clientId, ms }  (0..10 000) -> 200 { clientId, ms }
//        every delivery to that client (frames, poll answers, events) waits ms.
//   POST /api/debug/cut   { clientId }  -> 200 { clientId, cut: number }
//        drops that client's WebSockets, held long polls and SSE streams
//        server-side, as a network failure would (no close frame).
//   GET  /api/inspect?clientId=ID       -> text/event-stream of InspectEvent,
//        for the hand-rolled WebSocket connections of that client: the last
//        handshake and up to 200 recent frames replayed, then live ones.
// ---------------------------------------------------------------------------

/** A URL students may open, with what it is (`Wi-Fi`, `Ethernet`, `VPN`, `container bridge`, `this machine only`). */
export interface JoinUrl {
  url: string;
  label: string;
  /** The address to show the class first (a LAN interface, not a VPN, a bridge or loopback). */
  primary: boolean;
  /** false for loopback: only this machine can open it. */
  reachable: boolean;
}

export interface InfoResponse {
  version: string;
  /** URLs students can open, the best first: one per interface when bound to every address. */
  joinUrls: JoinUrl[];
  /** The server listens on a loopback address only: students cannot reach it (`HOST=0.0.0.0 pnpm start`). */
  loopbackOnly: boolean;
  /** The teacher has locked the room: no new identity may join. */
  locked: boolean;
  config: {
    longPollTimeoutMs: number;
    historyLimit: number;
    retainLimit: number;
    maxTextLength: number;
    sendRateLimit: number;
  };
}

export interface InspectHandshake {
  kind: 'handshake';
  connectionId: number;
  at: number;
  request: { method: string; url: string; httpVersion: string; headers: Array<[string, string]> };
  response: { status: number; headers: Array<[string, string]> };
  /** RFC 6455 4.2.2 worked step by step. */
  accept: { key: string; guid: string; concatenated: string; sha1Hex: string; accept: string };
}

export interface InspectFrame {
  kind: 'frame';
  connectionId: number;
  at: number;
  direction: 'in' | 'out';
  fin: boolean;
  rsv: [boolean, boolean, boolean];
  opcode: number;
  opcodeName: string;
  masked: boolean;
  maskKeyHex: string | null;
  lengthForm: 7 | 16 | 64;
  payloadLength: number;
  headerHex: string;
  /** The payload as sent on the wire (masked for client frames), whole up to 16 KiB. */
  wireHex: string;
  /** The payload after unmasking, whole up to 16 KiB (compressed when `compressed`). */
  payloadHex: string;
  /** Text frames: the whole text (of a compressed frame, its inflated bytes). */
  text?: string;
  /** Fewer payload bytes are shown than payloadLength. */
  truncated: boolean;
  /** RFC 7692: the frame is (part of) a message compressed with permessage-deflate (RSV1 on its first frame). */
  compressed?: boolean;
  /** A compressed frame's payload once inflated, whole up to 16 KiB (absent when inflating failed). */
  inflatedHex?: string;
  /** Bytes the payload inflated to (inflatedHex may show fewer). */
  inflatedLength?: number;
}

export interface InspectClose {
  kind: 'close';
  connectionId: number;
  at: number;
  code: number;
  reason: string;
}

export type InspectEvent = InspectHandshake | InspectFrame | InspectClose;

// ---------------------------------------------------------------------------
// v2: the teacher (CONTRACT "the teacher"; teacher-only requests carry
// `Authorization: Bearer <teacher key>`, else 401 TEACHER_ONLY).
//
//   GET  /api/clients                         -> ClientsResponse
//   POST /api/clients/<clientId>/remove       -> 200 { clientId, removed: true, closed }
//   POST /api/room/lock { locked }            -> 200 { locked }
//   POST /api/class/assign { mode }           -> 200 AssignmentState (extension: 'round-robin'
//        gives every student, and each newcomer in turn, one of the five transports)
//   POST /api/class/me { clientId, clientSecret } -> 200 ClassMe (extension: a student's own
//        assignment, no teacher key; 403 NOT_YOUR_CLIENT / CLIENT_REMOVED)
// ---------------------------------------------------------------------------

export type AssignmentMode = 'round-robin' | 'none';

export interface ClientInfo {
  clientId: string;
  name: string;
  /** Transports with an open connection or a request in the last 60 s. */
  transports: TransportId[];
  /** When the identity was made (ms since the epoch). */
  connectedSince: number;
  /** Messages stored from it. */
  sent: number;
  address: string;
  /** The transport the teacher's assignment gave it, if any. */
  assigned: TransportId | null;
  /** Made by a join that carried the teacher key (the teacher page's own lanes). */
  teacher: boolean;
}

export interface ClientsResponse {
  clients: ClientInfo[];
  locked: boolean;
  /** The teacher's assignment of transports now in force. */
  assignment: AssignmentMode;
}


export interface AssignmentState {
  mode: AssignmentMode;
  /** Students given a transport by this call. */
  assigned: number;
}

export interface ClassMe {
  transport: TransportId | null;
  locked: boolean;
}


// ---------------------------------------------------------------------------
// v2: lessons (CONTRACT "lessons"; the file format and the charts and figures a lesson may
// name are in ./lessons/). `step` counts from 0. Language-independent fields (ids, set-up,
// charts, figures, answers) are the same in every `lang`; only the text differs.
//
//   GET  /api/lessons?lang=en|zh-CN   -> LessonsResponse (fixed answers only with the teacher key)
//   GET  /api/lesson?lang=            -> LessonView (the truth and the tally once revealed; the
//        teacher key sees them, the notes and the set-up at any time)
//   POST /api/lesson LessonControl    -> 200 LessonView (teacher only)
//   POST /api/lesson/answer LessonAnswerRequest -> 201 LessonAnswerResponse
//   Every transport carries a LessonSignal when what the class sees changes (docs, chapter 9).
// ---------------------------------------------------------------------------

import type { Measured, Setup } from './lessons/types.ts';

export type LessonLang = 'en' | 'zh-CN';

export interface LessonChoiceInfo {
  id: string;
  text: string;
}

/** A question as the class sees it: no answer in it. */
export interface LessonQuestionInfo {
  id: string;
  kind: 'choice' | 'number';
  prompt: string;
  /** Empty for a numeric question. */
  choices: LessonChoiceInfo[];
  /** Numeric questions: the unit (an id of UNITS in ./lessons/catalog.ts), the accepted range, what counts as right. */
  unit?: string;
  min?: number;
  max?: number;
  tolerance?: number;
}

export interface LessonRevealInfo {
  chart?: string;
  figure?: string;
  caption: string;
}

/** A step of GET /api/lessons: everything the dashboard needs to run it. */
export interface LessonStepInfo {
  title: string;
  narration: string;
  notes: string;
  minutes: number;
  setup: Setup;
  question?: LessonQuestionInfo & {
    /** How the dashboard measures the truth (./lessons/types.ts Measured). */
    measured?: Measured;
    /** A fixed answer: present only for the teacher key. */
    answer?: string | number;
  };
  reveal?: LessonRevealInfo;
}

export interface LessonInfo {
  id: string;
  title: string;
  summary: string;
  minutes: number;
  steps: LessonStepInfo[];
}

export interface LessonsResponse {
  lessons: LessonInfo[];
}

/** The class's answers: per choice, or each distinct number with its count (smallest first). */
export interface LessonTally {
  total: number;
  counts?: Record<string, number>;
  values?: Array<{ value: number; count: number }>;
  median?: number;
  /** Answers that equal the truth (within the tolerance), once there is one. */
  right?: number;
}

export interface LessonView {
  lessonId: string | null;
  /** From 0. */
  step: number;
  steps: number;
  /** The lesson's title (null when none runs). */
  title: string | null;
  stepTitle?: string;
  narration?: string;
  minutes?: number;
  question?: LessonQuestionInfo;
  revealed: boolean;
  /** Answers given to the current question so far. */
  answers: number;
  /** Changes with every change of what the class sees; compare for equality only. */
  revision: number;
  /** Once revealed (the teacher: always). */
  reveal?: LessonRevealInfo;
  truth?: { answer?: string | number; measured?: string | number };
  tally?: LessonTally;
  /** Teacher key only. */
  notes?: string;
  setup?: Setup;
}

/** POST /api/lesson: `lessonId` null stops the lesson. `measured` is the truth the dashboard measured, sent with the reveal. */
export interface LessonControl {
  lessonId: string | null;
  step: number;
  revealed?: boolean;
  measured?: string | number | null;
}

export interface LessonAnswerRequest {
  clientId: string;
  clientSecret: string;
  questionId: string;
  /** A choice's id, or a number for a numeric question. */
  choice: string | number;
}

export interface LessonAnswerResponse {
  questionId: string;
  choice: string | number;
  /** This client had answered before: the earlier answer is gone. */
  replaced: boolean;
}

/** What every transport carries when the lesson changes: fetch GET /api/lesson when `revision` (or, once revealed, `answers`) differs. */
export interface LessonSignal {
  type: 'lesson';
  revision: number;
  lessonId: string | null;
  step: number;
  revealed: boolean;
  answers: number;
}

/** Error codes of the lesson endpoints beyond the contract's table. */
export const LESSON_ERROR_CODES = ['QUESTION_CLOSED'] as const;

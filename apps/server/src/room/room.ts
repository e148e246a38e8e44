// The Room: what every transport shares, behind promises so that a room kept
// elsewhere (Redis, a later issue) is a new implementation of the same
// interface. Only the fan-out layer (fanout.ts) subscribes to it.
//
// Shared by every process of a room: seq and epoch, the log, identities and
// their names, idempotency, rate limits (per client and per address), pins,
// which processes serve it.
// Per process (not here): debug delay and cut, wire stats, the inspector,
// open connections (fanout.ts, stats.ts, inspect/).
import type { AssignmentMode, ChatMessage, Epoch, TransportId } from '@wirebench/transports/contract';
import type { CursorAnswer } from '@wirebench/transports/polling';

export interface Head {
  lastSeq: number;
  epoch: Epoch;
}

export interface Identity {
  clientId: string;
  /** Private to its owner. */
  clientSecret: string;
}

export interface Joined extends Head, Identity {
  messages: ChatMessage[];
}

export interface NewIdentityInput {
  name?: unknown;
  address: string;
  /** The request carried the teacher key: the lock and the per-address budgets do not apply. */
  teacher?: boolean;
}

/** A known client as the teacher's list shows it (transports are per process: the caller adds them). */
export interface ClientSummary {
  clientId: string;
  name: string;
  address: string;
  connectedSince: number;
  sent: number;
  teacher: boolean;
  assigned: TransportId | null;
}

export interface SendInput {
  clientId: unknown;
  /** Proves the sender owns `clientId`. */
  clientSecret: unknown;
  text: unknown;
  clientMsgId?: unknown;
  name?: unknown;
  via: TransportId;
  /** The sender's network address: all its clients share one send budget. */
  address: string;
}

export interface SendResult {
  message: ChatMessage;
  /** false when (clientId, clientMsgId) was sent before: `message` is the first copy. */
  created: boolean;
}

export interface SinceOptions {
  /** The epoch the cursor belongs to; another epoch is answered like a cursor above lastSeq. */
  epoch?: string | undefined;
  /** At most this many messages (default: the contract's page of 1 000). */
  pageSize?: number;
}

export type RoomListener = (message: ChatMessage) => void;

// #region room-interface
export interface Room {
  /** The newest seq and epoch this process has seen (exact for a room in memory). */
  readonly head: Head;
  /** A new identity, greeted with the history. Throws ROOM_LOCKED, or RATE_LIMITED past the joins per address. */
  join(input: NewIdentityInput): Promise<Joined>;
  /**
   * The identity a WebSocket presents when its secret proves it, else a new one
   * (as join). A removed client's own id and secret: CLIENT_REMOVED.
   */
  adopt(input: NewIdentityInput & { clientId?: string | undefined; clientSecret?: string | undefined }): Promise<Identity>;
  /** Validates and stores, or throws one of errors.ts and changes nothing. */
  send(input: SendInput): Promise<SendResult>;
  /** Throws UNKNOWN_CLIENT, NOT_YOUR_CLIENT or CLIENT_REMOVED unless the secret is the client's own. */
  authenticate(clientId: string, clientSecret: unknown): Promise<void>;
  /** The teacher removes a client: its secret stops working. False when the room does not know it. */
  remove(clientId: string): Promise<boolean>;
  setLocked(locked: boolean): Promise<void>;
  isLocked(): Promise<boolean>;
  /** Every client the room knows and has not removed. */
  clients(): Promise<ClientSummary[]>;
  /** The teacher's assignment of transports; returns how many students got one now. */
  assign(mode: AssignmentMode): Promise<number>;
  assignmentMode(): Promise<AssignmentMode>;
  /** A student's own assignment (it counts as a student from then on); needs its secret. */
  assignment(clientId: string, clientSecret: unknown): Promise<TransportId | null>;
  /** Messages after the cursor (undefined: the history), a page at a time. */
  since(after: number | undefined, options?: SinceOptions): Promise<CursorAnswer<ChatMessage>>;
  /** Whether the room knows the id (nothing changes). */
  knows(clientId: string): Promise<boolean>;
  /** Marks a client as seen; false when the room does not know the id; CLIENT_REMOVED for a removed one. */
  touch(clientId: string): Promise<boolean>;
  /** Keeps a client known while the returned release has not been called (an open stream). */
  pin(clientId: string): () => void;
  /** Clients with an open connection or a request in the last 60 s. */
  activeClients(): Promise<number>;
  /** Called with every stored message, in seq order. */
  subscribe(listener: RoomListener): () => void;
}
// #endregion room-interface

// The Room continued (one interface, declared in two parts): what a room shared by several
// processes adds (issue #14). A room in memory has one process and never restarts.
export interface Room {
  /**
   * Called when the room starts again while this process runs (its store lost the data:
   * a new epoch, lastSeq 0), before any message of the new room.
   */
  onRestart(listener: (epoch: string) => void): () => void;
  /** This process serves the room under this name (its NODE_ID), from now until it closes. */
  announce(node: string): void;
  /** The processes serving the room now (their names, sorted). */
  nodes(): Promise<string[]>;
}

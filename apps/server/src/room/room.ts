// The Room: what every transport shares, behind promises so that a room kept
// elsewhere (Redis, a later issue) is a new implementation of the same
// interface. Only the fan-out layer (fanout.ts) subscribes to it.
//
// Shared by every process of a room: seq and epoch, the log, identities and
// their names, idempotency, rate limits (per client and per address), pins.
// Per process (not here): debug delay and cut, wire stats, the inspector,
// open connections (fanout.ts, stats.ts, inspect/).
import type { ChatMessage, Epoch, TransportId } from '@wirebench/transports/contract';
import type { CursorAnswer } from '@wirebench/transports/polling';

export interface Head {
  lastSeq: number;
  epoch: Epoch;
}

export interface Joined extends Head {
  clientId: string;
  messages: ChatMessage[];
}

export interface SendInput {
  clientId: unknown;
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
  /** A new identity, greeted with the history. Throws RATE_LIMITED past the joins per address. */
  join(input: { name?: unknown; address: string }): Promise<Joined>;
  /** The id a WebSocket presents when the room knows it, else a new identity (as join). */
  adopt(input: { clientId?: string | undefined; name?: string; address: string }): Promise<string>;
  /** Validates and stores, or throws one of errors.ts and changes nothing. */
  send(input: SendInput): Promise<SendResult>;
  /** Messages after the cursor (undefined: the history), a page at a time. */
  since(after: number | undefined, options?: SinceOptions): Promise<CursorAnswer<ChatMessage>>;
  /** Whether the room knows the id (nothing changes). */
  knows(clientId: string): Promise<boolean>;
  /** Marks a client as seen; false when the room does not know the id. */
  touch(clientId: string): Promise<boolean>;
  /** Keeps a client known while the returned release has not been called (an open stream). */
  pin(clientId: string): () => void;
  /** Clients with an open connection or a request in the last 60 s. */
  activeClients(): Promise<number>;
  /** Called with every stored message, in seq order. */
  subscribe(listener: RoomListener): () => void;
}
// #endregion room-interface

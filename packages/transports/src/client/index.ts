// The browser clients of the five transports behind one interface (types.ts).
//
//   createClient('ws-raw' | 'ws-lib' | 'short-poll' | 'long-poll' | 'sse', options)
//
// What every client guarantees (base.ts composes one file per concern):
// - Delivery (delivery.ts): each room message once, in seq order; anything at or below lastSeq is dropped.
//   A reconnect resumes with after=lastSeq. `truncated` answers raise an error event
//   'TRUNCATED' and are still delivered.
// - A new room (cursor.ts: the answer's epoch differs from the one the cursor counts in,
//   or, from a server without epochs, its lastSeq is below our cursor): error event
//   'SERVER_RESTARTED', rejoin, then the new room is followed from its start (lastSeq 0,
//   what it already holds is fetched), so nothing posted since the restart is lost or
//   skipped. Every poll, stream and socket sends `epoch` with `after` once it is known.
// - Identity (CONTRACT v2): the clientSecret from join or welcome stays with its clientId;
//   it goes in every `POST /api/messages` body and in the URL of every WebSocket that keeps
//   its identity, and nowhere else: identity() hands it to the owner, WireRecords show the
//   URL with `clientSecret=[redacted]` and no bodies, error messages have it replaced.
// - Sends (send-queue.ts): queued in order, each with a clientMsgId (given, or 128 random bits from
//   crypto.getRandomValues), pending until ack (WebSocket) or 200/201 (HTTP), resent with the
//   same id after a drop: the server stores a (clientId, clientMsgId) once. 429 waits and
//   retries, 400/413 drop the send, UNKNOWN_CLIENT (404, or a WebSocket `error` frame) and
//   NOT_YOUR_CLIENT (403) rejoin and resend.
// - Shut out: CLIENT_REMOVED (403, a WebSocket close 1008 `removed`, or a refused handshake or
//   stream the client asks about: standing.ts) stops the client for good, status 'removed';
//   ROOM_LOCKED (423 on join or handshake) stops it with status 'locked' until connect() or
//   resume(). One error event each, no reconnect loop.
// - Lifecycle (lifecycle-table.ts, run by lifecycle.ts): every state × event has a row in
//   CLIENT_TRANSITIONS; status changes only through it. Reconnect: exponential backoff with
//   jitter (options.backoff), reset after a success. pause()/resume() keep the cursor; cut()
//   drops the channel as a network failure would; close() is final.
// - WireRecords (records.ts) for every request, handshake, frame, stream and event; payload
//   bytes exact, header bytes estimated (`estimated: true`). The snapshot's counters add them
//   up (headers and payloads apart) and `perMessage` divides them by the messages delivered.
// Per transport: ws-client.ts, short-poll.ts, long-poll.ts, sse.ts; shared HTTP parts: http-client.ts.
import type { TransportId } from '../contract.ts';
import { LongPollClient } from './long-poll.ts';
import { ShortPollClient } from './short-poll.ts';
import { SseClient } from './sse.ts';
import type { ClientOptions, TransportClient } from './types.ts';
import { WebSocketClient } from './ws-client.ts';

export function createClient(transport: TransportId, options: ClientOptions = {}): TransportClient {
  switch (transport) {
    case 'ws-raw':
    case 'ws-lib':
      return new WebSocketClient(transport, options);
    case 'short-poll':
      return new ShortPollClient(options);
    case 'long-poll':
      return new LongPollClient(options);
    case 'sse':
      return new SseClient(options);
    default:
      throw new TypeError(`unknown transport ${String(transport)}`);
  }
}

export * from './types.ts';
export { BaseClient } from './base.ts';
export { CLIENT_ERROR_CODES, SHUT_OUT_CODES, type ShutOutCode } from './errors.ts';
export {
  CLIENT_EVENTS,
  CLIENT_STATE_STATUS,
  CLIENT_STATES,
  CLIENT_TRANSITIONS,
  transition,
  type ClientAction,
  type ClientEvent,
  type ClientState,
  type ClientTransition,
} from './lifecycle-table.ts';
export { buildUrl } from './request.ts';
export { sendVerdict, type SendVerdict } from './send-queue.ts';
export { STANDING_TIMEOUT_MS } from './standing.ts';
export { Backoff, backoffDelay, DEFAULT_BACKOFF, resolveBackoff } from './backoff.ts';
export { judgeCursorAnswer, type CursorVerdict, type Position, type RoomAnswer } from './cursor.ts';
export { HttpClientBase } from './http-client.ts';
export { LongPollClient, LONG_POLL_GRACE_MS, LONG_POLL_MIN_GAP_MS } from './long-poll.ts';
export { REDACTED, redactSecret, redactUrl } from './redact.ts';
export { ShortPollClient } from './short-poll.ts';
export { SseClient } from './sse.ts';
export { WebSocketClient, WS_PATHS, type WebSocketTransportId } from './ws-client.ts';
export {
  httpRequestHeadBytes,
  httpResponseHeadBytes,
  sseEventBytes,
  utf8Length,
  wsFrameHeaderBytes,
  wsHandshakeRequestBytes,
  wsHandshakeResponseBytes,
} from './wire.ts';

// The connection's states and the one table of what each event does in each (RFC 6455 §7,
// §5.5.1). WsConnection (connection.ts) changes state only through nextState(); the docs draw
// their diagram from TRANSITIONS.
export const CONNECTION_STATES = ['OPEN', 'CLOSING', 'CLOSED'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export const TRANSITION_EVENTS = ['data frame', 'ping', 'pong', 'local close', 'peer close', 'protocol error', 'eof'] as const;
export type TransitionEvent = (typeof TRANSITION_EVENTS)[number];

export interface Transition {
  from: ConnectionState;
  event: TransitionEvent;
  to: ConnectionState;
  action: string;
}

// 7.1 and 5.5.1: the closing handshake. "CLOSED" here means the WebSocket is done: both close
// frames are exchanged, or the connection failed, or the TCP connection ended. Nothing is
// processed or sent after it: its rows say "ignore" (no input is read, close() does nothing).
// Every state has one row for every event; the state only changes through nextState().
export const TRANSITIONS: ReadonlyArray<Transition> = [
  { from: 'OPEN', event: 'data frame', to: 'OPEN', action: 'reassemble fragments; emit text or binary' },
  { from: 'OPEN', event: 'ping', to: 'OPEN', action: 'send a pong with the same payload; emit ping' },
  { from: 'OPEN', event: 'pong', to: 'OPEN', action: 'emit pong' },
  { from: 'OPEN', event: 'local close', to: 'CLOSING', action: 'send a close frame; wait for the peer\'s close' },
  { from: 'OPEN', event: 'peer close', to: 'CLOSED', action: 'echo the close code; emit close; the server ends TCP' },
  { from: 'OPEN', event: 'protocol error', to: 'CLOSED', action: 'emit error; send a close with the error\'s code; end TCP' },
  { from: 'OPEN', event: 'eof', to: 'CLOSED', action: 'emit close 1006' },
  { from: 'CLOSING', event: 'data frame', to: 'CLOSING', action: 'emit text or binary (the peer may still be sending)' },
  { from: 'CLOSING', event: 'ping', to: 'CLOSING', action: 'emit ping; no pong after our close' },
  { from: 'CLOSING', event: 'pong', to: 'CLOSING', action: 'emit pong' },
  { from: 'CLOSING', event: 'local close', to: 'CLOSING', action: 'nothing: a close frame was already sent' },
  { from: 'CLOSING', event: 'peer close', to: 'CLOSED', action: 'emit close; the server ends TCP' },
  { from: 'CLOSING', event: 'protocol error', to: 'CLOSED', action: 'emit error; end TCP' },
  { from: 'CLOSING', event: 'eof', to: 'CLOSED', action: 'emit close 1006' },
  { from: 'CLOSED', event: 'data frame', to: 'CLOSED', action: 'ignore' },
  { from: 'CLOSED', event: 'ping', to: 'CLOSED', action: 'ignore' },
  { from: 'CLOSED', event: 'pong', to: 'CLOSED', action: 'ignore' },
  { from: 'CLOSED', event: 'local close', to: 'CLOSED', action: 'ignore' },
  { from: 'CLOSED', event: 'peer close', to: 'CLOSED', action: 'ignore' },
  { from: 'CLOSED', event: 'protocol error', to: 'CLOSED', action: 'ignore' },
  { from: 'CLOSED', event: 'eof', to: 'CLOSED', action: 'ignore' },
];

const TRANSITION_INDEX = new Map<ConnectionState, Map<TransitionEvent, Transition>>(
  CONNECTION_STATES.map((state) => [state, new Map(TRANSITIONS.filter((t) => t.from === state).map((t) => [t.event, t]))]),
);

/** The state TRANSITIONS gives for `event` in `from`. A missing row is a bug in this file, never the peer's doing: it throws. */
export function nextState(from: ConnectionState, event: TransitionEvent): ConnectionState {
  const row = TRANSITION_INDEX.get(from)?.get(event);
  if (!row) throw new Error(`TRANSITIONS has no row for ${event} in ${from}`);
  return row.to;
}

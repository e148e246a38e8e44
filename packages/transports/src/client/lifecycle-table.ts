// The client's lifecycle as a table, like the connection's TRANSITIONS (ws/connection.ts)
// and h11's: one row for every state × event, `transition()` throws on a pair without one,
// the client runs the row's action and enters its state (lifecycle.ts), and the docs draw
// the diagram from the rows. No status is set anywhere else.
//
// A state is a little finer than the status an app sees: after a failure the client first
// waits for its backoff timer (`backoff`, no channel), then opens the channel again
// (`reconnecting`); both show as status 'reconnecting'. What an app can tell apart is
// cut(): while the timer runs there is nothing to cut.
import type { ClientStatus } from './types.ts';

export type ClientState =
  | 'idle'
  | 'connecting'
  | 'open'
  | 'backoff'
  | 'reconnecting'
  | 'paused'
  | 'locked'
  | 'removed'
  | 'closed';

export type ClientEvent =
  | 'connect' // connect()
  | 'opened' // the channel works: a welcome, a join, a poll answer, a stream open
  | 'lost' // the channel failed: the network, an error answer, a poll that never came back
  | 'dropped' // the channel failed and reconnects by itself (an EventSource that had opened)
  | 'refused' // a socket or stream failed before it opened (a page is not told why)
  | 'retry' // the backoff timer ran out (and the question "why refused?" was answered)
  | 'restart' // a new room, a forgotten id: the channel starts again without the old id
  | 'restart again' // another new room soon after the last: wait a backoff first
  | 'pause' // pause()
  | 'resume' // resume()
  | 'cut' // cut()
  | 'removed' // CLIENT_REMOVED: the teacher removed this client
  | 'locked' // ROOM_LOCKED: a locked room refuses this client's new identity
  | 'close'; // close()

export type ClientAction =
  | 'ignore'
  | 'open the channel'
  | 'reset the backoff; open the channel'
  | 'reset the backoff; write the queued sends'
  | 'end the channel as failed; report the error; wait the next backoff step'
  | 'end the channel as failed; report it; ask the server why; wait the backoff step and the answer'
  | 'count a reconnect; open the channel'
  | 'count a reconnect; report the error; let the channel reconnect by itself'
  | 'end the channel; open it again at once'
  | 'end the channel; wait the next new-room backoff step'
  | 'stop the timer; end the channel'
  | 'stop the timer; end the channel; drop the secret and the unsent sends; report CLIENT_REMOVED'
  | 'stop the timer; end the channel; report ROOM_LOCKED';

export interface ClientTransition {
  from: ClientState;
  event: ClientEvent;
  to: ClientState;
  action: ClientAction;
}

export const CLIENT_STATES: readonly ClientState[] = [
  'idle',
  'connecting',
  'open',
  'backoff',
  'reconnecting',
  'paused',
  'locked',
  'removed',
  'closed',
];

export const CLIENT_EVENTS: readonly ClientEvent[] = [
  'connect',
  'opened',
  'lost',
  'dropped',
  'refused',
  'retry',
  'restart',
  'restart again',
  'pause',
  'resume',
  'cut',
  'removed',
  'locked',
  'close',
];

/** The status an app sees in each state. */
export const CLIENT_STATE_STATUS: Readonly<Record<ClientState, ClientStatus>> = Object.freeze({
  idle: 'idle',
  connecting: 'connecting',
  open: 'open',
  backoff: 'reconnecting',
  reconnecting: 'reconnecting',
  paused: 'paused',
  locked: 'locked',
  removed: 'removed',
  closed: 'closed',
});

const OPEN: ClientAction = 'open the channel';
const RESTART_FRESH: ClientAction = 'reset the backoff; open the channel';
const WORKS: ClientAction = 'reset the backoff; write the queued sends';
const FAILED: ClientAction = 'end the channel as failed; report the error; wait the next backoff step';
const REFUSED: ClientAction = 'end the channel as failed; report it; ask the server why; wait the backoff step and the answer';
const RETRY: ClientAction = 'count a reconnect; open the channel';
const DROPPED: ClientAction = 'count a reconnect; report the error; let the channel reconnect by itself';
const RESTART: ClientAction = 'end the channel; open it again at once';
const RESTART_LATER: ClientAction = 'end the channel; wait the next new-room backoff step';
const STOP: ClientAction = 'stop the timer; end the channel';
const REMOVED: ClientAction = 'stop the timer; end the channel; drop the secret and the unsent sends; report CLIENT_REMOVED';
const LOCKED: ClientAction = 'stop the timer; end the channel; report ROOM_LOCKED';

/** The same rows for each state with a channel (opening, working, or opening again). */
function withChannel(from: 'connecting' | 'open' | 'reconnecting'): ClientTransition[] {
  return [
    { from, event: 'connect', to: from, action: 'ignore' },
    { from, event: 'opened', to: 'open', action: WORKS },
    { from, event: 'lost', to: 'backoff', action: FAILED },
    // Only a working channel can drop; while one opens, its failures are 'lost' or 'refused'.
    { from, event: 'dropped', to: from === 'open' ? 'reconnecting' : from, action: from === 'open' ? DROPPED : 'ignore' },
    { from, event: 'refused', to: 'backoff', action: REFUSED },
    { from, event: 'retry', to: from, action: 'ignore' },
    { from, event: 'restart', to: 'reconnecting', action: RESTART },
    { from, event: 'restart again', to: 'backoff', action: RESTART_LATER },
    { from, event: 'pause', to: 'paused', action: STOP },
    { from, event: 'resume', to: from, action: 'ignore' },
    { from, event: 'cut', to: 'backoff', action: FAILED },
    { from, event: 'removed', to: 'removed', action: REMOVED },
    { from, event: 'locked', to: 'locked', action: LOCKED },
    { from, event: 'close', to: 'closed', action: STOP },
  ];
}

/** Rows where nothing happens: the state takes no such event (a late callback, a call that does not apply). */
function ignored(from: ClientState, events: readonly ClientEvent[]): ClientTransition[] {
  return events.map((event) => ({ from, event, to: from, action: 'ignore' }));
}

export const CLIENT_TRANSITIONS: ReadonlyArray<ClientTransition> = Object.freeze([
  // Created; nothing asked yet.
  { from: 'idle', event: 'connect', to: 'connecting', action: OPEN },
  { from: 'idle', event: 'close', to: 'closed', action: STOP },
  ...ignored('idle', ['opened', 'lost', 'dropped', 'refused', 'retry', 'restart', 'restart again', 'pause', 'resume', 'cut', 'removed', 'locked']),
  ...withChannel('connecting'),
  ...withChannel('open'),
  ...withChannel('reconnecting'),
  // No channel while the backoff timer runs: only the timer, the owner and a shut-out act.
  { from: 'backoff', event: 'retry', to: 'reconnecting', action: RETRY },
  { from: 'backoff', event: 'pause', to: 'paused', action: STOP },
  { from: 'backoff', event: 'removed', to: 'removed', action: REMOVED },
  { from: 'backoff', event: 'locked', to: 'locked', action: LOCKED },
  { from: 'backoff', event: 'close', to: 'closed', action: STOP },
  ...ignored('backoff', ['connect', 'opened', 'lost', 'dropped', 'refused', 'restart', 'restart again', 'resume', 'cut']),
  // Stopped by its owner: resume() picks up from lastSeq.
  { from: 'paused', event: 'resume', to: 'connecting', action: RESTART_FRESH },
  { from: 'paused', event: 'close', to: 'closed', action: STOP },
  ...ignored('paused', ['connect', 'opened', 'lost', 'dropped', 'refused', 'retry', 'restart', 'restart again', 'pause', 'cut', 'removed', 'locked']),
  // Turned away by a locked room: tries again only when its owner asks.
  { from: 'locked', event: 'connect', to: 'connecting', action: RESTART_FRESH },
  { from: 'locked', event: 'resume', to: 'connecting', action: RESTART_FRESH },
  { from: 'locked', event: 'close', to: 'closed', action: STOP },
  ...ignored('locked', ['opened', 'lost', 'dropped', 'refused', 'retry', 'restart', 'restart again', 'pause', 'cut', 'removed', 'locked']),
  // Final: a removed client keeps saying why it stopped, even through close().
  ...ignored('removed', CLIENT_EVENTS),
  ...ignored('closed', CLIENT_EVENTS),
]);

const INDEX = new Map<string, ClientTransition>(CLIENT_TRANSITIONS.map((t) => [`${t.from} ${t.event}`, t]));

/** The row for `event` in `state`; a pair without a row is a bug in the table and throws. */
export function transition(state: ClientState, event: ClientEvent): ClientTransition {
  const row = INDEX.get(`${state} ${event}`);
  if (row === undefined) throw new Error(`client lifecycle: no transition for '${event}' in state '${state}'`);
  return row;
}

/** States in which no channel is wanted: not started, stopped by its owner, shut out, or final. */
export function isStopped(state: ClientState): boolean {
  return state === 'idle' || state === 'paused' || state === 'locked' || state === 'removed' || state === 'closed';
}

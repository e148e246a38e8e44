// Where a client stands in the room, and the one place that judges a server's answer
// against it. Join, poll and long-poll answers, the SSE `state` event and the WebSocket
// welcome all say where the room stands (`lastSeq`, `epoch`, `truncated`); each of them
// goes through judgeCursorAnswer, and nothing else compares cursors to spot a new room.
import type { Epoch } from '../contract.ts';

/** The client's resume point: the last seq it delivered, in which epoch of the room. */
export interface Position {
  /** False until the client knows where it stands (an `after` option, a join, a first answer). */
  known: boolean;
  lastSeq: number;
  /** The room's epoch this cursor belongs to; null until an answer carried one. */
  epoch: Epoch | null;
}

/** What an answer says about the room: join, poll answers, SSE `state`, WebSocket welcome. */
export interface RoomAnswer {
  lastSeq: number;
  epoch?: unknown;
  truncated?: unknown;
}

export type CursorVerdict =
  /** The cursor stands. `truncated`: the server no longer held everything after it. */
  | { room: 'same'; truncated: boolean; epoch: Epoch | null }
  /**
   * The room's numbering started again: follow it from seq 1 under `epoch`.
   * `epoch`: the answer named another epoch. `ahead`: our cursor is above its lastSeq.
   */
  | { room: 'new'; reason: 'epoch' | 'ahead'; epoch: Epoch | null };

export function judgeCursorAnswer(known: Position, answer: RoomAnswer): CursorVerdict {
  const epoch = typeof answer.epoch === 'string' ? answer.epoch : null;
  if (known.known) {
    // CONTRACT "the epoch": a string "that changes whenever the room's numbering starts
    // again", so "a cursor from an earlier room never silently skips messages of the new one".
    if (epoch !== null && known.epoch !== null && epoch !== known.epoch) return { room: 'new', reason: 'epoch', epoch };
    // "A cursor above lastSeq, or another epoch, means the room started again." Without an
    // epoch on either side this is the only sign; it misses a new room that already
    // passed our cursor, which is what the epoch is for.
    if (answer.lastSeq < known.lastSeq) return { room: 'new', reason: 'ahead', epoch };
  }
  return { room: 'same', truncated: answer.truncated === true, epoch: epoch ?? known.epoch };
}

/** The SERVER_RESTARTED message for a new-room verdict. */
export function describeNewRoom(known: Position, answer: RoomAnswer, verdict: CursorVerdict & { room: 'new' }): string {
  if (verdict.reason === 'epoch') {
    return `the room's epoch changed from ${known.epoch} to ${verdict.epoch}: the server started the room again`;
  }
  return `server lastSeq ${answer.lastSeq} is below the client's ${known.lastSeq}: the server restarted`;
}

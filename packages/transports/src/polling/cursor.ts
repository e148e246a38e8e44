// Cursors of the polling and streaming transports (CONTRACT.md "Cursors").
// A client that has seen seq = N asks for after=N; the answer holds every
// message with seq > N, oldest first, a page at a time.

/** What the cursor logic needs of a message log whose seqs are 1, 2, 3 … with no gaps. */
export interface SeqLog<T> {
  /** Oldest seq still retained (lastSeq + 1 when the log is empty). */
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Messages with from <= seq <= to, oldest first; both ends inside the retained window. */
  slice(from: number, to: number): T[];
}

export interface CursorAnswer<T> {
  messages: T[];
  lastSeq: number;
  /** The cursor was older than the retained window: messages in between are gone. */
  truncated: boolean;
  /** The cursor was above lastSeq: the server restarted since the client saw it. */
  ahead: boolean;
}

export type ParseResult = { ok: true; value: number | undefined } | { ok: false; message: string };

/** Parses a decimal integer query parameter in [min, max]; absent means undefined. */
export function parseIntParam(name: string, raw: unknown, min: number, max: number): ParseResult {
  if (raw === undefined) return { ok: true, value: undefined };
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw)) {
    return { ok: false, message: `${name} must be a whole number from ${min} to ${max}` };
  }
  const value = Number(raw);
  if (value < min || value > max) return { ok: false, message: `${name} must be from ${min} to ${max}, got ${value}` };
  return { ok: true, value };
}

export const parseCursor = (raw: unknown): ParseResult => parseIntParam('after', raw, 0, Number.MAX_SAFE_INTEGER);

/**
 * The answer to `after` (undefined: the newest `historyLimit` messages),
 * at most `pageSize` messages.
 */
// #region answer-cursor
export function answerCursor<T>(
  log: SeqLog<T>,
  after: number | undefined,
  historyLimit: number,
  pageSize: number,
): CursorAnswer<T> {
  const { firstSeq, lastSeq } = log;
  if (after === undefined) {
    const from = Math.max(firstSeq, lastSeq - historyLimit + 1);
    return { messages: from <= lastSeq ? log.slice(from, lastSeq) : [], lastSeq, truncated: false, ahead: false };
  }
  if (after > lastSeq) return { messages: [], lastSeq, truncated: false, ahead: true };
  const truncated = after + 1 < firstSeq;
  const from = Math.max(after + 1, firstSeq);
  const to = Math.min(lastSeq, from + pageSize - 1);
  return { messages: from <= to ? log.slice(from, to) : [], lastSeq, truncated, ahead: false };
}
// #endregion answer-cursor

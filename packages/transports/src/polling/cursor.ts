// Cursors of the polling and streaming transports (CONTRACT.md "Cursors").
// A client that has seen seq = N asks for after=N; the answer holds every
// message with seq > N, oldest first, a page at a time.

/** What the cursor logic needs of a message log whose seqs are 1, 2, 3 … with no gaps. */
export interface SeqLog<T> {
  /** Oldest seq still retained (lastSeq + 1 when the log is empty). */
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Changes whenever the numbering starts again (CONTRACT v2 "the epoch"). */
  readonly epoch: string;
  /** Messages with from <= seq <= to, oldest first; both ends inside the retained window. */
  slice(from: number, to: number): T[];
}

export interface CursorAnswer<T> {
  messages: T[];
  lastSeq: number;
  epoch: string;
  /** The cursor was older than the retained window: messages in between are gone. */
  truncated: boolean;
  /** The cursor was above lastSeq, or of another epoch: the room started again since the client saw it. */
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

export type EpochResult = { ok: true; value: string | undefined } | { ok: false; message: string };

const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;

/** The `epoch` query parameter: absent, or 1–64 characters of [A-Za-z0-9_-], given once. */
export function parseEpoch(raw: unknown): EpochResult {
  if (raw === undefined) return { ok: true, value: undefined };
  if (typeof raw !== 'string' || !EPOCH.test(raw)) {
    return { ok: false, message: 'epoch must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -, given once' };
  }
  return { ok: true, value: raw };
}

/**
 * The answer to `after` (undefined: the newest `historyLimit` messages),
 * at most `pageSize` messages. A cursor of another epoch is answered like
 * one above lastSeq: nothing, and the room's current lastSeq and epoch.
 */
// #region answer-cursor
export function answerCursor<T>(
  log: SeqLog<T>,
  after: number | undefined,
  historyLimit: number,
  pageSize: number,
  epoch?: string,
): CursorAnswer<T> {
  const { firstSeq, lastSeq } = log;
  const answer = { lastSeq, epoch: log.epoch, truncated: false, ahead: false };
  if ((epoch !== undefined && epoch !== log.epoch) || (after !== undefined && after > lastSeq)) {
    return { ...answer, messages: [], ahead: true };
  }
  if (after === undefined) {
    const from = Math.max(firstSeq, lastSeq - historyLimit + 1);
    return { ...answer, messages: from <= lastSeq ? log.slice(from, lastSeq) : [] };
  }
  const from = Math.max(after + 1, firstSeq);
  const to = Math.min(lastSeq, from + pageSize - 1);
  return { ...answer, messages: from <= to ? log.slice(from, to) : [], truncated: after + 1 < firstSeq };
}
// #endregion answer-cursor

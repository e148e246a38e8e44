// Where each request of a lane is drawn on the timeline, and as what. No React here.
import type { WireRecord } from '@wirebench/transports/client';

/** A wire record; `aborted` when the client ended it on purpose (a pause, a reset, a lane removed), not a failure. */
export type TimelineRecord = WireRecord;

/**
 * open: a stream that is still open (SSE), drawn up to now; pending: a request waiting for its
 * answer (a held long poll); done, aborted or error once it ended.
 */
export type BarState = 'open' | 'pending' | 'done' | 'aborted' | 'error';

export interface Bar {
  state: BarState;
  /** Percent of the window, from its left edge. */
  left: number;
  width: number;
  /** How long it lasted, or has lasted until `now`, in ms. */
  durationMs: number;
}

export function barState(r: TimelineRecord): BarState {
  if (r.aborted) return 'aborted';
  if (r.error !== undefined) return 'error';
  if (r.endedAt !== undefined) return 'done';
  return r.kind === 'sse-open' && r.status !== undefined ? 'open' : 'pending';
}

/** The bar of `r` in the window of `windowMs` that ends at `now`. */
export function barOf(r: TimelineRecord, now: number, windowMs: number): Bar {
  const from = now - windowMs;
  const end = r.endedAt ?? now;
  const start = Math.max(r.startedAt, from);
  return {
    state: barState(r),
    left: (Math.max(0, start - from) / windowMs) * 100,
    width: (Math.max(0, Math.min(end, now) - start) / windowMs) * 100,
    durationMs: Math.max(0, end - r.startedAt),
  };
}

/** The records the timeline shows: requests and stream openings that reach into the window, newest first. */
export function timelineRows(records: readonly TimelineRecord[], now: number, windowMs: number, limit = 40): TimelineRecord[] {
  const from = now - windowMs;
  return records
    .filter((r) => (r.kind === 'http' || r.kind === 'sse-open') && (r.endedAt ?? now) >= from)
    .slice(-limit)
    .reverse();
}

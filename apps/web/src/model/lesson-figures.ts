// The numbers a lesson's reveal is read from (docs/lessons, the catalog's FIGURES), taken from
// the dashboard's own measurements, and the measured truth of a question: a lane picked by its
// largest or smallest figure, one lane's figure, or the sum over the lanes.
import type { LessonStepInfo, TransportId } from '@wirebench/transports/contract';
import { FIGURES, type FigureId, type Unit } from '@wirebench/transports/lessons/catalog';
import { bytesPerMessage } from '../lib/stats-math.ts';
import type { Workbench } from './workbench.ts';

/** The figures measured over the last minute of the run (the rate times 60 while the run is shorter). */
export const RATE_WINDOW_SECONDS = 60;

type Question = NonNullable<LessonStepInfo['question']>;

/** Requests per minute from a lane's per-second counts (null: seconds the lane was not there). */
export function requestsPerMinute(perSecond: readonly (number | null)[]): number | null {
  const present = perSecond.filter((v): v is number => v !== null);
  if (present.length === 0) return null;
  const recent = present.slice(-RATE_WINDOW_SECONDS);
  const sum = recent.reduce((a, b) => a + b, 0);
  return recent.length >= RATE_WINDOW_SECONDS ? sum : (sum / recent.length) * RATE_WINDOW_SECONDS;
}

/**
 * One figure as the dashboard measures it now: of `lane` for a per-lane figure, of the room's
 * hand-rolled lane for the inspector's. NaN when there is nothing to read yet (no samples, no
 * frame, a lane that is not on the dashboard), null for a figure that is a picture, not a number.
 */
export function figureValue(wb: Workbench, figure: FigureId, lane: TransportId | null): number | null {
  if (FIGURES[figure].unit === null) return null;
  if (figure === 'frame-payload-length' || figure === 'frame-header-length') {
    // The newest frame the hand-rolled lane sent (direction in, as the server saw it).
    const frames = wb.inspector.store.getSnapshot().frames;
    let frame = null;
    for (let i = frames.length - 1; i >= 0 && !frame; i--) if (frames[i]!.direction === 'in') frame = frames[i]!;
    if (!frame) return Number.NaN;
    if (figure === 'frame-payload-length') return frame.payloadLength;
    const extended = frame.lengthForm === 16 ? 2 : frame.lengthForm === 64 ? 8 : 0;
    return 2 + extended + (frame.masked ? 4 : 0);
  }
  const l = lane === null ? undefined : wb.lane(lane);
  if (!l) return Number.NaN;
  const state = l.store.getSnapshot();
  const counters = state.client.counters;
  switch (figure) {
    case 'requests-per-minute':
      return requestsPerMinute(wb.sampler.perSecond.get(l.transport) ?? []) ?? Number.NaN;
    case 'latency-p50':
    case 'latency-p95': {
      // This page's own messages give exact latencies; others' only estimated ones.
      const exact = wb.measurements.percentiles(l.transport, 'exact');
      const p = exact.count > 0 ? exact : wb.measurements.percentiles(l.transport, 'estimated');
      return figure === 'latency-p50' ? p.p50 : p.p95;
    }
    case 'bytes-per-message':
      return bytesPerMessage(counters, counters.messages).totalPerMessage;
    case 'header-bytes-per-message':
      return bytesPerMessage(counters, counters.messages).headerPerMessage;
    case 'payload-bytes-per-message':
      return bytesPerMessage(counters, counters.messages).payloadPerMessage;
    case 'seq-gaps':
      return state.seq.gaps;
    case 'seq-duplicates':
      return state.seq.duplicates;
    case 'reconnects':
      return counters.reconnects;
    default:
      return Number.NaN;
  }
}

/** A figure's number as the class reads it: milliseconds to a tenth, everything else whole. */
export function roundFigure(value: number, unit: Unit | null): number {
  return unit === 'ms' ? Math.round(value * 10) / 10 : Math.round(value);
}

/**
 * The truth of a measured question, as the dashboard sees it now: a choice's id (the lane with
 * the largest or smallest figure, among the choices that are lanes on the dashboard) or a
 * number (the named lane's figure, or the sum over the lanes). Null when the question is not
 * measured in the room or nothing can be read yet.
 */
export function measuredTruth(wb: Workbench, question: Question): string | number | null {
  const m = question.measured;
  if (!m) return null;
  const unit = FIGURES[m.figure].unit;
  if (question.kind === 'choice') {
    let best: { id: string; value: number } | null = null;
    for (const { id } of question.choices) {
      const value = figureValue(wb, m.figure, id as TransportId);
      if (value === null || !Number.isFinite(value)) continue;
      const better = best === null || (m.pick === 'min' ? value < best.value : value > best.value);
      if (better) best = { id, value };
    }
    return best?.id ?? null;
  }
  let value: number | null;
  if (m.lane) value = figureValue(wb, m.figure, m.lane);
  else if (FIGURES[m.figure].perLane) {
    const each = wb.lanes.getSnapshot().map((l) => figureValue(wb, m.figure, l.transport) ?? Number.NaN).filter(Number.isFinite);
    value = each.length === 0 ? Number.NaN : each.reduce((a, b) => a + b, 0);
  } else value = figureValue(wb, m.figure, null);
  return value === null || !Number.isFinite(value) ? null : roundFigure(value, unit);
}

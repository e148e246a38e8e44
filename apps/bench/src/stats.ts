// Statistics for the bench: percentiles of latency samples, and the median of
// repeated runs with its spread. Pure functions, unit-tested in test/stats.test.ts.
import { percentileOfSorted } from '@wirebench/transports/percentile';

export { PERCENTILE_METHOD, percentileOfSorted } from '@wirebench/transports/percentile';

/** Sorts a copy ascending (numbers, not strings). */
export function sorted(values: ArrayLike<number>): number[] {
  return Array.from(values).sort((a, b) => a - b);
}

/**
 * The p-th percentile (0 ≤ p ≤ 100) of `values` by the one definition the dashboard
 * shows too (PERCENTILE_METHOD, nearest rank: always one of the values). NaN for none.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  return percentileOfSorted(sorted(values), p);
}

/**
 * The median of repeated runs: the middle run, or the mean of the two middle ones. A summary
 * of runs, not a latency percentile (those are `percentile`, by nearest rank).
 */
export function median(values: ArrayLike<number>): number {
  const s = sorted(values);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** The median of repeated runs and how far the runs spread around it. */
export interface Spread {
  /** Median of the runs. */
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, as a fraction; 0 for a single run, NaN when the median is 0. */
  relSpread: number;
  /** The runs, in the order they were measured. */
  runs: number[];
}

export function spread(runs: number[]): Spread {
  const finite = runs.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, relSpread: NaN, runs };
  const m = median(finite);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const relSpread = finite.length === 1 ? 0 : m === 0 ? NaN : (max - min) / Math.abs(m);
  return { median: m, min, max, relSpread, runs };
}

/**
 * Ratios of paired runs (a[i] / b[i], measured in the same round), summarised like
 * a run: comparisons are made round by round, never between medians of different rounds.
 */
export function pairedRatio(a: number[], b: number[]): Spread {
  if (a.length !== b.length) throw new RangeError('paired runs need the same count');
  return spread(a.map((v, i) => v / b[i]!));
}

/**
 * A fixed-size uniform sample of a long stream (reservoir sampling, Algorithm R), so a
 * worker can report latency percentiles without keeping every sample. `random` is injected.
 */
export class Reservoir {
  readonly samples: number[] = [];
  seen = 0;
  constructor(
    private readonly capacity: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!(capacity >= 1)) throw new RangeError('a reservoir holds at least one sample');
  }

  add(value: number): void {
    this.seen++;
    if (this.samples.length < this.capacity) {
      this.samples.push(value);
      return;
    }
    const j = Math.floor(this.random() * this.seen);
    if (j < this.capacity) this.samples[j] = value;
  }
}

/**
 * Merges per-worker samples into one set whose percentiles weigh each worker by how many
 * values it saw: a worker that sampled 1 of every 3 contributes each sample 3 times.
 * Returns sorted values (weights expanded by rounding, enough for percentiles of a bench).
 */
export function mergeWeighted(parts: Array<{ samples: number[]; seen: number }>): number[] {
  const out: number[] = [];
  const totalSeen = parts.reduce((s, p) => s + p.seen, 0);
  const totalKept = parts.reduce((s, p) => s + p.samples.length, 0);
  if (totalKept === 0) return out;
  for (const part of parts) {
    if (part.samples.length === 0) continue;
    // Expand each part to its share of totalKept samples; a part that kept every value keeps them as they are.
    const share = Math.max(1, Math.round((part.seen / totalSeen) * totalKept));
    const n = part.samples.length;
    for (let i = 0; i < share; i++) out.push(part.samples[Math.floor((i * n) / share)]!);
  }
  return out.sort((a, b) => a - b);
}

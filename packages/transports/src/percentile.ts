// One percentile for every figure Wirebench shows — the dashboard, the student page and the
// bench — so a p95 on screen and a p95 in a report are the same statistic.

/** The definition's name, as the pages and the bench report say it. */
export const PERCENTILE_METHOD = 'nearest rank';

/**
 * The p-th percentile (0–100) of `sorted` (ascending) by nearest rank: the smallest value
 * such that at least p% of the values are ≤ it. Always one of the values, never a blend of
 * two. NaN for no values.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[n - 1]!;
  return sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)]!;
}

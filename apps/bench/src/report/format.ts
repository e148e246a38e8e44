// How figures are written in the tables, the targets and the HTML.
import { spread, type Spread } from '../stats.ts';
import type { CpuReport } from '../scenarios/cpu-window.ts';
import type { DashboardFramesReport } from '../scenarios/dashboard/frames.ts';

export const fmt = (v: number, digits = 0): string =>
  Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';

/** "median (min–max)" or just the median for one run. */
export function fmtSpread(s: Spread | null | undefined, digits = 0, unit = ''): string {
  if (!s || !Number.isFinite(s.median)) return '—';
  const m = `${fmt(s.median, digits)}${unit}`;
  return s.runs.length > 1 ? `${m} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : m;
}

/** One figure of every dashboard run, as a spread. */
export function spreadOf(f: DashboardFramesReport, pick: (run: DashboardFramesReport['runs'][number]) => number): Spread {
  return spread(f.runs.map(pick));
}

export function cpuNote(cpus: CpuReport[]): string {
  if (cpus.some((c) => c.clientBound)) return 'client-bound';
  if (cpus.some((c) => c.machineSaturated)) return 'machine saturated';
  return '';
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number): string => `${fmt(bytes / MiB, 1)} MiB`;
export const kb = (bytes: number, digits = 1): string => `${fmt(bytes / 1000, digits)} KB`;

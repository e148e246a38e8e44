// How figures are written in the tables, the targets and the HTML.
import { spread, type Spread } from '../stats.ts';
import type { CpuReport } from '../scenarios/cpu-window.ts';
import type { DashboardFramesReport, DashboardRun, WindowSummary } from '../scenarios/dashboard/frames.ts';

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

/** The dashboard's windows in report order, each with how to find it in a run (null: not measured). */
export function dashboardWindows(f: DashboardFramesReport): Array<[string, (run: DashboardRun) => WindowSummary | null]> {
  return [
    ['about:blank (reference)', (x) => x.reference],
    ['dashboard, no traffic', (x) => x.idle],
    [`dashboard, ${f.messagesPerSecond} msg/s`, (x) => x.loaded],
    ...(f.class ? [[`dashboard, class of ${f.class.students}`, (x: DashboardRun) => x.class?.window ?? null] as [string, (run: DashboardRun) => WindowSummary | null]] : []),
  ];
}

/**
 * The renderer's main thread per second of window: all its work, then script, layout and style,
 * and how many layouts it ran (a count a busy machine changes less than the times).
 */
export function mainThreadCell(f: DashboardFramesReport, pick: (run: DashboardRun) => WindowSummary | null): string {
  const per = (k: 'taskMs' | 'scriptMs' | 'layoutMs' | 'styleMs' | 'layouts') =>
    spreadOf(f, (x) => {
      const w = pick(x);
      return w?.main ? (w.main[k] / w.elapsedMs) * 1000 : NaN;
    });
  const task = per('taskMs');
  if (!Number.isFinite(task.median)) return '—';
  return `${fmtSpread(task)} (${fmt(per('scriptMs').median)}, ${fmt(per('layoutMs').median)}, ${fmt(per('styleMs').median)}); ${fmt(per('layouts').median, 1)} layouts/s`;
}

export function cpuNote(cpus: CpuReport[]): string {
  if (cpus.some((c) => c.clientBound)) return 'client-bound';
  if (cpus.some((c) => c.machineSaturated)) return 'machine saturated';
  return '';
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number): string => `${fmt(bytes / MiB, 1)} MiB`;
export const kb = (bytes: number, digits = 1): string => `${fmt(bytes / 1000, digits)} KB`;

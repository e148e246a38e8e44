// The dashboard's frame statistics, pure: one window's summary from what the in-page probe
// counted, and the medians and verdicts over runs.
import type { TransportId } from '@wirebench/transports/contract';
import { percentileOfSorted, sorted, spread, pairedRatio, type Spread } from '../../stats.ts';
import type { WindowCpu } from './machine-cpu.ts';

/** Issue #12's targets: frames per second (read against a 60 fps reference) and Chromium's CPU, % of one core. */
export const FPS_TARGET = 58;
export const REFERENCE_FPS = 60;
export const CPU_TARGET_PCT = 35;

export interface DashboardConfig {
  /** The lanes the page has open while it is measured (the default ones and those added). */
  lanes: readonly TransportId[];
  /** Room messages per second from the outside sender. */
  messagesPerSecond: number;
  /** The class variant: this many students on the transports in turn, each sending one message every `everyMs`. */
  class: { students: number; everyMs: number };
  /** Length of each frame-counting window, ms. */
  windowMs: number;
  /** Traffic runs this long before the loaded window opens, ms. */
  warmupMs: number;
  /** Pause after the lanes are open, before the idle window, ms. */
  settleMs: number;
  viewport: { width: number; height: number };
}

/** What the in-page probe returns for one window. */
export interface FrameSample {
  /** Time between consecutive requestAnimationFrame callbacks, ms. */
  intervals: number[];
  /** Durations of 'longtask' entries that ended inside the window, ms. */
  longTasks: number[];
  /** Durations of 'long-animation-frame' entries (null when the browser has no such entry type). */
  longFrames: number[] | null;
}

export interface FrameSummary {
  fps: number;
  frames: number;
  elapsedMs: number;
  p95FrameMs: number;
  maxFrameMs: number;
  longTasks: number;
  longTaskMs: number;
  longAnimationFrames: number | null;
}

/** Frames per second over the window (callbacks after the first, over the time they span), the p95 and worst frame interval, long-task totals. */
export function summarizeFrames(s: FrameSample): FrameSummary {
  const elapsedMs = s.intervals.reduce((a, b) => a + b, 0);
  const iv = sorted(s.intervals);
  return {
    fps: elapsedMs > 0 ? (s.intervals.length / elapsedMs) * 1000 : NaN,
    frames: s.intervals.length,
    elapsedMs,
    p95FrameMs: percentileOfSorted(iv, 95),
    maxFrameMs: iv.length ? iv[iv.length - 1]! : NaN,
    longTasks: s.longTasks.length,
    longTaskMs: s.longTasks.reduce((a, b) => a + b, 0),
    longAnimationFrames: s.longFrames ? s.longFrames.length : null,
  };
}


/**
 * The renderer's main thread over a window, from CDP Performance.getMetrics differences:
 * TaskDuration is all its work, Script, Layout and RecalcStyle parts of it (the rest is
 * mostly painting and the frame's own bookkeeping), in ms.
 */
export interface MainThread {
  taskMs: number;
  scriptMs: number;
  layoutMs: number;
  styleMs: number;
  layouts: number;
  styleRecalcs: number;
}

/** One frame-counting window: frame statistics and what the CPUs did meanwhile. */
export interface WindowSummary extends FrameSummary {
  cpu: WindowCpu;
  /** null where the metrics could not be read. */
  main: MainThread | null;
}

// ---------------------------------------------------------------- the scenario

export interface ClassRun {
  window: WindowSummary;
  studentsOpened: number;
  openFailures: number;
  sent: number;
  sendErrors: number;
  firstError: string | null;
  /** Messages each lane received per second during the class window. */
  lanesPerSecond: Record<string, number>;
}

export interface DashboardRun {
  reference: WindowSummary;
  idle: WindowSummary;
  loaded: WindowSummary;
  /** Messages each lane received per second during the loaded window. */
  lanesPerSecond: Record<string, number>;
  sent: number;
  sendErrors: number;
  /** The class variant on the same page, after the loaded window; null when it did not run. */
  class: ClassRun | null;
  pageErrors: string[];
  serverPid: number;
}

export interface DashboardFramesReport {
  browser: string;
  viewport: { width: number; height: number };
  lanes: string[];
  messagesPerSecond: number;
  windowMs: number;
  warmupMs: number;
  referencePage: string;
  /** Median (min–max) over runs. */
  referenceFps: Spread;
  idleFps: Spread;
  loadedFps: Spread;
  /** loaded / reference, paired run by run. */
  loadedOverReference: Spread;
  /** Chromium's processes, % of one core, in the reference and the loaded window, and their ratio paired run by run. */
  referenceCpuPct: Spread;
  loadedCpuPct: Spread;
  loadedCpuOverReference: Spread;
  loadedP95FrameMs: Spread;
  loadedMaxFrameMs: Spread;
  loadedLongTasks: Spread;
  loadedLongTaskMs: Spread;
  loadedLongAnimationFrames: Spread | null;
  /** Messages per second per lane during the loaded window, median over runs. */
  lanesPerSecond: Record<string, Spread>;
  class: {
    students: number;
    everyMs: number;
    fps: Spread;
    overReference: Spread;
    cpuPct: Spread;
    cpuOverReference: Spread;
    lanesPerSecond: Record<string, Spread>;
    met: boolean;
  } | null;
  runs: DashboardRun[];
  /** The frame-rate target in the loaded window: loaded / reference ≥ FPS_TARGET / REFERENCE_FPS. */
  met: boolean;
  /** Chromium at most CPU_TARGET_PCT of a core in the loaded window. */
  cpuMet: boolean;
  /** The idle reference page itself stayed below the target: the environment caps the rate. */
  environmentCapped: boolean;
}

/** The frame-rate target against a same-run reference: the dashboard keeps 58 of every 60 frames the reference draws. */
export const fpsMet = (overReference: Spread): boolean => overReference.median >= FPS_TARGET / REFERENCE_FPS;

/** Medians and spreads over runs, and the verdicts. */
export function summarizeDashboardRuns(cfg: DashboardConfig, browser: string, lanes: string[], runs: DashboardRun[]): DashboardFramesReport {
  const pick = (f: (r: DashboardRun) => number): Spread => spread(runs.map(f));
  const referenceFps = pick((r) => r.reference.fps);
  const lanesPerSecond: Record<string, Spread> = {};
  for (const t of lanes) lanesPerSecond[t] = pick((r) => r.lanesPerSecond[t] ?? NaN);
  const loadedOverReference = pairedRatio(runs.map((r) => r.loaded.fps), runs.map((r) => r.reference.fps));
  const loadedCpuPct = pick((r) => r.loaded.cpu.browserPct);
  const classRuns = runs.filter((r): r is DashboardRun & { class: ClassRun } => r.class !== null);
  let classReport: DashboardFramesReport['class'] = null;
  if (classRuns.length > 0) {
    const overReference = pairedRatio(classRuns.map((r) => r.class.window.fps), classRuns.map((r) => r.reference.fps));
    const classLanes: Record<string, Spread> = {};
    for (const t of lanes) classLanes[t] = spread(classRuns.map((r) => r.class.lanesPerSecond[t] ?? NaN));
    classReport = {
      students: cfg.class.students,
      everyMs: cfg.class.everyMs,
      fps: spread(classRuns.map((r) => r.class.window.fps)),
      overReference,
      cpuPct: spread(classRuns.map((r) => r.class.window.cpu.browserPct)),
      cpuOverReference: pairedRatio(classRuns.map((r) => r.class.window.cpu.browserPct), classRuns.map((r) => r.reference.cpu.browserPct)),
      lanesPerSecond: classLanes,
      met: fpsMet(overReference),
    };
  }
  const hasLoaf = runs.every((r) => r.loaded.longAnimationFrames !== null);
  return {
    browser,
    viewport: cfg.viewport,
    lanes,
    messagesPerSecond: cfg.messagesPerSecond,
    windowMs: cfg.windowMs,
    warmupMs: cfg.warmupMs,
    referencePage: 'about:blank with the same requestAnimationFrame loop, same browser and viewport, same run',
    referenceFps,
    idleFps: pick((r) => r.idle.fps),
    loadedFps: pick((r) => r.loaded.fps),
    loadedOverReference,
    referenceCpuPct: pick((r) => r.reference.cpu.browserPct),
    loadedCpuPct,
    loadedCpuOverReference: pairedRatio(runs.map((r) => r.loaded.cpu.browserPct), runs.map((r) => r.reference.cpu.browserPct)),
    loadedP95FrameMs: pick((r) => r.loaded.p95FrameMs),
    loadedMaxFrameMs: pick((r) => r.loaded.maxFrameMs),
    loadedLongTasks: pick((r) => r.loaded.longTasks),
    loadedLongTaskMs: pick((r) => r.loaded.longTaskMs),
    loadedLongAnimationFrames: hasLoaf ? pick((r) => r.loaded.longAnimationFrames!) : null,
    lanesPerSecond,
    class: classReport,
    runs,
    met: fpsMet(loadedOverReference),
    cpuMet: loadedCpuPct.median <= CPU_TARGET_PCT,
    environmentCapped: referenceFps.median < FPS_TARGET,
  };
}

// The dashboard's frame statistics, pure: one window's summary from what the in-page probe
// counted, and the medians and verdicts over runs.
import { percentileOfSorted, sorted, spread, pairedRatio, type Spread } from '../../stats.ts';
import type { WindowCpu } from './machine-cpu.ts';

/** The dashboard issue's target, frames per second. */
export const FPS_TARGET = 50;

export interface DashboardConfig {
  /** Room messages per second from the outside sender. */
  messagesPerSecond: number;
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


/** One frame-counting window: frame statistics and what the CPUs did meanwhile. */
export interface WindowSummary extends FrameSummary {
  cpu: WindowCpu;
}

// ---------------------------------------------------------------- the scenario

export interface DashboardRun {
  reference: WindowSummary;
  idle: WindowSummary;
  loaded: WindowSummary;
  /** Messages each lane received per second during the loaded window. */
  lanesPerSecond: Record<string, number>;
  sent: number;
  sendErrors: number;
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
  loadedP95FrameMs: Spread;
  loadedMaxFrameMs: Spread;
  loadedLongTasks: Spread;
  loadedLongTaskMs: Spread;
  loadedLongAnimationFrames: Spread | null;
  /** Messages per second per lane during the loaded window, median over runs. */
  lanesPerSecond: Record<string, Spread>;
  runs: DashboardRun[];
  met: boolean;
  /** The idle reference page itself stayed below the target: the environment caps the rate. */
  environmentCapped: boolean;
}

/** Medians and spreads over runs, and the verdicts. */
export function summarizeDashboardRuns(cfg: DashboardConfig, browser: string, lanes: string[], runs: DashboardRun[]): DashboardFramesReport {
  const pick = (f: (r: DashboardRun) => number): Spread => spread(runs.map(f));
  const referenceFps = pick((r) => r.reference.fps);
  const loadedFps = pick((r) => r.loaded.fps);
  const lanesPerSecond: Record<string, Spread> = {};
  for (const t of lanes) lanesPerSecond[t] = pick((r) => r.lanesPerSecond[t] ?? NaN);
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
    loadedFps,
    loadedOverReference: pairedRatio(runs.map((r) => r.loaded.fps), runs.map((r) => r.reference.fps)),
    loadedP95FrameMs: pick((r) => r.loaded.p95FrameMs),
    loadedMaxFrameMs: pick((r) => r.loaded.maxFrameMs),
    loadedLongTasks: pick((r) => r.loaded.longTasks),
    loadedLongTaskMs: pick((r) => r.loaded.longTaskMs),
    loadedLongAnimationFrames: hasLoaf ? pick((r) => r.loaded.longAnimationFrames!) : null,
    lanesPerSecond,
    runs,
    met: loadedFps.median >= FPS_TARGET,
    environmentCapped: referenceFps.median < FPS_TARGET,
  };
}

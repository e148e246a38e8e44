import { describe, expect, it } from 'vitest';
import { summarizeDashboardRuns, summarizeFrames, type DashboardConfig, type DashboardRun, type WindowSummary } from '../src/scenarios/dashboard/frames.ts';
import { browserCpuMs, browserMsBetween } from '../src/scenarios/dashboard/machine-cpu.ts';
import type { BundleReport } from '../src/scenarios/dashboard/bundle.ts';
import { dashboardTargets } from '../src/report/targets.ts';

describe('summarizeFrames', () => {
  it('counts callbacks after the first over the time they span', () => {
    const s = summarizeFrames({ intervals: Array(60).fill(1000 / 60), longTasks: [], longFrames: [] });
    expect(s.frames).toBe(60);
    expect(s.elapsedMs).toBeCloseTo(1000, 9);
    expect(s.fps).toBeCloseTo(60, 9);
    expect(s.p95FrameMs).toBeCloseTo(1000 / 60, 9);
    expect(s.longTasks).toBe(0);
    expect(s.longAnimationFrames).toBe(0);
  });

  it('shows dropped frames in the rate, the p95 and the worst interval, and sums long tasks', () => {
    // 18 frames on time and 2 that took three vsyncs: 24 vsyncs in all, 20 frames drawn.
    const intervals = [...Array(18).fill(16.7), 50.1, 50.1];
    const s = summarizeFrames({ intervals, longTasks: [70, 120], longFrames: null });
    expect(s.frames).toBe(20);
    expect(s.fps).toBeCloseTo((20 / (18 * 16.7 + 2 * 50.1)) * 1000, 9);
    expect(s.maxFrameMs).toBe(50.1);
    expect(s.p95FrameMs).toBeCloseTo(50.1, 9);
    expect(s.longTasks).toBe(2);
    expect(s.longTaskMs).toBe(190);
    expect(s.longAnimationFrames).toBeNull();
  });

  it('gives NaN rather than a rate for a window without frames', () => {
    const s = summarizeFrames({ intervals: [], longTasks: [], longFrames: [] });
    expect(Number.isNaN(s.fps)).toBe(true);
    expect(Number.isNaN(s.maxFrameMs)).toBe(true);
  });
});

describe('browserCpuMs', () => {
  const proc = (ppid: number, comm: string, cpuMs: number) => ({ ppid, comm, cpuMs });
  it('sums the driver\'s non-Node descendants and leaves out Node children and their subtrees', () => {
    const procs = new Map([
      [100, proc(1, 'node', 5_000)], // the driver
      [101, proc(100, 'node', 900)], // a load worker
      [102, proc(100, 'node', 800)], // the server
      [103, proc(102, 'sh', 50)], // something the server started: not the browser
      [200, proc(100, 'chromium', 300)], // the browser
      [201, proc(200, 'chromium', 40)], // zygote
      [202, proc(201, 'chromium', 700)], // renderer
      [300, proc(1, 'chromium', 9_999)], // another user's browser
    ]);
    expect(browserCpuMs(100, procs)).toBe(1_040);
  });
  it('is 0 without a browser', () => {
    expect(browserCpuMs(100, new Map([[100, proc(1, 'node', 1)]]))).toBe(0);
  });
});

describe('browserMsBetween', () => {
  it('differences process by process: an ended renderer drops out instead of going negative, a new one counts whole', () => {
    const before = new Map([
      [200, 300],
      [202, 5_000], // the previous page's renderer, closed during the window
    ]);
    const after = new Map([
      [200, 340],
      [203, 120], // the new page's renderer
    ]);
    expect(browserMsBetween(before, after)).toBe(160);
  });
});

const cfg: DashboardConfig = {
  lanes: ['ws-raw', 'short-poll', 'long-poll'],
  messagesPerSecond: 20,
  class: { students: 60, everyMs: 3_000 },
  windowMs: 4_000,
  warmupMs: 1_000,
  settleMs: 500,
  viewport: { width: 1600, height: 1000 },
};
const win = (fps: number, machinePct = 40, browserPct = machinePct * 1.5): WindowSummary => ({
  fps,
  frames: Math.round(fps * 4),
  elapsedMs: 4_000,
  p95FrameMs: 1000 / fps,
  maxFrameMs: 2000 / fps,
  longTasks: 0,
  longTaskMs: 0,
  longAnimationFrames: 0,
  cpu: { machinePct, otherPct: 10, browserPct, browserByKind: { renderer: browserPct }, serverPct: 3, senderPct: 2 },
  main: { taskMs: 400, scriptMs: 200, layoutMs: 50, styleMs: 30, layouts: 40, styleRecalcs: 40 },
});
const run = (reference: number, loaded: number, machinePct?: number, classFps: number | null = null): DashboardRun => ({
  reference: win(reference, 20, 20),
  idle: win(reference),
  loaded: win(loaded, machinePct),
  lanesPerSecond: { 'ws-raw': 20, 'short-poll': 20, 'long-poll': 20 },
  sent: 110,
  sendErrors: 0,
  class:
    classFps === null
      ? null
      : { window: win(classFps, 50, 45), studentsOpened: 60, openFailures: 0, sent: 100, sendErrors: 0, firstError: null, lanesPerSecond: { 'ws-raw': 20, 'short-poll': 20, 'long-poll': 20 } },
  pageErrors: [],
  serverPid: 1,
});
const lanes = ['ws-raw', 'short-poll', 'long-poll'];
const bundle = (gzipBytes: number): BundleReport => ({
  distDir: '/x/dist',
  builtAt: '2026-01-01T00:00:00.000Z',
  budgetBytes: 250_000,
  initial: { files: [{ path: 'assets/index.js', bytes: gzipBytes * 3, gzipBytes, reason: 'module script' }], bytes: gzipBytes * 3, gzipBytes, external: [] },
  initialCss: { files: [], gzipBytes: 0 },
  allJs: { files: 10, bytes: 5_000_000, gzipBytes: 1_600_000 },
  met: gzipBytes <= 250_000,
});

describe('summarizeDashboardRuns', () => {
  it('takes medians over runs and the dashboard / reference ratios run by run', () => {
    const r = summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(60, 54), run(50, 40), run(60, 57)]);
    expect(r.loadedFps.median).toBe(54);
    expect(r.loadedFps.min).toBe(40);
    expect(r.referenceFps.median).toBe(60);
    expect(r.loadedOverReference.runs).toEqual([0.9, 0.8, 0.95]);
    expect(r.loadedOverReference.median).toBe(0.9);
    expect(r.lanesPerSecond['ws-raw']!.median).toBe(20);
    // Chromium: 60 % of a core loaded against 20 % for about:blank.
    expect(r.loadedCpuPct.median).toBe(60);
    expect(r.referenceCpuPct.median).toBe(20);
    expect(r.loadedCpuOverReference.median).toBe(3);
    expect(r.met).toBe(false);
    expect(r.cpuMet).toBe(false);
    expect(r.class).toBeNull();
    expect(r.environmentCapped).toBe(false);
  });
  it('meets the frame target at 58 of every 60 reference frames, read as a ratio when the reference is slow', () => {
    expect(summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(60, 58), run(60, 58.5)]).met).toBe(true);
    expect(summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(60, 57.5), run(60, 57.9)]).met).toBe(false);
    // A machine that draws 50 fps on about:blank: 48.5 is 0.97 of it.
    const capped = summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(50, 48.5), run(50, 48.4)]);
    expect(capped.met).toBe(true);
    expect(capped.environmentCapped).toBe(true);
  });
  it('judges Chromium CPU against 35 % of a core', () => {
    expect(summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(60, 60, 20), run(60, 60, 23)]).cpuMet).toBe(true);
    expect(summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(60, 60, 30), run(60, 60, 24)]).cpuMet).toBe(false);
  });
  it('summarises the class variant against the same run\'s reference', () => {
    const r = summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(60, 59, 20, 59), run(55, 55, 20, 50)]);
    expect(r.class!.students).toBe(60);
    expect(r.class!.fps.runs).toEqual([59, 50]);
    expect(r.class!.overReference.runs).toEqual([59 / 60, 50 / 55]);
    expect(r.class!.cpuOverReference.median).toBeCloseTo(2.25, 9);
    expect(r.class!.met).toBe(false);
  });
});

describe('dashboardTargets', () => {
  it('reports size, frame rate, CPU and class with MET/MISSED, the ratios and the environment cap', () => {
    const frames = summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(30, 28, 40, 29), run(31, 29, 40, 30), run(29, 27, 40, 28)]);
    const [size, fps, cpu, klass] = dashboardTargets({ bundle: bundle(111_300), frames });
    expect(size!.met).toBe(true);
    expect(size!.measured).toContain('111.3 KB');
    expect(fps!.met).toBe(false);
    expect(fps!.name).toBe('dashboard frame rate, 3 lanes at 20 msg/s');
    expect(fps!.measured).toContain('28.0 fps');
    expect(fps!.measured).toMatch(/0\.93\d×/);
    expect(fps!.note).toMatch(/environment caps the rate/);
    expect(cpu!.met).toBe(false);
    expect(cpu!.measured).toMatch(/^60 %.*about:blank 20 %.*3\.00×/);
    // (60 − 20) % of a core = 400 ms per second, over 60 deliveries per second.
    expect(cpu!.note).toMatch(/6\.67 ms \(6\.67–6\.67\) of Chromium CPU per message/);
    expect(klass!.name).toMatch(/class of 60 students/);
    expect(klass!.met).toBe(true);
    expect(klass!.note).toMatch(/60, 60, 60 of 60/);
  });
  it('names a busy machine, and an over-budget bundle', () => {
    const frames = summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(60, 45, 99), run(60, 46, 98), run(60, 44, 97)]);
    const [size, fps] = dashboardTargets({ bundle: bundle(260_000), frames });
    expect(size!.met).toBe(false);
    expect(fps!.met).toBe(false);
    expect(fps!.note).not.toMatch(/environment caps/);
    expect(fps!.note).toMatch(/98 % busy/);
  });
  it('calls a met median with a run below the target borderline', () => {
    const frames = summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(60, 59.5), run(60, 56.6), run(60, 58.5)]);
    const [, fps] = dashboardTargets({ bundle: bundle(100_000), frames });
    expect(fps!.met).toBe(true);
    expect(fps!.note).toMatch(/Borderline.*56\.6 fps/);
  });
  it('leaves the frame target unjudged when the browser half did not run', () => {
    const [, fps] = dashboardTargets({ bundle: bundle(100_000), frames: null });
    expect(fps!.met).toBeNull();
  });
});

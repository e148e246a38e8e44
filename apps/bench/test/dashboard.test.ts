import { describe, expect, it } from 'vitest';
import { summarizeDashboardRuns, summarizeFrames, type DashboardConfig, type DashboardRun, type WindowSummary } from '../src/scenarios/dashboard/frames.ts';
import { browserCpuMs } from '../src/scenarios/dashboard/machine-cpu.ts';
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

const cfg: DashboardConfig = { messagesPerSecond: 20, windowMs: 4_000, warmupMs: 1_000, settleMs: 500, viewport: { width: 1600, height: 1000 } };
const win = (fps: number, machinePct = 40): WindowSummary => ({
  fps,
  frames: Math.round(fps * 4),
  elapsedMs: 4_000,
  p95FrameMs: 1000 / fps,
  maxFrameMs: 2000 / fps,
  longTasks: 0,
  longTaskMs: 0,
  longAnimationFrames: 0,
  cpu: { machinePct, otherPct: 10, browserPct: machinePct * 1.5, serverPct: 3, senderPct: 2 },
});
const run = (reference: number, loaded: number, machinePct?: number): DashboardRun => ({
  reference: win(reference),
  idle: win(reference),
  loaded: win(loaded, machinePct),
  lanesPerSecond: { 'ws-raw': 20, 'short-poll': 20, 'long-poll': 20 },
  sent: 110,
  sendErrors: 0,
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
  it('takes medians over runs and the dashboard / reference ratio run by run', () => {
    const r = summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(60, 54), run(50, 40), run(60, 57)]);
    expect(r.loadedFps.median).toBe(54);
    expect(r.loadedFps.min).toBe(40);
    expect(r.referenceFps.median).toBe(60);
    expect(r.loadedOverReference.runs).toEqual([0.9, 0.8, 0.95]);
    expect(r.loadedOverReference.median).toBe(0.9);
    expect(r.lanesPerSecond['ws-raw']!.median).toBe(20);
    expect(r.met).toBe(true);
    expect(r.environmentCapped).toBe(false);
  });
  it('misses below 50 fps, and says when the reference page itself is below 50', () => {
    const r = summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(30, 28), run(31, 29), run(29, 27)]);
    expect(r.met).toBe(false);
    expect(r.environmentCapped).toBe(true);
  });
});

describe('dashboardTargets', () => {
  it('reports both targets with MET/MISSED, the ratio and the environment cap', () => {
    const frames = summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(30, 28), run(31, 29), run(29, 27)]);
    const [size, fps] = dashboardTargets({ bundle: bundle(111_300), frames });
    expect(size!.met).toBe(true);
    expect(size!.measured).toContain('111.3 KB');
    expect(fps!.met).toBe(false);
    expect(fps!.measured).toContain('28.0 fps');
    expect(fps!.measured).toMatch(/0\.93×/);
    expect(fps!.note).toMatch(/environment caps the rate/);
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
    const frames = summarizeDashboardRuns(cfg, 'Chromium 1', lanes, [run(60, 56.5), run(60, 49.6), run(60, 50.5)]);
    const [, fps] = dashboardTargets({ bundle: bundle(100_000), frames });
    expect(fps!.met).toBe(true);
    expect(fps!.note).toMatch(/Borderline.*49\.6 fps/);
  });
  it('leaves the frame target unjudged when the browser half did not run', () => {
    const [, fps] = dashboardTargets({ bundle: bundle(100_000), frames: null });
    expect(fps!.met).toBeNull();
  });
});

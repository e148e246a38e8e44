// The dashboard scenario: the built dashboard's frame rate in Debian Chromium while three
// lanes receive 20 room messages per second from an outside sender, next to a same-run
// reference (an idle about:blank page with the same viewport, since software painting
// without a GPU may cap the rate), and the dashboard with no traffic. The initial-JS size
// half of the scenario lives in bundle.ts.
import { readFileSync, readdirSync } from 'node:fs';
import { cpus as cpuList } from 'node:os';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ServerProcess, withTimeout, type Worker } from './processes.ts';
import type { SendResult } from './protocol.ts';
import { percentileOfSorted, sorted, spread, pairedRatio, type Spread } from './stats.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The dashboard issue's target, frames per second. */
export const FPS_TARGET = 50;
/** The dashboard is the teacher's page: the server gets this key and the page the teacher URL. */
export const BENCH_TEACHER_KEY = 'wirebench-bench-teacher-key';

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

// ---------------------------------------------------------------- frame statistics (pure)

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

// ---------------------------------------------------------------- in-page code
// Kept as source text: page.evaluate() serialises functions with Function.prototype.toString,
// and the TypeScript loader may add helpers that do not exist in the page.

/** Counts requestAnimationFrame callbacks for `windowMs` and records long tasks and long animation frames meanwhile. */
const FRAME_PROBE = `(windowMs) => new Promise((resolve) => {
  const supported = (PerformanceObserver.supportedEntryTypes || []);
  const observers = [];
  const watch = (type) => {
    if (!supported.includes(type)) return null;
    const into = [];
    const o = new PerformanceObserver((list) => { for (const e of list.getEntries()) into.push(e.duration); });
    o.observe({ type });
    observers.push([o, into]);
    return into;
  };
  const longTasks = watch('longtask') || [];
  const longFrames = watch('long-animation-frame');
  const intervals = [];
  let first = -1;
  let last = -1;
  const tick = (t) => {
    if (first < 0) first = t; else intervals.push(t - last);
    last = t;
    if (t - first < windowMs) { requestAnimationFrame(tick); return; }
    for (const [o, into] of observers) { for (const e of o.takeRecords()) into.push(e.duration); o.disconnect(); }
    resolve({ intervals, longTasks, longFrames });
  };
  requestAnimationFrame(tick);
})`;

/** The dashboard's lanes as the page's Workbench sees them. */
const LANE_STATE = `(() => {
  const wb = window.wirebench;
  if (!wb) return null;
  return wb.lanes.getSnapshot().map((l) => ({
    transport: l.transport,
    status: l.client.getSnapshot().status,
    received: l.store.getSnapshot().seq.received,
  }));
})()`;

/** True once the page has lanes, every lane's client is open and every lane card shows it. */
const LANES_OPEN = `(() => {
  const wb = window.wirebench;
  if (!wb) return false;
  const lanes = wb.lanes.getSnapshot();
  return lanes.length > 0 && lanes.every((l) => l.client.getSnapshot().status === 'open'
    && document.querySelector('[data-testid="lane-' + l.transport + '-status"]')?.classList.contains('open'));
})()`;

interface LaneState {
  transport: string;
  status: string;
  received: number;
}

// ---------------------------------------------------------------- CPU of the whole machine

/** Busy and total jiffies of all CPUs from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal (guest is inside user)
  return { busy: total - idle, total };
}

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux
const cpus = (): number => cpuList().length;

interface ProcEntry {
  ppid: number;
  comm: string;
  cpuMs: number;
}

function readProcs(): Map<number, ProcEntry> {
  const out = new Map<number, ProcEntry>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      out.set(Number(name), { ppid: Number(fields[1]), comm, cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/**
 * CPU time (ms) of the browser: every descendant of `driverPid` except the Node children
 * (server, load workers, codec) and theirs. Chromium's processes come and go (renderers per
 * page), so a difference over a window is a close estimate, not an exact one.
 */
export function browserCpuMs(driverPid: number, procs: Map<number, ProcEntry> = readProcs()): number {
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  let total = 0;
  const stack = [...(children.get(driverPid) ?? [])].filter((pid) => procs.get(pid)!.comm !== 'node');
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += procs.get(pid)!.cpuMs;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** CPU readings at one instant, to be differenced over a window. */
interface CpuMark {
  t: number;
  machine: { busy: number; total: number };
  browser: number;
  server: number;
  sender: number;
  driver: number;
}

export interface WindowCpu {
  /** Share of all the machine's cores in use over the window, % (every process the kernel runs, not only the bench's). */
  machinePct: number;
  /** What the machine ran besides Chromium, the server, the sender and this driver, % of one core: other tenants' load shows here. */
  otherPct: number;
  /** Chromium's processes together, % of one core. */
  browserPct: number;
  /** Server and sender process, % of one core (NaN where there is none). */
  serverPct: number;
  senderPct: number;
}

function cpuMark(server: { cpuMs(): number } | null, sender: { cpuMs(): number }): CpuMark {
  const own = process.cpuUsage();
  return {
    t: performance.now(),
    machine: machineTicks(),
    browser: browserCpuMs(process.pid),
    server: server ? server.cpuMs() : NaN,
    sender: sender.cpuMs(),
    driver: (own.user + own.system) / 1000,
  };
}

function cpuBetween(a: CpuMark, b: CpuMark): WindowCpu {
  const wallMs = b.t - a.t;
  const pct = (x: number, y: number): number => ((y - x) / wallMs) * 100;
  const machinePct = ((b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total)) * 100;
  const browserPct = pct(a.browser, b.browser);
  const serverPct = pct(a.server, b.server);
  const senderPct = pct(a.sender, b.sender);
  const ours = browserPct + (Number.isFinite(serverPct) ? serverPct : 0) + senderPct + pct(a.driver, b.driver);
  return { machinePct, otherPct: Math.max(0, machinePct * cpus() - ours), browserPct, serverPct, senderPct };
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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measureFrames(page: Page, windowMs: number, server: ServerProcess | null, sender: Worker): Promise<WindowSummary> {
  const m0 = cpuMark(server, sender);
  const sample = await withTimeout(page.evaluate<FrameSample>(`(${FRAME_PROBE})(${windowMs})`), windowMs + 20_000, 'frame probe');
  const m1 = cpuMark(server, sender);
  return { ...summarizeFrames(sample), cpu: cpuBetween(m0, m1) };
}

async function referenceRun(browser: Browser, cfg: DashboardConfig, sender: Worker): Promise<WindowSummary> {
  const ctx = await browser.newContext({ viewport: cfg.viewport, bypassCSP: true });
  try {
    const page = await ctx.newPage();
    await page.goto('about:blank');
    return await measureFrames(page, cfg.windowMs, null, sender);
  } finally {
    await ctx.close();
  }
}

const log = (s: string): void => console.log(s);

export async function dashboardFrames(
  cfg: DashboardConfig,
  runs: number,
  webDist: string,
  sender: Worker,
): Promise<DashboardFramesReport> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  const version = `Chromium ${browser.version()}`;
  const results: DashboardRun[] = [];
  let lanes: string[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      // The reference alternates between before and after the dashboard, so neither side always gets the cold machine.
      const referenceFirst = run % 2 === 0;
      const reference0 = referenceFirst ? await referenceRun(browser, cfg, sender) : null;
      // The page's lanes (a connection or request each, and their reconnects) and the sender.
      const server = await ServerProcess.start({ clients: 20, env: { STATIC_DIR: webDist, TEACHER_KEY: BENCH_TEACHER_KEY } });
      let ctx: BrowserContext | null = null;
      try {
        // The probes below poll string expressions, which the page's CSP (no eval) would refuse;
        // the bench measures drawing, and apps/web/test/csp.browser.test.ts holds the policy.
        ctx = await browser.newContext({ viewport: cfg.viewport, bypassCSP: true });
        const page = await ctx.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error') pageErrors.push(m.text());
        });
        await page.goto(`${server.base}/#teacher=${BENCH_TEACHER_KEY}`, { waitUntil: 'load', timeout: 20_000 });
        await page.waitForFunction(LANES_OPEN, undefined, { timeout: 20_000, polling: 100 });
        const open = (await page.evaluate<LaneState[] | null>(LANE_STATE)) ?? [];
        lanes = open.map((l) => l.transport);
        await sleep(cfg.settleMs);
        const idle = await measureFrames(page, cfg.windowMs, server, sender);

        // Outside traffic: a joined client in a load process POSTs /api/messages at a fixed pace.
        const count = Math.ceil((cfg.messagesPerSecond * (cfg.warmupMs + cfg.windowMs + 1_500)) / 1000);
        const sending = sender.call<SendResult>(
          { cmd: 'send', transport: 'short-poll', base: server.base, tag: `D${run}`, count, spacingMs: 1000 / cfg.messagesPerSecond, window: 1 },
          60_000,
        );
        sending.catch(() => undefined);
        await sleep(cfg.warmupMs);
        const before = (await page.evaluate<LaneState[] | null>(LANE_STATE)) ?? [];
        const t0 = performance.now();
        const loaded = await measureFrames(page, cfg.windowMs, server, sender);
        const wallMs = performance.now() - t0;
        const after = (await page.evaluate<LaneState[] | null>(LANE_STATE)) ?? [];
        const sent = await sending;
        const lanesPerSecond: Record<string, number> = {};
        for (const l of after) {
          const b = before.find((x) => x.transport === l.transport);
          lanesPerSecond[l.transport] = ((l.received - (b?.received ?? 0)) / wallMs) * 1000;
        }
        // Done with the dashboard: close it before a reference window so only one page draws.
        await ctx.close();
        ctx = null;
        const reference = reference0 ?? (await referenceRun(browser, cfg, sender));
        results.push({ reference, idle, loaded, lanesPerSecond, sent: sent.sent, sendErrors: sent.errors, pageErrors, serverPid: server.pid });
        log(
          `  dashboard run ${run + 1}: ${loaded.fps.toFixed(1)} fps with ${cfg.messagesPerSecond} msg/s (p95 frame ${loaded.p95FrameMs.toFixed(1)} ms, ${loaded.longTasks} long tasks), ` +
            `idle dashboard ${idle.fps.toFixed(1)} fps, about:blank ${reference.fps.toFixed(1)} fps; lanes ${Object.entries(lanesPerSecond)
              .map(([t, v]) => `${t} ${v.toFixed(1)}/s`)
              .join(', ')}; machine CPU ${loaded.cpu.machinePct.toFixed(0)} % (Chromium ${loaded.cpu.browserPct.toFixed(0)} % of a core, outside the bench ${loaded.cpu.otherPct.toFixed(0)} %)`,
        );
      } finally {
        if (ctx) await ctx.close().catch(() => undefined);
        await server.stop();
      }
    }
  } finally {
    await browser.close();
  }
  return summarizeDashboardRuns(cfg, version, lanes, results);
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

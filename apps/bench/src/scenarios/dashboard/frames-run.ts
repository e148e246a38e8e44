// Scenario 6, the dashboard's frame rate: the built dashboard in Debian Chromium with all its
// lanes open while they receive 20 room messages per second from an outside sender, then the
// class variant (simulated students on every transport, each sending now and then), next to a
// same-run reference (an idle about:blank page with the same viewport, since software painting
// without a GPU may cap the rate), and the dashboard with no traffic. The initial-JS size half
// of the scenario lives in bundle.ts.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { ServerProcess, withTimeout, type Worker } from '../../processes.ts';
import type { SendResult, StudentsDriveResult, StudentsOpenResult } from '../../protocol.ts';
import { CHAT_TRANSPORTS } from '../../protocol.ts';
import { log, sleep } from '../config.ts';
import {
  summarizeDashboardRuns,
  summarizeFrames,
  type ClassRun,
  type DashboardConfig,
  type DashboardFramesReport,
  type DashboardRun,
  type FrameSample,
  type MainThread,
  type WindowSummary,
} from './frames.ts';
import { cpuBetween, cpuMark } from './machine-cpu.ts';
import { ADD_LANES, FRAME_PROBE, LANE_STATE, LANES_OPEN, type LaneState } from './page-probes.ts';
import { summarizeProfile, summarizeTrace, type CpuProfile, type TraceEvent } from './profile.ts';

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
/** The dashboard is the teacher's page: the server gets this key and the page the teacher URL. */
export const BENCH_TEACHER_KEY = 'wirebench-bench-teacher-key';

export interface DashboardLoad {
  /** The outside sender. */
  sender: Worker;
  /** The class variant's students (another process than the sender's). */
  students: Worker;
  /** Write a CPU profile of every loaded and class window here (`--profile`), or null. */
  profileDir: string | null;
}

const METRICS = { taskMs: 'TaskDuration', scriptMs: 'ScriptDuration', layoutMs: 'LayoutDuration', styleMs: 'RecalcStyleDuration', layouts: 'LayoutCount', styleRecalcs: 'RecalcStyleCount' } as const;

async function readMetrics(cdp: CDPSession): Promise<Map<string, number> | null> {
  try {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return new Map(metrics.map((m) => [m.name, m.value]));
  } catch {
    return null;
  }
}

function mainThreadBetween(a: Map<string, number> | null, b: Map<string, number> | null): MainThread | null {
  if (!a || !b) return null;
  const out = {} as MainThread;
  for (const [k, name] of Object.entries(METRICS) as Array<[keyof MainThread, string]>) {
    const d = (b.get(name) ?? NaN) - (a.get(name) ?? NaN);
    // The durations are in seconds, the counts are counts.
    out[k] = k.endsWith('Ms') ? d * 1000 : d;
  }
  return out;
}

/** A CDP session on the page with the Performance domain on (getMetrics needs it). */
async function metricsSession(ctx: BrowserContext, page: Page): Promise<CDPSession> {
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  return cdp;
}

async function measureFrames(
  page: Page,
  cdp: CDPSession,
  windowMs: number,
  server: ServerProcess | null,
  load: DashboardLoad,
  profileAs: string | null = null,
): Promise<WindowSummary> {
  const browser = page.context().browser();
  if (profileAs) {
    // Beside the V8 profile, a trace: where the time outside JavaScript goes (style, layout, paint, raster).
    if (browser) await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const q0 = await readMetrics(cdp);
  const m0 = cpuMark(server, load.sender, load.students);
  const sample = await withTimeout(page.evaluate<FrameSample>(`(${FRAME_PROBE})(${windowMs})`), windowMs + 20_000, 'frame probe');
  const m1 = cpuMark(server, load.sender, load.students);
  const q1 = await readMetrics(cdp);
  if (profileAs && load.profileDir) {
    const { profile } = await cdp.send('Profiler.stop');
    const file = resolve(load.profileDir, `${profileAs}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    log(`  CPU profile ${file}\n${summarizeProfile(profile as unknown as CpuProfile, 14).map((l) => `    ${l}`).join('\n')}`);
    if (browser) {
      const trace = await browser.stopTracing();
      const traceFile = resolve(load.profileDir, `${profileAs}.trace.json`);
      writeFileSync(traceFile, trace);
      const { traceEvents } = JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] };
      log(`  trace ${traceFile} (${windowMs} ms)\n${summarizeTrace(traceEvents, 4, 12).map((l) => `    ${l}`).join('\n')}`);
    }
    // What the window showed, to tell on-screen work from off-screen work in the trace.
    await page.screenshot({ path: resolve(load.profileDir, `${profileAs}.png`) }).catch(() => undefined);
  }
  return { ...summarizeFrames(sample), cpu: cpuBetween(m0, m1), main: mainThreadBetween(q0, q1) };
}

/** "renderer 20, gpu 9, browser 5" — a window's Chromium CPU by kind of process, % of a core, largest first. */
function byKind(kinds: Record<string, number>): string {
  return Object.entries(kinds)
    .filter(([, pct]) => pct >= 0.5)
    .sort((x, y) => y[1] - x[1])
    .map(([kind, pct]) => `${kind} ${pct.toFixed(0)}`)
    .join(', ');
}

async function referenceRun(browser: Browser, cfg: DashboardConfig, load: DashboardLoad): Promise<WindowSummary> {
  const ctx = await browser.newContext({ viewport: cfg.viewport, bypassCSP: true });
  try {
    const page = await ctx.newPage();
    await page.goto('about:blank');
    return await measureFrames(page, await metricsSession(ctx, page), cfg.windowMs, null, load);
  } finally {
    await ctx.close();
  }
}

async function laneStates(page: Page): Promise<LaneState[]> {
  return (await page.evaluate<LaneState[] | null>(LANE_STATE)) ?? [];
}

/** Messages each lane received per second between two lane readings `wallMs` apart. */
function perSecond(before: LaneState[], after: LaneState[], wallMs: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of after) {
    const b = before.find((x) => x.transport === l.transport);
    out[l.transport] = ((l.received - (b?.received ?? 0)) / wallMs) * 1000;
  }
  return out;
}

/** A window measured while traffic flows: lane counts before and after, and the window itself. */
async function trafficWindow(page: Page, cdp: CDPSession, cfg: DashboardConfig, server: ServerProcess, load: DashboardLoad, profileAs: string | null) {
  const before = await laneStates(page);
  const t0 = performance.now();
  const window = await measureFrames(page, cdp, cfg.windowMs, server, load, profileAs);
  const lanesPerSecond = perSecond(before, await laneStates(page), performance.now() - t0);
  return { window, lanesPerSecond };
}

/** The class: students on the transports in turn, opened, then sending for the warm-up and the window. */
async function classWindow(page: Page, cdp: CDPSession, cfg: DashboardConfig, server: ServerProcess, load: DashboardLoad, run: number): Promise<ClassRun> {
  const transports = Array.from({ length: cfg.class.students }, (_, i) => CHAT_TRANSPORTS[i % CHAT_TRANSPORTS.length]!);
  const opened = await load.students.call<StudentsOpenResult>({ cmd: 'students-open', base: server.base, transports, concurrency: 10 }, 60_000);
  // A full period first: every student has sent once before the window opens.
  const warmupMs = Math.max(cfg.warmupMs, cfg.class.everyMs);
  const durationMs = warmupMs + cfg.windowMs + 1_500;
  const driving = load.students.call<StudentsDriveResult>({ cmd: 'students-drive', tag: `C${run}`, everyMs: cfg.class.everyMs, durationMs }, durationMs + 60_000);
  driving.catch(() => undefined);
  await sleep(warmupMs);
  const { window, lanesPerSecond } = await trafficWindow(page, cdp, cfg, server, load, load.profileDir ? `dashboard-run${run + 1}-class` : null);
  const drove = await driving;
  await load.students.call({ cmd: 'close' });
  return {
    window,
    studentsOpened: opened.opened,
    openFailures: opened.failed,
    sent: drove.sent,
    sendErrors: drove.errors,
    firstError: opened.firstError ?? drove.firstError,
    lanesPerSecond,
  };
}

export async function dashboardFrames(cfg: DashboardConfig, runs: number, webDist: string, load: DashboardLoad): Promise<DashboardFramesReport> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  const version = `Chromium ${browser.version()}`;
  const results: DashboardRun[] = [];
  let lanes: string[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      // The reference alternates between before and after the dashboard, so neither side always gets the cold machine.
      const referenceFirst = run % 2 === 0;
      const reference0 = referenceFirst ? await referenceRun(browser, cfg, load) : null;
      // The page's lanes (a connection or request each, and their reconnects), the sender and the class.
      const server = await ServerProcess.start({ clients: 20 + cfg.class.students, env: { STATIC_DIR: webDist, TEACHER_KEY: BENCH_TEACHER_KEY } });
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
        await page.waitForFunction(`(${LANES_OPEN})(1)`, undefined, { timeout: 20_000, polling: 100 });
        await page.evaluate(`(${ADD_LANES})(${JSON.stringify(cfg.lanes)})`);
        await page.waitForFunction(`(${LANES_OPEN})(${cfg.lanes.length})`, undefined, { timeout: 20_000, polling: 100 });
        lanes = (await laneStates(page)).map((l) => l.transport);
        const cdp = await metricsSession(ctx, page);
        await sleep(cfg.settleMs);
        const idle = await measureFrames(page, cdp, cfg.windowMs, server, load);

        // Outside traffic: a joined client in a load process POSTs /api/messages at a fixed pace.
        const count = Math.ceil((cfg.messagesPerSecond * (cfg.warmupMs + cfg.windowMs + 1_500)) / 1000);
        const sending = load.sender.call<SendResult>(
          { cmd: 'send', transport: 'short-poll', base: server.base, tag: `D${run}`, count, spacingMs: 1000 / cfg.messagesPerSecond, window: 1 },
          60_000,
        );
        sending.catch(() => undefined);
        await sleep(cfg.warmupMs);
        const loaded = await trafficWindow(page, cdp, cfg, server, load, load.profileDir ? `dashboard-run${run + 1}-loaded` : null);
        const sent = await sending;

        const classRun = cfg.class.students > 0 ? await classWindow(page, cdp, cfg, server, load, run) : null;
        // Done with the dashboard: close it before a reference window so only one page draws.
        await ctx.close();
        ctx = null;
        const reference = reference0 ?? (await referenceRun(browser, cfg, load));
        results.push({
          reference,
          idle,
          loaded: loaded.window,
          lanesPerSecond: loaded.lanesPerSecond,
          sent: sent.sent,
          sendErrors: sent.errors,
          class: classRun,
          pageErrors,
          serverPid: server.pid,
        });
        const w = loaded.window;
        log(
          `  dashboard run ${run + 1}: ${w.fps.toFixed(1)} fps with ${cfg.messagesPerSecond} msg/s on ${lanes.length} lanes (p95 frame ${w.p95FrameMs.toFixed(1)} ms, ${w.longTasks} long tasks), ` +
            `idle dashboard ${idle.fps.toFixed(1)} fps, about:blank ${reference.fps.toFixed(1)} fps; lanes ${Object.entries(loaded.lanesPerSecond)
              .map(([t, v]) => `${t} ${v.toFixed(1)}/s`)
              .join(', ')}; Chromium ${w.cpu.browserPct.toFixed(0)} % of a core (${byKind(w.cpu.browserByKind)}; about:blank ${reference.cpu.browserPct.toFixed(0)} %: ${byKind(reference.cpu.browserByKind)}), ` +
            `machine CPU ${w.cpu.machinePct.toFixed(0)} % (outside the bench ${w.cpu.otherPct.toFixed(0)} % of a core)` +
            (classRun
              ? `; class (${classRun.studentsOpened} students, ${classRun.sent} sent, ${classRun.sendErrors} errors): ${classRun.window.fps.toFixed(1)} fps, Chromium ${classRun.window.cpu.browserPct.toFixed(0)} %`
              : ''),
        );
      } finally {
        if (ctx) await ctx.close().catch(() => undefined);
        await load.students.call({ cmd: 'close' }).catch(() => undefined);
        await server.stop();
      }
    }
  } finally {
    await browser.close();
  }
  return summarizeDashboardRuns(cfg, version, lanes, results);
}

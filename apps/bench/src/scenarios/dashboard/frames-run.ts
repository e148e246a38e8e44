// Scenario 6, the dashboard's frame rate: the built dashboard in Debian Chromium while three
// lanes receive 20 room messages per second from an outside sender, next to a same-run
// reference (an idle about:blank page with the same viewport, since software painting
// without a GPU may cap the rate), and the dashboard with no traffic. The initial-JS size
// half of the scenario lives in bundle.ts.
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ServerProcess, withTimeout, type Worker } from '../../processes.ts';
import type { SendResult } from '../../protocol.ts';
import { log, sleep } from '../config.ts';
import { summarizeDashboardRuns, summarizeFrames, type DashboardConfig, type DashboardFramesReport, type DashboardRun, type FrameSample, type WindowSummary } from './frames.ts';
import { cpuBetween, cpuMark } from './machine-cpu.ts';
import { FRAME_PROBE, LANE_STATE, LANES_OPEN, type LaneState } from './page-probes.ts';

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

// pnpm bench [--quick] [--no-build] [--profile] [--web-dist=<dir>] [--only echo,broadcast,idle,polling,codec,dashboard,slow-readers,cluster,compression]
// Builds and starts the production server, drives it from separate load processes over
// 127.0.0.1, prints tables and writes bench-results/<timestamp>/report.{json,html}.
// The dashboard scenario also builds the web app and opens it in Chromium; --profile writes a
// Chromium CPU profile of its loaded and class windows beside the report; --web-dist measures
// another build of the dashboard (say, of an earlier commit) instead of apps/web/dist.
// Exit code 0 when every scenario ran (targets are reported, never fatal), 1 when one crashed.
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, killAll, repoRoot } from './processes.ts';
import { CHAT_TRANSPORTS } from './protocol.ts';
import type { BenchConfig } from './scenarios/config.ts';
import { echoScenario } from './scenarios/echo.ts';
import { broadcastScenario } from './scenarios/broadcast.ts';
import { idleScenario } from './scenarios/idle.ts';
import { pollingScenario } from './scenarios/polling.ts';
import { slowReadersScenario } from './scenarios/slow-readers.ts';
import { clusterScenario } from './scenarios/cluster.ts';
import { compressionScenario } from './scenarios/compression.ts';
import { measureBundle } from './scenarios/dashboard/bundle.ts';
import { dashboardFrames } from './scenarios/dashboard/frames-run.ts';
import type { CodecCase } from './scenarios/codec.ts';
import { renderHtml } from './report/html.ts';
import { evaluateTargets } from './report/targets.ts';
import { printTables } from './report/text.ts';
import type { FullReport } from './report/types.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const build = !args.includes('--no-build');
const profile = args.includes('--profile');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice(7) ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
const ALL = ['echo', 'broadcast', 'idle', 'polling', 'codec', 'dashboard', 'slow-readers', 'cluster', 'compression'] as const;
const only = new Set(onlyArg ? onlyArg.split(',') : ALL);

const config: BenchConfig = quick
  ? {
      quick,
      runs: 1,
      echo: { clients: 4, sizes: [64, 16 * 1024], warmupMs: 100, durationMs: 300 },
      broadcast: { receivers: [20], latencyMessages: 5, spacingMs: 20, burst: () => 10, shortPollIntervalMs: 1_000 },
      idle: { clients: 50 },
      polling: { clients: 20, messagesPerSecond: 5, durationMs: 1_000 },
      codec: { timeMs: 20, rounds: 1 },
      dashboard: {
        lanes: CHAT_TRANSPORTS,
        messagesPerSecond: 20,
        class: { students: 60, everyMs: 3_000 },
        windowMs: 4_000,
        warmupMs: 1_000,
        settleMs: 500,
        viewport: { width: 1600, height: 1000 },
      },
      slowReaders: {
        peers: 8,
        room: { messages: 500, textChars: 1_900 },
        durationMs: 500,
        messagesPerSecond: 20,
        pollEveryMs: 100,
        echo: { bytes: 256 * 1024, everyMs: 25 },
        readerPollMs: 100,
        settleMs: 250,
        sampleMs: 20,
      },
      cluster: { receivers: 20, latencyMessages: 5, spacingMs: 20, burst: 20, window: 32, nodes: 3 },
      compression: {
        echo: { clients: 4, sizes: [1024], warmupMs: 100, durationMs: 300 },
        broadcast: { receivers: 20, burst: 10, window: 32, size: 1024 },
        idle: { connections: 40, size: 1024 },
      },
    }
  : {
      quick,
      runs: 3,
      echo: { clients: 50, sizes: [64, 16 * 1024], warmupMs: 1_000, durationMs: 4_000 },
      broadcast: {
        receivers: [500, 2_000],
        latencyMessages: 20,
        spacingMs: 100,
        burst: (n) => (n <= 500 ? 200 : 50),
        shortPollIntervalMs: 1_000,
      },
      idle: { clients: 5_000 },
      polling: { clients: 1_000, messagesPerSecond: 2, durationMs: 10_000 },
      codec: { timeMs: 400, rounds: 3 },
      dashboard: {
        lanes: CHAT_TRANSPORTS,
        messagesPerSecond: 20,
        class: { students: 60, everyMs: 3_000 },
        windowMs: 10_000,
        warmupMs: 2_000,
        settleMs: 1_000,
        viewport: { width: 1600, height: 1000 },
      },
      slowReaders: {
        peers: 50,
        room: { messages: 3_000, textChars: 1_900 },
        durationMs: 5_000,
        messagesPerSecond: 50,
        pollEveryMs: 500,
        echo: { bytes: 256 * 1024, everyMs: 150 },
        readerPollMs: 250,
        settleMs: 1_000,
        sampleMs: 50,
      },
      cluster: { receivers: 300, latencyMessages: 20, spacingMs: 100, burst: 500, window: 32, nodes: 3 },
      compression: {
        echo: { clients: 20, sizes: [200, 1024], warmupMs: 1_000, durationMs: 3_000 },
        broadcast: { receivers: 200, burst: 100, window: 32, size: 1024 },
        idle: { connections: 500, size: 1024 },
      },
    };

const startedAt = new Date();
const outDir = resolve(repoRoot, 'bench-results', startedAt.toISOString().replace(/:/g, '-'));
const webDistArg = args.find((a) => a.startsWith('--web-dist='))?.slice('--web-dist='.length);
const webDist = webDistArg ? resolve(webDistArg) : resolve(repoRoot, 'apps/web/dist');

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupted = true;
    console.error(`\n${sig}: stopping every bench process`);
    killAll();
    process.exit(130);
  });
}
process.on('exit', () => killAll());

function runCodecChild(): Promise<CodecCase[]> {
  return new Promise((resolveCases, reject) => {
    const child = fork(fileURLToPath(new URL('./scenarios/codec.ts', import.meta.url)), [JSON.stringify(config.codec)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
      reject(new Error('codec benchmarks took longer than 5 minutes'));
    }, 300_000);
    child.once('message', (m: { cases: CodecCase[] }) => {
      clearTimeout(timer);
      resolveCases(m.cases);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`codec process exited with ${code}`));
    });
  });
}

async function main(): Promise<number> {
  const t0 = Date.now();
  if (build) {
    console.log('building the server (pnpm --filter @wirebench/server run build)…');
    execFileSync('pnpm', ['--filter', '@wirebench/server', 'run', 'build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    if (only.has('dashboard') && !webDistArg) {
      console.log('building the dashboard (pnpm --filter @wirebench/web run build)…');
      execFileSync('pnpm', ['--filter', '@wirebench/web', 'run', 'build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 });
    }
  }
  const workers = await Promise.all([0, 1, 2, 3].map(() => Worker.start()));
  console.log(`load workers: ${workers.map((w) => w.pid).join(', ')} (driver ${process.pid})`);

  const report: FullReport = {
    startedAt: startedAt.toISOString(),
    command: `pnpm bench ${args.join(' ')}`.trim(),
    quick,
    runs: config.runs,
    machine: { cpus: os.cpus().length, node: process.version, platform: `${os.type()} ${os.release()}`, totalMemGiB: Math.round(os.totalmem() / 2 ** 30) },
    clock:
      'Latency clock: round trips (echo) use performance.now() in the client process; broadcast and wake latencies compare the sender\'s performance.timeOrigin + performance.now() with the receiver\'s, two processes on one machine clock (sub-millisecond agreement expected, not guaranteed).',
    pids: { driver: process.pid, workers: workers.map((w) => w.pid) },
    notes: [
      'Server: apps/server/dist/main.js, started fresh per scenario (per transport for broadcast, per transport and run for idle and polling, per case and mode for slow readers), PORT=0 HOST=127.0.0.1 LOG=0 SEND_RATE_LIMIT=1000000000, with --expose-gc and a preloaded memory probe (src/server-probe.cjs) that answers process.memoryUsage() over IPC. The server code is unchanged.',
      'The bench lifts the per-address limits because all its clients share 127.0.0.1: SEND_RATE_LIMIT_PER_ADDRESS=1000000000, and MAX_CONNECTIONS_PER_ADDRESS and JOIN_RATE_LIMIT at twice the scenario\'s client count plus 100. MAX_BUFFERED_BYTES, MAX_CLIENTS, DRAIN_TIMEOUT_MS and REQUEST_TIMEOUT_MS keep their defaults (slow readers measure MAX_BUFFERED_BYTES at its default).',
      'Slow readers: RSS is VmRSS from /proc/<pid>/status; the peak is the kernel\'s VmHWM, reset (clear_refs 5) after the full GC that gives "before", and the samples taken every few ms. Growth = peak − before. The reference is a fresh server with the same peers reading, in the same run; the ratio floors the reference growth at 1 MiB. A peer counts as dropped when its socket is no longer ESTABLISHED in /proc/net/tcp (a peer that never reads never sees the FIN), or when a reading peer saw its connection closed or its answer cut.',
      'Load: 4 worker processes (ws for both WebSocket stacks, node:http with a keep-alive agent for polling and SSE, node:net for raw TCP). The machine has 2 cores shared by the server and the load: a figure marked "client-bound" had a load process at ≥ 85 % of a core, "machine saturated" means all processes together used ≥ 180 %.',
      'WebSocket clients of the plain scenarios (echo, broadcast, idle, slow readers, the dashboard\'s class) are `ws` clients created with perMessageDeflate: false: `ws` offers permessage-deflate by default and /ws/raw/echo and /ws/lib/echo accept it, so without it those figures would be compressed ones. Only the compression scenario offers it.',
      'Ratios are paired: each run measures both sides back to back and the ratio is taken per run; the median and the min–max of the per-run ratios are shown.',
      'Idle heap: the server has no heap endpoint; heap figures come from the preloaded probe after a full GC, and RSS from /proc/<pid>/status VmRSS deltas.',
      'Polling bytes are counted by the server (/api/stats bytesIn + bytesOut of the lane), HTTP headers included.',
      'Dashboard: initial JS = the module scripts and modulepreloads of apps/web/dist/index.html plus every chunk reached by static import/export-from statements (parsed with es-module-lexer), dynamic import() left out; each file gzipped with node:zlib level 9 and summed; KB = 1000 bytes as in Vite\'s report. Frames: Debian Chromium (headless, --disable-gpu, so painting is in software) through playwright-core, viewport 1600×1000, the dashboard served by the production server at /, its default lanes open and the others added through the page\'s workbench (all five); requestAnimationFrame callbacks counted inside the page over a fixed window, with long tasks and long animation frames from PerformanceObserver, and the renderer\'s main thread from CDP Performance.getMetrics; traffic comes from a joined client in a load process that POSTs /api/messages, so the page only receives. The class variant follows on the same page: 60 students in another load process, on the five transports in turn (WebSocket students send and receive on one chat socket; HTTP students join, receive with their transport and POST), each sending one message every 3 s. Chromium CPU is every process of the browser (browser, renderers, GPU/compositor, network), % of one core, from /proc.',
    ],
    targets: [],
    errors: [],
  };

  const scenarios: Array<[string, () => Promise<void>]> = [
    ['echo', async () => void (report.echo = await echoScenario(config, workers))],
    ['broadcast', async () => void (report.broadcast = await broadcastScenario(config, workers))],
    ['idle', async () => void (report.idle = await idleScenario(config, workers))],
    ['polling', async () => void (report.polling = await pollingScenario(config, workers))],
    ['codec', async () => void (report.codec = await runCodecChild())],
    ['slow-readers', async () => void (report.slowReaders = await slowReadersScenario(config.slowReaders, workers))],
    ['cluster', async () => void (report.cluster = await clusterScenario(config.cluster, config.runs, workers))],
    ['compression', async () => void (report.compression = await compressionScenario(config.compression, config.runs, workers))],
    [
      'dashboard',
      async () => {
        const bundle = await measureBundle(webDist);
        report.dashboard = { bundle, frames: null };
        console.log(
          `  initial JS ${(bundle.initial.gzipBytes / 1000).toFixed(1)} KB gzip in ${bundle.initial.files.length} files (${bundle.initial.files.map((f) => f.path).join(', ')}); all JS ${(bundle.allJs.gzipBytes / 1000).toFixed(1)} KB gzip in ${bundle.allJs.files} files`,
        );
        if (profile) mkdirSync(outDir, { recursive: true });
        report.dashboard.frames = await dashboardFrames(config.dashboard, config.runs, webDist, {
          sender: workers[0]!,
          students: workers[1]!,
          profileDir: profile ? outDir : null,
        });
      },
    ],
  ];
  for (const [name, run] of scenarios) {
    if (!only.has(name)) continue;
    if (interrupted) break;
    const s0 = Date.now();
    console.log(`\n== ${name}`);
    try {
      await run();
    } catch (err) {
      const error = (err as Error).stack ?? String(err);
      report.errors.push({ scenario: name, error });
      console.error(`scenario ${name} failed: ${error}`);
      // Leave no clients behind for the next scenario.
      await Promise.all(workers.map((w) => w.call({ cmd: 'close' }).catch(() => undefined)));
    }
    console.log(`== ${name} done in ${((Date.now() - s0) / 1000).toFixed(1)} s`);
  }

  report.targets = evaluateTargets(report);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(resolve(outDir, 'report.json'), JSON.stringify(report, null, 2));
  writeFileSync(resolve(outDir, 'report.html'), renderHtml(report));
  console.log(printTables(report));
  console.log(`\nreport: ${outDir}/report.html (and report.json), total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return report.errors.length ? 1 : 0;
}

main().then(
  (code) => {
    killAll();
    process.exit(code);
  },
  (err: Error) => {
    console.error(err.stack ?? err);
    killAll();
    process.exit(1);
  },
);

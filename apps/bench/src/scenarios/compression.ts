// Scenario 9, compression (RFC 7692 permessage-deflate, issue #15): the hand-rolled stack and
// `ws` (ws-lib), each compressed and plain, in the same run.
// - Echo: /ws/raw/echo and /ws/lib/echo, which answer an offer of permessage-deflate; a plain
//   client offers nothing. One chat-like JSON text in flight per client.
// - Broadcast: receivers on /ws/raw?compress=1 and /ws/lib?compress=1 offering deflate, against
//   receivers on /ws/raw and /ws/lib offering nothing; one plain sender, a burst of chat messages.
// - Idle: a fresh server per case, N connections to the echo endpoint that each sent one message
//   (so each compression context exists) and went idle; memory growth ÷ N.
// Every ratio is paired run by run.
import { performance } from 'node:perf_hooks';
import { mergeWeighted, pairedRatio, percentileOfSorted, spread, type Spread } from '../stats.ts';
import { ServerProcess, type Worker } from '../processes.ts';
import type { CollectResult, SendResult } from '../protocol.ts';
import type { DeflateEchoResult, DeflateOpenResult } from '../load/compression.ts';
import { log, shares, sleep } from './config.ts';
import { collectUntil, resetAll } from './receivers.ts';

export interface CompressionConfig {
  echo: { clients: number; sizes: number[]; warmupMs: number; durationMs: number };
  broadcast: { receivers: number; burst: number; window: number; size: number };
  idle: { connections: number; size: number };
}

export type Stack = 'ws-raw' | 'ws-lib';
export type Mode = 'deflate' | 'plain';
export const STACKS: readonly Stack[] = ['ws-raw', 'ws-lib'];
export const MODES: readonly Mode[] = ['deflate', 'plain'];

const ECHO_PATH: Record<Stack, string> = { 'ws-raw': '/ws/raw/echo', 'ws-lib': '/ws/lib/echo' };
const CHAT_PATH: Record<Stack, string> = { 'ws-raw': '/ws/raw', 'ws-lib': '/ws/lib' };

export interface CompressionEchoCase {
  stack: Stack;
  mode: Mode;
  size: number;
  msgsPerSec: Spread;
  p50Ms: Spread;
  /** Bytes on the wire per message, frame headers (and the client's masks) included. */
  bytesFromServer: Spread;
  bytesToServer: Spread;
  /** Server CPU per round trip, µs; the load processes' beside it. */
  serverCpuUs: Spread;
  clientCpuUs: Spread;
  errors: number;
}

export interface CompressionBroadcastCase {
  stack: Stack;
  mode: Mode;
  receivers: number;
  deliveriesPerSec: Spread;
  /** Bytes the receivers read per delivered message. */
  bytesPerDelivery: Spread;
  /** Server CPU per delivered message, µs (one compression per receiver when compressed). */
  serverCpuUs: Spread;
  missing: number;
}

export interface CompressionIdleCase {
  stack: Stack;
  mode: Mode;
  connections: number;
  rssPerConnection: Spread;
  /** V8 heap + external + array buffers (zlib's memory is outside the V8 heap). */
  heapExternalPerConnection: Spread;
  serverPids: number[];
}

/** a / b of one figure, paired run by run. */
export interface CompressionRatio {
  figure: string;
  ratio: Spread;
}

export interface CompressionReport {
  config: CompressionConfig;
  echo: CompressionEchoCase[];
  broadcast: CompressionBroadcastCase[];
  idle: CompressionIdleCase[];
  ratios: CompressionRatio[];
  /** Connections that offered deflate and were answered without it (should be 0). */
  declined: number;
}

const key = (stack: Stack, mode: Mode, extra = ''): string => `${stack} ${mode}${extra}`;

/** The order of `items` in run `run`: rotated so no case always goes first on a warm or cold machine. */
export function rotated<T>(items: readonly T[], run: number): T[] {
  return items.map((_, i) => items[(i + run) % items.length]!);
}

/** Every (stack, mode) pair in the order of run `run`. */
export function casesOf(run: number): Array<{ stack: Stack; mode: Mode }> {
  return rotated(
    STACKS.flatMap((stack) => MODES.map((mode) => ({ stack, mode }))),
    run,
  );
}

/** The ratios the report shows, from per-run figures keyed "<stack> <mode><extra>". */
export function compressionRatios(
  figure: (k: string) => number[],
  sizes: number[],
): CompressionRatio[] {
  const out: CompressionRatio[] = [];
  const r = (name: string, a: string, b: string): void => void out.push({ figure: name, ratio: pairedRatio(figure(a), figure(b)) });
  for (const size of sizes) {
    const s = ` echo ${size}`;
    r(`echo ${size} B msg/s: ws-raw deflate / ws-lib deflate`, key('ws-raw', 'deflate', s + ' rate'), key('ws-lib', 'deflate', s + ' rate'));
    for (const stack of STACKS) {
      r(`echo ${size} B msg/s: ${stack} deflate / plain`, key(stack, 'deflate', s + ' rate'), key(stack, 'plain', s + ' rate'));
      r(`echo ${size} B bytes from the server: ${stack} deflate / plain`, key(stack, 'deflate', s + ' bytes'), key(stack, 'plain', s + ' bytes'));
      r(`echo ${size} B server CPU per message: ${stack} deflate / plain`, key(stack, 'deflate', s + ' cpu'), key(stack, 'plain', s + ' cpu'));
    }
    r(`echo ${size} B server CPU per message: ws-raw deflate / ws-lib deflate`, key('ws-raw', 'deflate', s + ' cpu'), key('ws-lib', 'deflate', s + ' cpu'));
  }
  r('broadcast deliveries/s: ws-raw deflate / ws-lib deflate', key('ws-raw', 'deflate', ' bc rate'), key('ws-lib', 'deflate', ' bc rate'));
  for (const stack of STACKS) {
    r(`broadcast deliveries/s: ${stack} deflate / plain`, key(stack, 'deflate', ' bc rate'), key(stack, 'plain', ' bc rate'));
    r(`broadcast bytes per delivery: ${stack} deflate / plain`, key(stack, 'deflate', ' bc bytes'), key(stack, 'plain', ' bc bytes'));
    r(`broadcast server CPU per delivery: ${stack} deflate / plain`, key(stack, 'deflate', ' bc cpu'), key(stack, 'plain', ' bc cpu'));
  }
  r('broadcast server CPU per delivery: ws-raw deflate / ws-lib deflate', key('ws-raw', 'deflate', ' bc cpu'), key('ws-lib', 'deflate', ' bc cpu'));
  for (const stack of STACKS) r(`idle RSS per connection: ${stack} deflate / plain`, key(stack, 'deflate', ' idle rss'), key(stack, 'plain', ' idle rss'));
  r('idle RSS per connection: ws-raw deflate / ws-lib deflate', key('ws-raw', 'deflate', ' idle rss'), key('ws-lib', 'deflate', ' idle rss'));
  return out;
}

export async function compressionScenario(cfg: CompressionConfig, runs: number, workers: Worker[]): Promise<CompressionReport> {
  const figures = new Map<string, number[]>();
  const push = (k: string, v: number): void => void (figures.get(k) ?? figures.set(k, []).get(k)!).push(v);
  const figure = (k: string): number[] => figures.get(k) ?? [];
  const errors = new Map<string, number>();
  const missing = new Map<string, number>();
  let declined = 0;
  const checkOffer = (mode: Mode, opened: number, negotiated: number, what: string): void => {
    if (mode === 'deflate' && negotiated < opened) {
      declined += opened - negotiated;
      log(`  ${what}: ${opened - negotiated} of ${opened} connections were answered without permessage-deflate`);
    }
    if (mode === 'plain' && negotiated > 0) throw new Error(`${what}: a plain client was answered with permessage-deflate`);
  };

  const b = cfg.broadcast;
  // Echo and broadcast share one server. Every broadcast case joins its receivers and a sender
  // anew, all within the per-address join window: the limits are lifted above all of them.
  const server = await ServerProcess.start({ clients: STACKS.length * MODES.length * runs * (b.receivers + 1) + cfg.echo.clients + 10 });
  const ws = server.base.replace(/^http/, 'ws');
  const echoWorkers = workers.slice(0, 2);
  const per = shares(cfg.echo.clients, echoWorkers.length);
  const sender = workers[0]!;
  const receiversOn = workers.slice(1);
  try {
    for (let run = 0; run < runs; run++) {
      for (const size of cfg.echo.sizes) {
        for (const { stack, mode } of casesOf(run)) {
          const results = await Promise.all(
            echoWorkers.map((w, i) =>
              w.call<DeflateEchoResult>({
                cmd: 'deflate-echo',
                url: `${ws}${ECHO_PATH[stack]}`,
                deflate: mode === 'deflate',
                clients: per[i]!,
                size,
                warmupMs: cfg.echo.warmupMs,
                durationMs: cfg.echo.durationMs,
                serverPid: server.pid,
              }),
            ),
          );
          const count = results.reduce((s, r) => s + r.count, 0);
          const elapsed = Math.max(...results.map((r) => r.elapsedMs));
          // Both workers read the server's CPU over nearly the same window: take their mean.
          const serverCpuMs = results.reduce((s, r) => s + r.serverCpuMs, 0) / results.length;
          const clientCpuMs = results.reduce((s, r) => s + r.clientCpuMs, 0);
          checkOffer(mode, cfg.echo.clients, results.reduce((s, r) => s + r.negotiated, 0), `echo ${stack} ${size} B`);
          const k = key(stack, mode, ` echo ${size}`);
          push(`${k} rate`, (count / elapsed) * 1000);
          push(`${k} p50`, percentileOfSorted(mergeWeighted(results), 50));
          push(`${k} bytes`, results.reduce((s, r) => s + r.bytesFromServer, 0) / count);
          push(`${k} bytesIn`, results.reduce((s, r) => s + r.bytesToServer, 0) / count);
          push(`${k} cpu`, (serverCpuMs * 1000) / count);
          push(`${k} clientCpu`, (clientCpuMs * 1000) / count);
          errors.set(k, (errors.get(k) ?? 0) + results.reduce((s, r) => s + r.errors, 0));
          log(
            `  compression echo run ${run + 1} ${stack} ${mode} ${size} B: ${Math.round((count / elapsed) * 1000)} msg/s, ${figure(`${k} bytes`).at(-1)!.toFixed(0)} B/msg from the server, server ${figure(`${k} cpu`).at(-1)!.toFixed(1)} µs/msg`,
          );
        }
      }

      for (const { stack, mode } of casesOf(run)) {
        const qs = mode === 'deflate' ? '?compress=1&' : '?';
        const after = (await server.stats()).room.lastSeq;
        const counts = shares(b.receivers, receiversOn.length);
        const opened = await Promise.all(
          receiversOn.map((w, i) =>
            w.call<DeflateOpenResult>({ cmd: 'deflate-open', url: `${ws}${CHAT_PATH[stack]}${qs}after=${after}`, deflate: mode === 'deflate', count: counts[i]!, concurrency: 50 }, 180_000),
          ),
        );
        try {
          const failed = opened.reduce((s, r) => s + r.failed, 0);
          if (failed > 0) throw new Error(`${failed} ${stack} ${mode} receivers failed to open: ${opened.find((r) => r.firstError)?.firstError}`);
          checkOffer(mode, b.receivers, opened.reduce((s, r) => s + r.negotiated, 0), `broadcast ${stack}`);
          await waitForConnections(server, stack, b.receivers);
          await resetAll(receiversOn);
          const tag = `Z${run}${stack}${mode}`;
          const wire0 = await Promise.all(receiversOn.map((w) => w.call<{ bytesRead: number }>({ cmd: 'deflate-wire' })));
          const cpu0 = server.cpuMs();
          const sent = await sender.call<SendResult>({ cmd: 'deflate-send', url: `${ws}${CHAT_PATH[stack]}?after=999999999`, tag, count: b.burst, window: b.window, size: b.size });
          const got = await collectUntil(receiversOn, tag, b.burst * b.receivers, 30_000, false);
          const cpuMs = server.cpuMs() - cpu0;
          const wire1 = await Promise.all(receiversOn.map((w) => w.call<{ bytesRead: number }>({ cmd: 'deflate-wire' })));
          if (sent.errors > 0) throw new Error(`sender errors on ${stack}: ${sent.firstError}`);
          const read = wire1.reduce((s, x, i) => s + x.bytesRead - wire0[i]!.bytesRead, 0);
          const lastAt = Math.max(...got.parts.map((p: CollectResult) => p.lastAt).filter(Number.isFinite));
          const k = key(stack, mode, ' bc');
          push(`${k} rate`, (got.deliveries / (lastAt - sent.firstSentAt)) * 1000);
          push(`${k} bytes`, read / got.deliveries);
          push(`${k} cpu`, (cpuMs * 1000) / got.deliveries);
          missing.set(k, (missing.get(k) ?? 0) + b.burst * b.receivers - got.deliveries);
          log(
            `  compression broadcast run ${run + 1} ${stack} ${mode} ×${b.receivers}: ${Math.round(figure(`${k} rate`).at(-1)!)} deliveries/s, ${figure(`${k} bytes`).at(-1)!.toFixed(0)} B/delivery, server ${figure(`${k} cpu`).at(-1)!.toFixed(1)} µs/delivery` +
              (got.complete ? '' : `, ${b.burst * b.receivers - got.deliveries} missing`),
          );
        } finally {
          await Promise.all(workers.map((w) => w.call({ cmd: 'close' })));
        }
      }
    }
  } finally {
    await server.stop();
  }

  const idlePids = new Map<string, number[]>();
  for (let run = 0; run < runs; run++) {
    for (const { stack, mode } of casesOf(run)) {
      const n = cfg.idle.connections;
      const fresh = await ServerProcess.start({ clients: n + 50 });
      (idlePids.get(key(stack, mode)) ?? idlePids.set(key(stack, mode), []).get(key(stack, mode))!).push(fresh.pid);
      const url = `${fresh.base.replace(/^http/, 'ws')}${ECHO_PATH[stack]}`;
      const idle = (count: number): Promise<DeflateOpenResult[]> =>
        Promise.all(
          shares(count, workers.length).map((c, i) =>
            workers[i]!.call<DeflateOpenResult>({ cmd: 'deflate-idle', url, deflate: mode === 'deflate', count: c, size: cfg.idle.size, concurrency: 25 }, 180_000),
          ),
        );
      try {
        // Warm the code paths (and zlib's first allocations) before the baseline.
        await idle(Math.min(40, n));
        await Promise.all(workers.map((w) => w.call({ cmd: 'close' })));
        await sleep(300);
        const before = await fresh.memory(true);
        const opened = await idle(n);
        const failed = opened.reduce((s, r) => s + r.failed, 0);
        if (failed > 0) throw new Error(`${failed} idle ${stack} ${mode} connections failed: ${opened.find((r) => r.firstError)?.firstError}`);
        checkOffer(mode, n, opened.reduce((s, r) => s + r.negotiated, 0), `idle ${stack}`);
        await sleep(runs === 1 ? 300 : 1_000);
        const after = await fresh.memory(true);
        const k = key(stack, mode, ' idle');
        push(`${k} rss`, (after.vmRss - before.vmRss) / n);
        push(`${k} heap`, (after.heapUsed + after.external + after.arrayBuffers - before.heapUsed - before.external - before.arrayBuffers) / n);
        log(`  compression idle run ${run + 1} ${stack} ${mode} ×${n}: RSS ${(figure(`${k} rss`).at(-1)! / 1024).toFixed(1)} KiB/connection, heap+external ${(figure(`${k} heap`).at(-1)! / 1024).toFixed(1)} KiB/connection`);
      } finally {
        await Promise.all(workers.map((w) => w.call({ cmd: 'close' })));
        await fresh.stop();
      }
    }
  }

  const pairs = STACKS.flatMap((stack) => MODES.map((mode) => ({ stack, mode })));
  return {
    config: cfg,
    echo: cfg.echo.sizes.flatMap((size) =>
      pairs.map(({ stack, mode }) => {
        const k = key(stack, mode, ` echo ${size}`);
        return {
          stack,
          mode,
          size,
          msgsPerSec: spread(figure(`${k} rate`)),
          p50Ms: spread(figure(`${k} p50`)),
          bytesFromServer: spread(figure(`${k} bytes`)),
          bytesToServer: spread(figure(`${k} bytesIn`)),
          serverCpuUs: spread(figure(`${k} cpu`)),
          clientCpuUs: spread(figure(`${k} clientCpu`)),
          errors: errors.get(k) ?? 0,
        };
      }),
    ),
    broadcast: pairs.map(({ stack, mode }) => {
      const k = key(stack, mode, ' bc');
      return {
        stack,
        mode,
        receivers: b.receivers,
        deliveriesPerSec: spread(figure(`${k} rate`)),
        bytesPerDelivery: spread(figure(`${k} bytes`)),
        serverCpuUs: spread(figure(`${k} cpu`)),
        missing: missing.get(k) ?? 0,
      };
    }),
    idle: pairs.map(({ stack, mode }) => {
      const k = key(stack, mode, ' idle');
      return {
        stack,
        mode,
        connections: cfg.idle.connections,
        rssPerConnection: spread(figure(`${k} rss`)),
        heapExternalPerConnection: spread(figure(`${k} heap`)),
        serverPids: idlePids.get(key(stack, mode)) ?? [],
      };
    }),
    ratios: compressionRatios(figure, cfg.echo.sizes),
    declined,
  };
}

async function waitForConnections(server: ServerProcess, stack: Stack, count: number): Promise<void> {
  const deadline = performance.now() + 30_000;
  let seen = 0;
  while (performance.now() < deadline) {
    seen = (await server.stats()).transports[stack]?.connections ?? 0;
    if (seen >= count) return;
    await sleep(100);
  }
  throw new Error(`server holds ${seen} of ${count} ${stack} connections after 30 s`);
}

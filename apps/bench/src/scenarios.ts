// The four network scenarios: echo, broadcast fan-out, idle cost, polling cost. Each starts
// its own server process(es), drives them from the load workers and returns plain data
// for the report. The codec micro-benchmarks live in codec.ts (one process, no network).
import { performance } from 'node:perf_hooks';
import { mergeWeighted, percentileOfSorted, sorted, spread, pairedRatio, type Spread } from './stats.ts';
import { ServerProcess, readCpuMs as readPidCpu, startTcpEcho, type StatsBody, type Worker } from './processes.ts';
import type { ChatTransport, CollectResult, EchoResult, EchoTarget, OpenResult, SendResult } from './protocol.ts';
import { CHAT_TRANSPORTS } from './protocol.ts';
import type { DashboardConfig } from './dashboard.ts';
import type { SlowReadersConfig } from './slow-readers.ts';

export interface BenchConfig {
  quick: boolean;
  runs: number;
  echo: { clients: number; sizes: number[]; warmupMs: number; durationMs: number };
  broadcast: {
    receivers: number[];
    latencyMessages: number;
    spacingMs: number;
    /** Messages in the throughput burst, per receiver count. */
    burst: (receivers: number) => number;
    shortPollIntervalMs: number;
  };
  idle: { clients: number };
  polling: { clients: number; messagesPerSecond: number; durationMs: number };
  codec: { timeMs: number; rounds: number };
  dashboard: DashboardConfig;
  slowReaders: SlowReadersConfig;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (s: string): void => console.log(s);

/** Splits n into `parts` near-equal shares. */
export function shares(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

// ---------------------------------------------------------------- CPU accounting

export interface CpuReport {
  wallMs: number;
  /** Per process, % of one core over the window. */
  serverPct: number;
  workerPct: number[];
  /** A client process used ≥ 85 % of a core: the client side may have been the limit. */
  clientBound: boolean;
  /** All processes together used ≥ 180 % of the machine's 2 cores. */
  machineSaturated: boolean;
}

class CpuWindow {
  private readonly t0 = performance.now();
  private readonly server0: number;
  private readonly workers0: number[];
  constructor(
    private readonly serverPids: Array<{ cpuMs(): number }>,
    private readonly workers: Worker[],
  ) {
    this.server0 = serverPids.reduce((s, p) => s + p.cpuMs(), 0);
    this.workers0 = workers.map((w) => w.cpuMs());
  }
  end(): CpuReport {
    const wallMs = performance.now() - this.t0;
    const serverPct = ((this.serverPids.reduce((s, p) => s + p.cpuMs(), 0) - this.server0) / wallMs) * 100;
    const workerPct = this.workers.map((w, i) => ((w.cpuMs() - this.workers0[i]!) / wallMs) * 100);
    const total = serverPct + workerPct.reduce((a, b) => a + b, 0);
    return {
      wallMs,
      serverPct,
      workerPct,
      clientBound: workerPct.some((p) => p >= 85),
      machineSaturated: total >= 180,
    };
  }
}

// ---------------------------------------------------------------- 1. echo

export interface EchoCase {
  target: EchoTarget;
  size: number;
  msgsPerSec: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  errors: number;
  cpu: CpuReport[];
}
export interface EchoReport {
  clients: number;
  cases: EchoCase[];
  /** Per size: ours / ws and ours / raw TCP, paired run by run. */
  ratios: Array<{ size: number; rawOverLib: Spread; rawOverTcp: Spread; libOverTcp: Spread }>;
  serverPid: number;
  tcpPid: number;
}

export async function echoScenario(cfg: BenchConfig, workers: Worker[]): Promise<EchoReport> {
  const server = await ServerProcess.start({ clients: cfg.echo.clients });
  const tcp = await startTcpEcho();
  const targets: EchoTarget[] = ['ws-raw', 'ws-lib', 'tcp'];
  const clientWorkers = workers.slice(0, 2);
  const per = shares(cfg.echo.clients, clientWorkers.length);
  const runs = new Map<string, { rate: number[]; p50: number[]; p99: number[]; errors: number; cpu: CpuReport[] }>();
  try {
    for (let run = 0; run < cfg.runs; run++) {
      for (const size of cfg.echo.sizes) {
        // Rotate the order each run so no target always goes first on a warm or cold machine.
        const order = targets.map((_, i) => targets[(i + run) % targets.length]!);
        for (const target of order) {
          const url = target === 'ws-raw' ? `${server.base.replace('http', 'ws')}/ws/raw/echo` : `${server.base.replace('http', 'ws')}/ws/lib/echo`;
          const window = new CpuWindow([target === 'tcp' ? { cpuMs: () => readPidCpu(tcp.pid) } : server], clientWorkers);
          const results = await Promise.all(
            clientWorkers.map((w, i) =>
              w.call<EchoResult>({
                cmd: 'echo',
                target,
                url,
                port: tcp.port,
                clients: per[i]!,
                size,
                warmupMs: cfg.echo.warmupMs,
                durationMs: cfg.echo.durationMs,
              }),
            ),
          );
          const cpu = window.end();
          const elapsed = Math.max(...results.map((r) => r.elapsedMs));
          const count = results.reduce((s, r) => s + r.count, 0);
          const lat = mergeWeighted(results);
          const key = `${target} ${size}`;
          const rec = runs.get(key) ?? { rate: [], p50: [], p99: [], errors: 0, cpu: [] };
          rec.rate.push((count / elapsed) * 1000);
          rec.p50.push(percentileOfSorted(lat, 50));
          rec.p99.push(percentileOfSorted(lat, 99));
          rec.errors += results.reduce((s, r) => s + r.errors, 0);
          rec.cpu.push(cpu);
          runs.set(key, rec);
          log(`  echo run ${run + 1} ${target} ${size} B: ${Math.round((count / elapsed) * 1000)} msg/s, p50 ${percentileOfSorted(lat, 50).toFixed(3)} ms, server/ceiling CPU ${cpu.serverPct.toFixed(0)}%, clients ${cpu.workerPct.map((p) => p.toFixed(0)).join('/')}%`);
        }
      }
    }
  } finally {
    tcp.stop();
    await server.stop();
  }
  const cases: EchoCase[] = [];
  for (const size of cfg.echo.sizes) {
    for (const target of targets) {
      const r = runs.get(`${target} ${size}`)!;
      cases.push({ target, size, msgsPerSec: spread(r.rate), p50Ms: spread(r.p50), p99Ms: spread(r.p99), errors: r.errors, cpu: r.cpu });
    }
  }
  const ratios = cfg.echo.sizes.map((size) => {
    const rate = (t: EchoTarget): number[] => runs.get(`${t} ${size}`)!.rate;
    return {
      size,
      rawOverLib: pairedRatio(rate('ws-raw'), rate('ws-lib')),
      rawOverTcp: pairedRatio(rate('ws-raw'), rate('tcp')),
      libOverTcp: pairedRatio(rate('ws-lib'), rate('tcp')),
    };
  });
  return { clients: cfg.echo.clients, cases, ratios, serverPid: server.pid, tcpPid: tcp.pid };
}


// ---------------------------------------------------------------- shared: receivers on workers

async function openSpread(
  workers: Worker[],
  transport: ChatTransport,
  server: ServerProcess,
  count: number,
  pollIntervalMs: number,
): Promise<OpenResult[]> {
  const after = (await server.stats()).room.lastSeq;
  const per = shares(count, workers.length);
  const results = await Promise.all(
    workers.map((w, i) =>
      w.call<OpenResult>(
        {
          cmd: 'open',
          transport,
          base: server.base,
          count: per[i]!,
          after,
          pollIntervalMs,
          longPollTimeoutMs: 60_000,
          concurrency: 50,
        },
        180_000,
      ),
    ),
  );
  const failed = results.reduce((s, r) => s + r.failed, 0);
  if (failed > 0) {
    const first = results.find((r) => r.firstError)?.firstError;
    throw new Error(`${failed} of ${count} ${transport} clients failed to open: ${first}`);
  }
  // Long polls are "open" once written; wait until the server holds them all (and the same for streams).
  if (transport !== 'short-poll') await waitForConnections(server, transport, count, 30_000);
  return results;
}

async function waitForConnections(server: ServerProcess, transport: ChatTransport, count: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let seen = 0;
  while (performance.now() < deadline) {
    seen = (await server.stats()).transports[transport]?.connections ?? 0;
    if (seen >= count) return;
    await sleep(100);
  }
  throw new Error(`server holds ${seen} of ${count} ${transport} connections after ${timeoutMs} ms`);
}

async function closeAll(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.call({ cmd: 'close' })));
}

async function resetAll(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.call({ cmd: 'reset' })));
}

/** Collects a tag from every worker until `expected` deliveries arrived or the deadline passes. */
async function collectUntil(
  workers: Worker[],
  tag: string,
  expected: number,
  timeoutMs: number,
  withLatencies: boolean,
): Promise<{ parts: CollectResult[]; deliveries: number; complete: boolean }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const parts = await Promise.all(workers.map((w) => w.call<CollectResult>({ cmd: 'collect', tag, withLatencies: false })));
    const deliveries = parts.reduce((s, p) => s + p.deliveries, 0);
    if (deliveries >= expected || performance.now() >= deadline) {
      const final = withLatencies
        ? await Promise.all(workers.map((w) => w.call<CollectResult>({ cmd: 'collect', tag, withLatencies: true })))
        : parts;
      return { parts: final, deliveries, complete: deliveries >= expected };
    }
    await sleep(50);
  }
}

// ---------------------------------------------------------------- 2. broadcast

export interface BroadcastCase {
  transport: ChatTransport;
  receivers: number;
  deliveriesPerSec: Spread;
  firstMs: Spread;
  medianMs: Spread;
  lastMs: Spread;
  /** Deliveries missing at the deadline, summed over runs (0 when every receiver got everything). */
  missing: number;
  burst: number;
  cpu: CpuReport[];
  serverPid: number;
}
export interface BroadcastReport {
  cases: BroadcastCase[];
  latencyMessages: number;
  spacingMs: number;
  shortPollIntervalMs: number;
  /** ws-raw / ws-lib deliveries per second, paired run by run, per receiver count. */
  ratios: Array<{ receivers: number; rawOverLib: Spread }>;
}

export async function broadcastScenario(cfg: BenchConfig, workers: Worker[]): Promise<BroadcastReport> {
  const b = cfg.broadcast;
  const sender = workers[0]!;
  const receiversOn = workers.slice(1);
  const cases: BroadcastCase[] = [];
  for (const receivers of b.receivers) {
    for (const transport of CHAT_TRANSPORTS) {
      // Receivers, plus one sender per latency and throughput round.
      const server = await ServerProcess.start({ clients: receivers + 2 * cfg.runs });
      const rate: number[] = [];
      const first: number[] = [];
      const med: number[] = [];
      const last: number[] = [];
      const cpus: CpuReport[] = [];
      let missing = 0;
      const burst = b.burst(receivers);
      try {
        await openSpread(receiversOn, transport, server, receivers, b.shortPollIntervalMs);
        const settle = transport === 'short-poll' ? b.shortPollIntervalMs + 2_000 : 3_000;
        for (let run = 0; run < cfg.runs; run++) {
          // Latency: messages spaced apart, each timed from the sender's clock to every receiver's.
          await resetAll(receiversOn);
          const tagL = `L${run}`;
          await sender.call<SendResult>({ cmd: 'send', transport, base: server.base, tag: tagL, count: b.latencyMessages, spacingMs: b.spacingMs, window: 1 });
          const lat = await collectUntil(receiversOn, tagL, b.latencyMessages * receivers, settle, true);
          missing += b.latencyMessages * receivers - lat.deliveries;
          const perMessage: { first: number[]; median: number[]; last: number[] } = { first: [], median: [], last: [] };
          for (let k = 0; k < b.latencyMessages; k++) {
            const all = sorted(lat.parts.flatMap((p) => p.latencies[k] ?? []));
            if (all.length === 0) continue;
            perMessage.first.push(all[0]!);
            perMessage.median.push(percentileOfSorted(all, 50));
            perMessage.last.push(all[all.length - 1]!);
          }
          first.push(percentileOfSorted(sorted(perMessage.first), 50));
          med.push(percentileOfSorted(sorted(perMessage.median), 50));
          last.push(percentileOfSorted(sorted(perMessage.last), 50));

          // Throughput: a burst as fast as the sender's window allows; deliveries over the time to the last one.
          await resetAll(receiversOn);
          const tagT = `T${run}`;
          const window = new CpuWindow([server], workers);
          const sent = await sender.call<SendResult>({
            cmd: 'send',
            transport,
            base: server.base,
            tag: tagT,
            count: burst,
            spacingMs: 0,
            window: transport.startsWith('ws') ? 32 : 8,
          });
          const thr = await collectUntil(receiversOn, tagT, burst * receivers, settle + 20_000, false);
          cpus.push(window.end());
          missing += burst * receivers - thr.deliveries;
          const lastAt = Math.max(...thr.parts.map((p) => p.lastAt).filter(Number.isFinite));
          rate.push((thr.deliveries / (lastAt - sent.firstSentAt)) * 1000);
          if (sent.errors > 0) throw new Error(`sender errors on ${transport}: ${sent.firstError}`);
          log(
            `  broadcast ${transport} ×${receivers} run ${run + 1}: ${Math.round(rate[rate.length - 1]!)} deliveries/s, last receiver ${last[last.length - 1]!.toFixed(2)} ms (median of ${b.latencyMessages} messages)` +
              (thr.complete && lat.complete ? '' : `, ${burst * receivers - thr.deliveries + b.latencyMessages * receivers - lat.deliveries} missing`),
          );
        }
      } finally {
        await closeAll(receiversOn);
        await server.stop();
      }
      cases.push({
        transport,
        receivers,
        deliveriesPerSec: spread(rate),
        firstMs: spread(first),
        medianMs: spread(med),
        lastMs: spread(last),
        missing,
        burst,
        cpu: cpus,
        serverPid: server.pid,
      });
    }
  }
  const ratios = b.receivers.map((receivers) => {
    const get = (t: ChatTransport): number[] => cases.find((c) => c.transport === t && c.receivers === receivers)!.deliveriesPerSec.runs;
    return { receivers, rawOverLib: pairedRatio(get('ws-raw'), get('ws-lib')) };
  });
  return { cases, latencyMessages: b.latencyMessages, spacingMs: b.spacingMs, shortPollIntervalMs: b.shortPollIntervalMs, ratios };
}

// ---------------------------------------------------------------- 3. idle cost

export interface IdleCase {
  transport: ChatTransport;
  clients: number;
  /** RSS (VmRSS) growth per idle client, bytes, after a full GC before and after. */
  rssPerClient: Spread;
  /** V8 heapUsed growth per client, bytes (from the preloaded probe). */
  heapPerClient: Spread;
  /** external + arrayBuffers growth per client, bytes. */
  externalPerClient: Spread;
  /** Time from send to the last of the idle clients getting one message, ms (short polling: not measured). */
  wakeLastMs: Spread | null;
  wakeMissing: number;
  serverPids: number[];
}

export async function idleScenario(cfg: BenchConfig, workers: Worker[]): Promise<IdleCase[]> {
  const n = cfg.idle.clients;
  const out: IdleCase[] = [];
  const sender = workers[0]!;
  for (const transport of CHAT_TRANSPORTS) {
    const rss: number[] = [];
    const heap: number[] = [];
    const ext: number[] = [];
    const wake: number[] = [];
    let wakeMissing = 0;
    const pids: number[] = [];
    for (let run = 0; run < cfg.runs; run++) {
      // A fresh server for every transport and run, so one transport's garbage is not another's cost.
      // The idle clients, the warm-up clients before them and the sender.
      const server = await ServerProcess.start({ clients: n + 41 });
      pids.push(server.pid);
      try {
        // Warm the code paths (lazy compilation, first allocations) before the baseline.
        await openSpread(workers, transport, server, Math.min(40, n), 0);
        await closeAll(workers);
        await sleep(300);
        const before = await server.memory(true);
        await openSpread(workers, transport, server, n, 0);
        await sleep(cfg.quick ? 300 : 1_000);
        const after = await server.memory(true);
        rss.push((after.vmRss - before.vmRss) / n);
        heap.push((after.heapUsed - before.heapUsed) / n);
        ext.push((after.external + after.arrayBuffers - before.external - before.arrayBuffers) / n);
        if (transport !== 'short-poll') {
          await resetAll(workers);
          const tag = `W${run}`;
          const sent = await sender.call<SendResult>({ cmd: 'send', transport: 'ws-raw', base: server.base, tag, count: 1, spacingMs: 0, window: 1 });
          const got = await collectUntil(workers, tag, n, 15_000, false);
          wakeMissing += n - got.deliveries;
          const lastAt = Math.max(...got.parts.map((p) => p.lastAt).filter(Number.isFinite));
          wake.push(lastAt - sent.firstSentAt);
        }
        log(
          `  idle ${transport} ×${n} run ${run + 1}: RSS ${(rss[rss.length - 1]! / 1024).toFixed(2)} KiB/client, heap ${(heap[heap.length - 1]! / 1024).toFixed(2)} KiB/client` +
            (wake.length > run ? `, last of ${n} answered ${wake[run]!.toFixed(1)} ms after the send` : ''),
        );
      } finally {
        await closeAll(workers);
        await server.stop();
      }
    }
    out.push({
      transport,
      clients: n,
      rssPerClient: spread(rss),
      heapPerClient: spread(heap),
      externalPerClient: spread(ext),
      wakeLastMs: wake.length ? spread(wake) : null,
      wakeMissing,
      serverPids: pids,
    });
  }
  return out;
}

// ---------------------------------------------------------------- 4. polling cost

export interface PollingCase {
  transport: 'short-poll' | 'long-poll';
  clients: number;
  requestsPerSec: Spread;
  /** (bytesIn + bytesOut) / delivered, as the server counted them for the lane. */
  bytesPerDelivered: Spread;
  /** Requests per delivered message. */
  requestsPerDelivered: Spread;
  deliveredPerSec: Spread;
  messagesPerSecond: number;
  cpu: CpuReport[];
}

export async function pollingScenario(cfg: BenchConfig, workers: Worker[]): Promise<PollingCase[]> {
  const p = cfg.polling;
  const sender = workers[0]!;
  const receiversOn = workers.slice(1);
  const out: PollingCase[] = [];
  for (const transport of ['short-poll', 'long-poll'] as const) {
    const rps: number[] = [];
    const bpd: number[] = [];
    const rpd: number[] = [];
    const dps: number[] = [];
    const cpus: CpuReport[] = [];
    for (let run = 0; run < cfg.runs; run++) {
      const server = await ServerProcess.start({ clients: p.clients + 1 });
      try {
        await openSpread(receiversOn, transport, server, p.clients, 1_000);
        await sleep(1_500);
        const s0: StatsBody = await server.stats();
        const t0 = performance.now();
        const window = new CpuWindow([server], workers);
        const count = Math.max(1, Math.round((p.messagesPerSecond * p.durationMs) / 1000));
        // The sender uses ws-raw so its own traffic is not counted in the polling lane.
        await sender.call<SendResult>({
          cmd: 'send',
          transport: 'ws-raw',
          base: server.base,
          tag: `P${run}`,
          count,
          spacingMs: 1000 / p.messagesPerSecond,
          window: 1,
        });
        // Let the last message reach every poller (one interval for short polling).
        await sleep(1_200);
        const s1: StatsBody = await server.stats();
        const seconds = (performance.now() - t0) / 1000;
        cpus.push(window.end());
        const a = s0.transports[transport]!;
        const z = s1.transports[transport]!;
        const delivered = z.delivered - a.delivered;
        const requests = z.requests - a.requests;
        rps.push(requests / seconds);
        bpd.push((z.bytesIn - a.bytesIn + z.bytesOut - a.bytesOut) / delivered);
        rpd.push(requests / delivered);
        dps.push(delivered / seconds);
        log(
          `  polling ${transport} ×${p.clients} run ${run + 1}: ${Math.round(requests / seconds)} req/s, ${Math.round(bpd[bpd.length - 1]!)} B/delivered, ${delivered} delivered`,
        );
      } finally {
        await closeAll(receiversOn);
        await server.stop();
      }
    }
    out.push({
      transport,
      clients: p.clients,
      requestsPerSec: spread(rps),
      bytesPerDelivered: spread(bpd),
      requestsPerDelivered: spread(rpd),
      deliveredPerSec: spread(dps),
      messagesPerSecond: p.messagesPerSecond,
      cpu: cpus,
    });
  }
  return out;
}

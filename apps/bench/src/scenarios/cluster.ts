// Scenario 8, past one server (issue #14): the same broadcast — one ws-raw sender, ws-raw
// receivers spread over three load workers — against four set-ups started side by side:
//   memory         the memory room, one process (the reference)
//   redis-1        the Redis room, one process
//   redis-1-rr     that same process behind the request-by-request round-robin
//   redis-3-rr     the Redis room, three processes behind the round-robin
// Latency: messages spaced apart, each timed from the sender's clock to every receiver's.
// Throughput: a burst, deliveries over the time from the first send to the last delivery.
// Each run measures every set-up back to back (the order rotated) and the ratios to the memory
// room are taken run by run. CPU of every process over the burst, and Redis's own count of the
// commands it ran, say what limits each set-up.
import { performance } from 'node:perf_hooks';
import { pairedRatio, percentileOfSorted, sorted, spread, type Spread } from '../stats.ts';
import { ServerProcess, readCpuMs, type Worker } from '../processes.ts';
import type { CollectResult, OpenResult, SendResult } from '../protocol.ts';
import { BenchProxy, BenchRedis, REDIS_PERSISTENCE, REDIS_SERVER, machineBusyMs, redisMissing, redisVersion, redisWork } from './cluster-processes.ts';
import { log, shares, sleep } from './config.ts';
import { collectUntil, resetAll } from './receivers.ts';
import { rotated } from './compression.ts';

export interface ClusterConfig {
  /** ws-raw receivers, spread over three load workers (and, behind the round-robin, over the processes). */
  receivers: number;
  latencyMessages: number;
  spacingMs: number;
  burst: number;
  /** Sends awaiting their ack at once during the burst. */
  window: number;
  /** Processes behind the round-robin in the largest set-up. */
  nodes: number;
}

export const CLUSTER_CASES = ['memory', 'redis-1', 'redis-1-rr', 'redis-3-rr'] as const;
export type ClusterCaseId = (typeof CLUSTER_CASES)[number];

/** Over the burst, % of one core. */
export interface ClusterCpu {
  wallMs: number;
  servers: number;
  redis: number;
  proxy: number;
  workers: number[];
  /** The bench's processes together. */
  total: number;
  /** The whole machine (/proc/stat), other tenants included. */
  machine: number;
}

export interface ClusterCase {
  id: ClusterCaseId;
  label: string;
  processes: number;
  deliveriesPerSec: Spread;
  /** Per message, the median and the last receiver; the figure is the median over messages. */
  medianMs: Spread;
  lastMs: Spread;
  missing: number;
  /** Ratios to the memory room, paired per run (latency: above 1 is slower; throughput: below 1 is slower). */
  throughputVsMemory: Spread;
  medianVsMemory: Spread;
  lastVsMemory: Spread;
  /** Per message during the burst, from Redis's commandstats (null for the memory room). */
  redis: { scripts: Spread; scriptUs: Spread; commands: Spread } | null;
  cpu: ClusterCpu[];
  pids: { servers: number[]; redis: number | null; proxy: number | null };
}

export interface ClusterReport {
  /** Why the scenario did not run (redis-server missing), or null. */
  skipped: string | null;
  config: ClusterConfig;
  redis: { version: string; persistence: string } | null;
  cases: ClusterCase[];
}

const LABELS: Record<ClusterCaseId, (nodes: number) => string> = {
  memory: () => 'memory room, 1 process',
  'redis-1': () => 'Redis room, 1 process',
  'redis-1-rr': () => 'Redis room, 1 process behind the round-robin',
  'redis-3-rr': (n) => `Redis room, ${n} processes behind the round-robin`,
};

interface SetUp {
  id: ClusterCaseId;
  /** Where clients connect: a server, or the round-robin in front of them. */
  base: string;
  servers: ServerProcess[];
  redis: BenchRedis | null;
  proxy: BenchProxy | null;
}

/**
 * Per message, the median and the last receiver's latency; then the median of each over the
 * messages (a message nobody got is left out; the missing count says so).
 */
export function latencySummary(parts: Array<Pick<CollectResult, 'latencies'>>, messages: number): { median: number; last: number } {
  const medians: number[] = [];
  const lasts: number[] = [];
  for (let k = 0; k < messages; k++) {
    const all = sorted(parts.flatMap((p) => p.latencies[k] ?? []));
    if (all.length === 0) continue;
    medians.push(percentileOfSorted(all, 50));
    lasts.push(all[all.length - 1]!);
  }
  return { median: percentileOfSorted(sorted(medians), 50), last: percentileOfSorted(sorted(lasts), 50) };
}

/** What the CPU says about a set-up's burst, in a few words (the busiest process first). */
export function cpuVerdict(cpu: ClusterCpu, cores: number): string {
  const parts: Array<[string, number]> = [
    ['servers', cpu.servers],
    ['Redis', cpu.redis],
    ['round-robin', cpu.proxy],
    ['load', cpu.workers.reduce((a, b) => a + b, 0)],
  ];
  const shown = parts.filter(([, pct]) => pct >= 0.5).sort((a, b) => b[1] - a[1]);
  const others = Math.max(0, cpu.machine - cpu.total);
  const saturated = cpu.machine >= cores * 90;
  return `${saturated ? 'machine saturated' : 'machine not saturated'}: ${Math.round(cpu.machine)} % of ${cores * 100} % busy, the bench ${Math.round(cpu.total)} % (${shown.map(([n, p]) => `${n} ${Math.round(p)} %`).join(', ')}), other processes ${Math.round(others)} %`;
}

export async function clusterScenario(cfg: ClusterConfig, runs: number, workers: Worker[], redisBin = REDIS_SERVER): Promise<ClusterReport> {
  const missingRedis = redisMissing(redisBin);
  if (missingRedis) {
    log(`  skipped: ${missingRedis}`);
    return { skipped: missingRedis, config: cfg, redis: null, cases: [] };
  }
  const sender = workers[0]!;
  const receiversOn = workers.slice(1);
  // Identities made over the whole scenario on one room (two set-ups share the one-process Redis room).
  const clients = 2 * runs * (cfg.receivers + 2) + 20;
  const setUps: SetUp[] = [];
  const started: Array<{ stop(): unknown }> = [];
  const server = async (env: Record<string, string>): Promise<ServerProcess> => {
    const s = await ServerProcess.start({ clients, env });
    started.push(s);
    return s;
  };
  try {
    const memory = await server({ REDIS_URL: '', NODE_ID: 'bench-memory' });
    setUps.push({ id: 'memory', base: memory.base, servers: [memory], redis: null, proxy: null });

    const redisOne = await BenchRedis.start();
    started.push(redisOne);
    const single = await server({ REDIS_URL: redisOne.url, NODE_ID: 'bench-redis-1' });
    setUps.push({ id: 'redis-1', base: single.base, servers: [single], redis: redisOne, proxy: null });
    const singleProxy = await BenchProxy.start([Number(new URL(single.base).port)]);
    started.push(singleProxy);
    setUps.push({ id: 'redis-1-rr', base: singleProxy.base, servers: [single], redis: redisOne, proxy: singleProxy });

    const redisMany = await BenchRedis.start();
    started.push(redisMany);
    const nodes: ServerProcess[] = [];
    for (let i = 1; i <= cfg.nodes; i++) nodes.push(await server({ REDIS_URL: redisMany.url, NODE_ID: `bench-node-${i}` }));
    const manyProxy = await BenchProxy.start(nodes.map((n) => Number(new URL(n.base).port)));
    started.push(manyProxy);
    setUps.push({ id: 'redis-3-rr', base: manyProxy.base, servers: nodes, redis: redisMany, proxy: manyProxy });
    log(`  set-ups: ${setUps.map((s) => `${s.id} ${s.base} (server PIDs ${s.servers.map((x) => x.pid).join(', ')}${s.redis ? `, redis ${s.redis.pid}` : ''}${s.proxy ? `, round-robin ${s.proxy.pid}` : ''})`).join('; ')}`);

    const figures = new Map<string, number[]>();
    const push = (k: string, v: number): void => void (figures.get(k) ?? figures.set(k, []).get(k)!).push(v);
    const figure = (k: string): number[] => figures.get(k) ?? [];
    const cpus = new Map<ClusterCaseId, ClusterCpu[]>();
    const missing = new Map<ClusterCaseId, number>();

    for (let run = 0; run < runs; run++) {
      for (const s of rotated(setUps, run)) {
        const after = (await s.servers[0]!.stats()).room.lastSeq;
        const counts = shares(cfg.receivers, receiversOn.length);
        try {
          const opened = await Promise.all(
            receiversOn.map((w, i) =>
              w.call<OpenResult>(
                { cmd: 'open', transport: 'ws-raw', base: s.base, count: counts[i]!, after, pollIntervalMs: 0, longPollTimeoutMs: 60_000, concurrency: 50 },
                180_000,
              ),
            ),
          );
          const failed = opened.reduce((sum, r) => sum + r.failed, 0);
          if (failed > 0) throw new Error(`${failed} receivers failed to open on ${s.id}: ${opened.find((r) => r.firstError)?.firstError}`);
          await waitForReceivers(s, cfg.receivers);
          // The Redis room hands a message to a process's fan-out through its subscriber: give it a moment to settle.
          await sleep(200);

          await resetAll(receiversOn);
          const tagL = `C${run}${s.id}L`;
          await sender.call<SendResult>({ cmd: 'send', transport: 'ws-raw', base: s.base, tag: tagL, count: cfg.latencyMessages, spacingMs: cfg.spacingMs, window: 1 });
          const lat = await collectUntil(receiversOn, tagL, cfg.latencyMessages * cfg.receivers, 10_000, true);
          const { median, last } = latencySummary(lat.parts, cfg.latencyMessages);
          push(`${s.id} median`, median);
          push(`${s.id} last`, last);

          await resetAll(receiversOn);
          const tagT = `C${run}${s.id}T`;
          const redis0 = s.redis ? await s.redis.commandStats() : null;
          const t0 = performance.now();
          const cpu0 = cpuOf(s, workers);
          const sent = await sender.call<SendResult>({ cmd: 'send', transport: 'ws-raw', base: s.base, tag: tagT, count: cfg.burst, spacingMs: 0, window: cfg.window });
          const thr = await collectUntil(receiversOn, tagT, cfg.burst * cfg.receivers, 30_000, false);
          const cpu1 = cpuOf(s, workers);
          const wallMs = performance.now() - t0;
          const redis1 = s.redis ? await s.redis.commandStats() : null;
          if (sent.errors > 0) throw new Error(`sender errors on ${s.id}: ${sent.firstError}`);
          const pct = (a: number, b: number): number => ((b - a) / wallMs) * 100;
          const cpu: ClusterCpu = {
            wallMs,
            servers: pct(cpu0.servers, cpu1.servers),
            redis: pct(cpu0.redis, cpu1.redis),
            proxy: pct(cpu0.proxy, cpu1.proxy),
            workers: cpu0.workers.map((w, i) => pct(w, cpu1.workers[i]!)),
            total: 0,
            machine: pct(cpu0.machine, cpu1.machine),
          };
          cpu.total = cpu.servers + cpu.redis + cpu.proxy + cpu.workers.reduce((a, b) => a + b, 0);
          (cpus.get(s.id) ?? cpus.set(s.id, []).get(s.id)!).push(cpu);
          const lastAt = Math.max(...thr.parts.map((p) => p.lastAt).filter(Number.isFinite));
          push(`${s.id} rate`, (thr.deliveries / (lastAt - sent.firstSentAt)) * 1000);
          if (redis0 && redis1) {
            const work = redisWork(redis0, redis1);
            push(`${s.id} scripts`, work.scripts / cfg.burst);
            push(`${s.id} scriptUs`, work.scriptUsec / cfg.burst);
            push(`${s.id} commands`, work.commands / cfg.burst);
          }
          const lost = cfg.latencyMessages * cfg.receivers - lat.deliveries + cfg.burst * cfg.receivers - thr.deliveries;
          missing.set(s.id, (missing.get(s.id) ?? 0) + lost);
          log(
            `  cluster run ${run + 1} ${s.id}: ${Math.round(figure(`${s.id} rate`).at(-1)!)} deliveries/s, median ${median.toFixed(2)} ms, last ${last.toFixed(2)} ms` +
              (s.redis ? `, Redis per message: ${figure(`${s.id} scripts`).at(-1)!.toFixed(1)} scripts, ${figure(`${s.id} scriptUs`).at(-1)!.toFixed(0)} µs, ${figure(`${s.id} commands`).at(-1)!.toFixed(1)} commands` : '') +
              `, ${cpuVerdict(cpu, 2)}` +
              (lost ? `, ${lost} missing` : ''),
          );
        } finally {
          await Promise.all(workers.map((w) => w.call({ cmd: 'close' })));
        }
      }
    }

    const vsMemory = (id: ClusterCaseId, what: string): Spread => pairedRatio(figure(`${id} ${what}`), figure(`memory ${what}`));
    const cases = setUps.map(
      (s): ClusterCase => ({
        id: s.id,
        label: LABELS[s.id](s.servers.length),
        processes: s.servers.length,
        deliveriesPerSec: spread(figure(`${s.id} rate`)),
        medianMs: spread(figure(`${s.id} median`)),
        lastMs: spread(figure(`${s.id} last`)),
        missing: missing.get(s.id) ?? 0,
        throughputVsMemory: vsMemory(s.id, 'rate'),
        medianVsMemory: vsMemory(s.id, 'median'),
        lastVsMemory: vsMemory(s.id, 'last'),
        redis: s.redis ? { scripts: spread(figure(`${s.id} scripts`)), scriptUs: spread(figure(`${s.id} scriptUs`)), commands: spread(figure(`${s.id} commands`)) } : null,
        cpu: cpus.get(s.id) ?? [],
        pids: { servers: s.servers.map((x) => x.pid), redis: s.redis?.pid ?? null, proxy: s.proxy?.pid ?? null },
      }),
    );
    return { skipped: null, config: cfg, redis: { version: redisVersion(), persistence: REDIS_PERSISTENCE.join(' ') }, cases };
  } finally {
    for (const p of started.reverse()) await p.stop();
  }
}

function cpuOf(s: SetUp, workers: Worker[]): { servers: number; redis: number; proxy: number; workers: number[]; machine: number } {
  return {
    servers: s.servers.reduce((sum, x) => sum + x.cpuMs(), 0),
    redis: s.redis ? readCpuMs(s.redis.pid) : 0,
    proxy: s.proxy ? readCpuMs(s.proxy.pid) : 0,
    workers: workers.map((w) => w.cpuMs()),
    machine: machineBusyMs(),
  };
}

/** The receivers are connected once the processes together hold them all. */
async function waitForReceivers(s: SetUp, count: number): Promise<void> {
  const deadline = performance.now() + 30_000;
  let seen = 0;
  while (performance.now() < deadline) {
    const each = await Promise.all(s.servers.map(async (x) => (await x.stats()).transports['ws-raw']?.connections ?? 0));
    seen = each.reduce((a, b) => a + b, 0);
    if (seen >= count) return;
    await sleep(100);
  }
  throw new Error(`${s.id}: the processes hold ${seen} of ${count} receivers after 30 s`);
}

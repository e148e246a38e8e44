// Scenario 1, echo: round trips per second and their latency on /ws/raw/echo, /ws/lib/echo and
// a raw TCP echo process (the ceiling), from two load workers, one message in flight per client.
import { mergeWeighted, percentileOfSorted, spread, pairedRatio, type Spread } from '../stats.ts';
import { ServerProcess, readCpuMs as readPidCpu, startTcpEcho, type Worker } from '../processes.ts';
import type { EchoResult, EchoTarget } from '../protocol.ts';
import { log, shares, type BenchConfig } from './config.ts';
import { CpuWindow, type CpuReport } from './cpu-window.ts';

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

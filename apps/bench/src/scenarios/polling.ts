// Scenario 4, polling cost: requests and server-counted bytes per delivered message for short
// and long polling at a low message rate.
import { performance } from 'node:perf_hooks';
import { spread, type Spread } from '../stats.ts';
import { ServerProcess, type StatsBody, type Worker } from '../processes.ts';
import type { SendResult } from '../protocol.ts';
import { log, sleep, type BenchConfig } from './config.ts';
import { CpuWindow, type CpuReport } from './cpu-window.ts';
import { closeAll, openSpread } from './receivers.ts';

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

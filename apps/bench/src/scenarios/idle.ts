// Scenario 3, idle cost: server memory per idle client after a full GC, per transport, and the
// time from one send to the last of them getting it (for long polling: waking every held poll).
import { spread, type Spread } from '../stats.ts';
import { ServerProcess, type Worker } from '../processes.ts';
import type { TransportId } from '@wirebench/transports/contract';
import { CHAT_TRANSPORTS, type SendResult } from '../protocol.ts';
import { log, sleep, type BenchConfig } from './config.ts';
import { closeAll, collectUntil, openSpread, resetAll } from './receivers.ts';

export interface IdleCase {
  transport: TransportId;
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

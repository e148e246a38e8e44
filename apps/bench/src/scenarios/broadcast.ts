// Scenario 2, broadcast fan-out: one sender, N receivers of one transport spread over three
// load workers. Latency from the sender's clock to every receiver's, then a burst for throughput.
import { percentileOfSorted, sorted, spread, pairedRatio, type Spread } from '../stats.ts';
import { ServerProcess, type Worker } from '../processes.ts';
import type { TransportId } from '@wirebench/transports/contract';
import { CHAT_TRANSPORTS, type SendResult } from '../protocol.ts';
import { log, type BenchConfig } from './config.ts';
import { CpuWindow, type CpuReport } from './cpu-window.ts';
import { closeAll, collectUntil, openSpread, resetAll } from './receivers.ts';

export interface BroadcastCase {
  transport: TransportId;
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
    const get = (t: TransportId): number[] => cases.find((c) => c.transport === t && c.receivers === receivers)!.deliveriesPerSec.runs;
    return { receivers, rawOverLib: pairedRatio(get('ws-raw'), get('ws-lib')) };
  });
  return { cases, latencyMessages: b.latencyMessages, spacingMs: b.spacingMs, shortPollIntervalMs: b.shortPollIntervalMs, ratios };
}

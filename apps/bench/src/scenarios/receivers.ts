// The driver's side of the receivers: open them spread over the load workers, wait until the
// server holds them, reset and collect what they saw, close them.
import { performance } from 'node:perf_hooks';
import type { TransportId } from '@wirebench/transports/contract';
import type { ServerProcess, Worker } from '../processes.ts';
import type { CollectResult, OpenResult } from '../protocol.ts';
import { shares, sleep } from './config.ts';

export async function openSpread(
  workers: Worker[],
  transport: TransportId,
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

async function waitForConnections(server: ServerProcess, transport: TransportId, count: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let seen = 0;
  while (performance.now() < deadline) {
    seen = (await server.stats()).transports[transport]?.connections ?? 0;
    if (seen >= count) return;
    await sleep(100);
  }
  throw new Error(`server holds ${seen} of ${count} ${transport} connections after ${timeoutMs} ms`);
}

export async function closeAll(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.call({ cmd: 'close' })));
}

export async function resetAll(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.call({ cmd: 'reset' })));
}

/** Collects a tag from every worker until `expected` deliveries arrived or the deadline passes. */
export async function collectUntil(
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

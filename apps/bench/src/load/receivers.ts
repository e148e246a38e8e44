// One receiver per transport. A Record over TransportId: a transport added to the contract
// does not typecheck here until it has a receiver, so no scenario can skip it silently.
import { performance } from 'node:perf_hooks';
import { TRANSPORTS, type TransportId } from '@wirebench/transports/contract';
import type { Command, OpenResult } from '../protocol.ts';
import { longPollReceiver } from './long-poll.ts';
import { startOpening, type OpenReceiver } from './receiver.ts';
import { shortPollReceiver } from './short-poll.ts';
import { sseReceiver } from './sse.ts';
import { webSocketReceiver } from './websocket.ts';

export const RECEIVERS: Record<TransportId, OpenReceiver> = {
  'ws-raw': webSocketReceiver(TRANSPORTS['ws-raw'].path),
  'ws-lib': webSocketReceiver(TRANSPORTS['ws-lib'].path),
  'short-poll': shortPollReceiver,
  'long-poll': longPollReceiver,
  sse: sseReceiver,
};

/** Opens `count` receivers, `concurrency` at a time. */
export async function openMany(c: Extract<Command, { cmd: 'open' }>): Promise<OpenResult> {
  startOpening();
  const open = RECEIVERS[c.transport];
  const t0 = performance.now();
  let opened = 0;
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < c.count) {
      next++;
      try {
        await open({ base: c.base, after: c.after, pollIntervalMs: c.pollIntervalMs, longPollTimeoutMs: c.longPollTimeoutMs });
        opened++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(c.concurrency, c.count)) }, lane));
  return { opened, failed, firstError, elapsedMs: performance.now() - t0 };
}

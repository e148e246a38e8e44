// pnpm docs:measure - the figures of chapter 1, measured against the real server.
//
// One receiving client per transport (the same clients the dashboard uses), one sender on a
// separate WebSocket. Phase 1: IDLE_MS with no messages (what does waiting cost?). Phase 2:
// MESSAGES messages, one every INTERVAL_MS (what does a delivered message cost?). Counts are
// the clients' own (requests, bytes up + down including HTTP and frame headers); latency is
// receive time minus the message's serverTime, on one machine clock.
//
// Writes docs/data/measured.json; the chapter's generated block renders it. Rerun by hand
// (the figures vary from run to run, so the check never reruns it).
import { writeFileSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { buildApp } from '../../apps/server/src/app.ts';
import { TRANSPORT_IDS, type TransportId } from '../../packages/transports/src/contract.ts';
import { createClient, type ClientCounters, type TransportClient } from '../../packages/transports/src/client/index.ts';
import { describeScenario } from './generators/measured.ts';

const IDLE_MS = 30_000;
const MESSAGES = 30;
const INTERVAL_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  const app = buildApp({ logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const lanes = new Map<TransportId, { client: TransportClient; latencies: number[] }>();
  for (const t of TRANSPORT_IDS) {
    const client = createClient(t, {
      baseUrl,
      name: t,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      EventSource: EventSource as unknown as typeof globalThis.EventSource,
      now: () => Date.now(),
    });
    const latencies: number[] = [];
    client.on('message', (m, at) => latencies.push(at - m.serverTime));
    client.connect();
    lanes.set(t, { client, latencies });
  }
  await sleep(2_000); // every lane connected and past its first poll
  const snap = () => new Map([...lanes].map(([t, l]) => [t, { ...l.client.getSnapshot().counters }] as [TransportId, ClientCounters]));

  const idleStart = snap();
  await sleep(IDLE_MS);
  const idleEnd = snap();

  const sender = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws/raw`);
  await new Promise((resolve, reject) => {
    sender.once('open', resolve);
    sender.once('error', reject);
  });
  const busyStart = snap();
  for (let i = 0; i < MESSAGES; i++) {
    sender.send(JSON.stringify({ type: 'send', text: `message ${i + 1}`, clientMsgId: `m${i}` }));
    await sleep(INTERVAL_MS);
  }
  await sleep(2_000);
  const busyEnd = snap();
  sender.close();

  const perMinute = 60_000 / IDLE_MS;
  const transports: Record<string, unknown> = {};
  for (const t of TRANSPORT_IDS) {
    const a = busyStart.get(t)!;
    const b = busyEnd.get(t)!;
    const i0 = idleStart.get(t)!;
    const i1 = idleEnd.get(t)!;
    transports[t] = {
      requests: b.requests - a.requests,
      bytes: b.bytesUp + b.bytesDown - a.bytesUp - a.bytesDown,
      delivered: b.messages - a.messages,
      idleRequests: Math.round((i1.requests - i0.requests) * perMinute),
      idleBytes: Math.round((i1.bytesUp + i1.bytesDown - i0.bytesUp - i0.bytesDown) * perMinute),
      latencyMedianMs: median(lanes.get(t)!.latencies.slice(-MESSAGES)),
    };
  }
  for (const { client } of lanes.values()) client.close();
  const closing = app.close();
  app.server.closeAllConnections();
  await closing;

  const out = {
    measuredAt: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${platform()} ${release()}, Node ${process.version}`,
    scenario: describeScenario({ idleMs: IDLE_MS, messages: MESSAGES, intervalMs: INTERVAL_MS }, 'en'),
    transports,
  };
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'measured.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${file}`);
  console.log(JSON.stringify(transports, null, 2));
}

void main();

// A room served by several built server processes (`node dist/main.js`) that share
// one real redis-server, with the request-by-request round-robin in front — what
// `pnpm start:cluster` runs, started and stopped by PID by the tests.
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { RoundRobin } from '../../src/cluster/round-robin.ts';
import type { ChatMessage, TransportId } from '@wirebench/transports/contract';
import { startServer, type ServerProcess } from '../helpers/process.ts';
import { RedisInstance } from '../helpers/redis.ts';

export const TEACHER_KEY = 'cluster-teacher-key-0123456789';

export interface Cluster {
  redis: RedisInstance;
  nodes: ServerProcess[];
  proxy: RoundRobin;
  url: string;
  stop(): Promise<void>;
}

/** Generous per-address budgets: behind one proxy every client has the proxy's address. */
const NODE_ENV = {
  TEACHER_KEY,
  LONG_POLL_TIMEOUT_MS: '5000',
  SEND_RATE_LIMIT: '100000',
  SEND_RATE_LIMIT_PER_ADDRESS: '100000',
  JOIN_RATE_LIMIT: '100000',
  MAX_CONNECTIONS_PER_ADDRESS: '10000',
};

export async function startCluster(count = 3): Promise<Cluster> {
  const redis = await RedisInstance.start({ persist: true });
  const nodes: ServerProcess[] = [];
  try {
    for (let i = 1; i <= count; i++) nodes.push(await startServer({ ...NODE_ENV, REDIS_URL: redis.url, NODE_ID: `node-${i}` }));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop('SIGKILL', 0)));
    await redis.stop();
    throw err;
  }
  const proxy = new RoundRobin(nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
  const { port } = await proxy.listen(0, '127.0.0.1');
  return {
    redis,
    nodes,
    proxy,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await proxy.close();
      await Promise.all(nodes.map((n) => n.stop('SIGKILL', 0)));
      await redis.stop();
    },
  };
}

export async function waitFor(label: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000, detail?: () => unknown): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}${detail ? `: ${JSON.stringify(detail())}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What these tests use of a browser client (packages/transports/src/client). */
interface TransportClient {
  connect(): void;
  close(): void;
  send(text: string): string;
  on(event: 'message', fn: (m: ChatMessage) => void): unknown;
  on(event: 'error', fn: (e: { code: string }) => void): unknown;
  getSnapshot(): { status: string; epoch: string | null };
}

// Loaded by name at run time: the clients are typechecked by their own package (with the
// DOM's iterable Headers), not again under the server's compiler settings.
const clientModule = '@wirebench/transports/client';
const { createClient } = (await import(clientModule)) as { createClient(transport: TransportId, options: object): TransportClient };

export interface Lane {
  transport: TransportId;
  client: TransportClient;
  received: ChatMessage[];
  errors: string[];
}

/** One client of a transport, as the dashboard's lane runs it, pointed at `url`. */
export function lane(transport: TransportId, url: string): Lane {
  const client = createClient(transport, {
    baseUrl: url,
    name: transport,
    pollIntervalMs: 50,
    longPollTimeoutMs: 5_000,
    backoff: { initialMs: 20, maxMs: 300 },
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: EventSource as unknown as typeof globalThis.EventSource,
  });
  const received: ChatMessage[] = [];
  const errors: string[] = [];
  client.on('message', (m) => received.push(m));
  client.on('error', (e) => errors.push(e.code));
  return { transport, client, received, errors };
}

/** Seqs of a lane that go up by exactly one: no gap, no duplicate, no reordering. */
export function gaps(seqs: number[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < seqs.length; i++) if (seqs[i] !== seqs[i - 1]! + 1) out.push(`${seqs[i - 1]} then ${seqs[i]}`);
  return out;
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any; node: string | null }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json(), node: res.headers.get('x-wirebench-node') };
}

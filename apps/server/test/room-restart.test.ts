// CONTRACT v2 "the epoch" with a room on a real Redis that loses its data while the process
// keeps running: the fan-out starts again by itself (FanOut.restart) — WebSockets closed with
// 1012, streams ended, held polls answered with the new epoch — and each transport's client
// sees SERVER_RESTARTED and follows the new room from seq 1, with no message of the old one.
import { EventSource } from 'eventsource';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ChatMessage, TransportId } from '@wirebench/transports/contract';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { connectRedisRoom } from '../src/cluster/room.ts';
import { defaultConfig } from '../src/config.ts';
import type { RedisRoom } from '../src/room/redis-room.ts';
import { appPool, ONE_ADDRESS_CLASS, openChat, SseReader, until } from './helpers/contract.ts';
import { RedisInstance, stopAllRedis } from './helpers/redis.ts';

interface Client {
  connect(): void;
  close(): void;
  send(text: string): string;
  on(event: 'message', fn: (m: ChatMessage, at: number, delivery: { epoch: string | null }) => void): unknown;
  on(event: 'error', fn: (e: { code: string }) => void): unknown;
  getSnapshot(): { status: string; epoch: string | null };
}
const clientModule = '@wirebench/transports/client';
const { createClient } = (await import(clientModule)) as { createClient(transport: TransportId, options: object): Client };

const pool = appPool();
const rooms: RedisRoom[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await pool.closeAll();
  await Promise.all(rooms.splice(0).map((r) => r.close()));
});
afterAll(() => stopAllRedis());

interface Lane {
  transport: TransportId;
  client: Client;
  received: Array<{ message: ChatMessage; epoch: string | null }>;
  errors: string[];
}

function lane(transport: TransportId, url: string): Lane {
  const client = createClient(transport, {
    baseUrl: url,
    name: transport,
    pollIntervalMs: 100,
    longPollTimeoutMs: 10_000,
    backoff: { initialMs: 20, maxMs: 300 },
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: EventSource as unknown as typeof globalThis.EventSource,
  });
  clients.push(client);
  const received: Lane['received'] = [];
  const errors: string[] = [];
  client.on('message', (message, _at, delivery) => received.push({ message, epoch: delivery.epoch }));
  client.on('error', (e) => errors.push(e.code));
  return { transport, client, received, errors };
}

async function roomOnRedis(redis: RedisInstance) {
  const config = { ...defaultConfig, ...ONE_ADDRESS_CLASS, redisUrl: redis.url, nodeId: 'n1', sendRateLimit: 100_000 };
  const room = await connectRedisRoom(config, () => {});
  rooms.push(room);
  return pool.listening(config, { room });
}

describe('the room on Redis starts again while the process runs', () => {
  it('every transport sees the new epoch and continues from seq 1, no stale message; streams get 1012, held polls an answer', async () => {
    const redis = await RedisInstance.start();
    const { url } = await roomOnRedis(redis);
    const lanes = TRANSPORT_IDS.map((t) => lane(t, url));
    for (const l of lanes) l.client.connect();
    await until(() => lanes.every((l) => l.client.getSnapshot().status === 'open'), 'every lane open');
    for (let i = 0; i < 3; i++) lanes[i]!.client.send(`old ${i}`);
    await until(() => lanes.every((l) => l.received.length === 3), 'the old room on every lane');
    const before = lanes[0]!.client.getSnapshot().epoch!;

    // Raw peers that watch the goodbyes: a WebSocket, an SSE stream, a held long poll.
    const { peer } = await openChat(`${url.replace('http', 'ws')}/ws/raw?after=3&epoch=${before}`);
    const sse = new SseReader(`${url}/api/events?after=3&epoch=${before}`);
    await sse.waitFor(1);
    const held = fetch(`${url}/api/longpoll?after=3&epoch=${before}&timeout=30000`).then((r) => r.json());

    await redis.restart({ keepData: false });

    expect(await peer.closed).toEqual({ code: 1012, reason: 'room restarted' });
    expect(await sse.ended).toBe('end');
    const answer = await held;
    expect(answer.messages).toEqual([]);
    expect(answer.epoch).not.toBe(before);
    expect(answer.lastSeq).toBe(0);
    const after = answer.epoch as string;

    await until(() => lanes.every((l) => l.client.getSnapshot().epoch === after && l.client.getSnapshot().status === 'open'), 'every lane in the new room', 4_000);
    for (let i = 0; i < 10; i++) lanes[i % lanes.length]!.client.send(`new ${i}`);
    await until(() => lanes.every((l) => l.received.filter((r) => r.epoch === after).length >= 10), 'the new room on every lane', 4_000);
    await new Promise((r) => setTimeout(r, 300)); // anything stale would arrive by now
    for (const l of lanes) {
      expect(l.errors, l.transport).toContain('SERVER_RESTARTED');
      const fresh = l.received.filter((r) => r.epoch === after).map((r) => r.message);
      expect(fresh.map((m) => m.seq), `${l.transport}: the new room from seq 1`).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(fresh.map((m) => m.text).sort(), `${l.transport}: no message of the old room`).toEqual(Array.from({ length: 10 }, (_, i) => `new ${i}`).sort());
      expect(l.received.filter((r) => r.epoch === before).map((r) => r.message.text), l.transport).toEqual(['old 0', 'old 1', 'old 2']);
    }
    // The server's own view: the new epoch, and a poll from the start holds the new messages only.
    const poll = await (await fetch(`${url}/api/poll?after=0`)).json();
    expect(poll.epoch).toBe(after);
    expect(poll.messages.map((m: ChatMessage) => m.text).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `new ${i}`).sort());
  }, 40_000);
});

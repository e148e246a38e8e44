// The five clients against the real server, in Node: one room, every lane sees every
// message in the same seq order, and cuts on either side heal without a gap or a duplicate.
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../../../../apps/server/src/app.ts';
import { TRANSPORT_IDS, type ChatMessage, type TransportId } from '../../src/contract.ts';
import { createClient, type TransportClient } from '../../src/client/index.ts';

let app: ReturnType<typeof buildApp>;
let baseUrl: string;

beforeAll(async () => {
  app = buildApp({ longPollTimeoutMs: 5_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (!app) return;
  // Node's fetch may keep the socket of an aborted held long poll open until the server
  // answers it (up to the hold); end every connection so teardown does not wait for that.
  const closing = app.close();
  app.server.closeAllConnections();
  await closing;
});

async function waitFor(label: string, condition: () => boolean, timeoutMs = 15_000, detail?: () => unknown): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}${detail ? `: ${JSON.stringify(detail())}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Lane {
  transport: TransportId;
  client: TransportClient;
  received: ChatMessage[];
  errors: string[];
}

function lane(transport: TransportId, url = baseUrl): Lane {
  const client = createClient(transport, {
    baseUrl: url,
    name: transport,
    pollIntervalMs: 50,
    longPollTimeoutMs: 5_000,
    backoff: { initialMs: 20, maxMs: 200 },
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: EventSource as unknown as typeof globalThis.EventSource,
  });
  const received: ChatMessage[] = [];
  const errors: string[] = [];
  client.on('message', (m) => received.push(m));
  client.on('error', (e) => errors.push(e.code));
  return { transport, client, received, errors };
}

function expectInOrder(l: Lane, count: number): void {
  const seqs = l.received.map((m) => m.seq);
  expect(seqs, l.transport).toEqual(Array.from({ length: count }, (_, i) => i + 1));
}

describe('five transports, one room (real server)', () => {
  it('delivers every message to every lane once, in seq order, across client and server cuts', async () => {
    const lanes = TRANSPORT_IDS.map((t) => lane(t));
    for (const l of lanes) l.client.connect();
    await waitFor('all lanes open', () => lanes.every((l) => l.client.getSnapshot().status === 'open'));

    // 200 messages at once, spread over the five lanes.
    const sent = new Map<string, string>();
    for (let i = 0; i < 200; i++) {
      const l = lanes[i % lanes.length]!;
      const text = `m${i} via ${l.transport}`;
      sent.set(l.client.send(text), text);
    }
    await waitFor('200 messages everywhere', () => lanes.every((l) => l.received.length >= 200 && l.client.getSnapshot().pendingSends === 0));
    for (const l of lanes) expectInOrder(l, 200);
    const reference = lanes[0]!.received.map((m) => `${m.seq}:${m.clientMsgId}:${m.text}`);
    for (const l of lanes) expect(l.received.map((m) => `${m.seq}:${m.clientMsgId}:${m.text}`), l.transport).toEqual(reference);
    expect(new Set(reference.map((r) => r.split(':')[2])).size).toBe(200);
    for (const m of lanes[0]!.received) expect(sent.get(m.clientMsgId!)).toBe(m.text);
    expect(new Set(lanes[0]!.received.map((m) => m.via))).toEqual(new Set(TRANSPORT_IDS));

    // More traffic while every lane is cut once on its side and once by the server.
    const cutResults: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 10; i++) {
        const l = lanes[(round + i) % lanes.length]!;
        const text = `r${round}-${i} via ${l.transport}`;
        sent.set(l.client.send(text), text);
      }
      const target = lanes[round % lanes.length]!;
      if (round < 5) {
        target.client.cut();
      } else {
        // A client may cut itself with its own secret (CONTRACT v2 "identity").
        const identity = target.client.identity()!;
        expect(identity.clientId).toBe(target.client.getSnapshot().clientId);
        const answer = await fetch(`${baseUrl}/api/debug/cut`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(identity),
        });
        expect(answer.status).toBe(200);
        cutResults.push(((await answer.json()) as { cut: number }).cut);
      }
      await sleep(15);
    }
    await waitFor('300 messages everywhere', () => lanes.every((l) => l.received.length >= 300 && l.client.getSnapshot().pendingSends === 0));
    await sleep(100); // anything late would be a duplicate
    for (const l of lanes) expectInOrder(l, 300);
    const all = lanes[0]!.received.map((m) => `${m.seq}:${m.clientMsgId}`);
    for (const l of lanes) expect(l.received.map((m) => `${m.seq}:${m.clientMsgId}`), l.transport).toEqual(all);
    expect(new Set(lanes[0]!.received.map((m) => m.clientMsgId)).size).toBe(300);
    for (const m of lanes[0]!.received) expect(sent.get(m.clientMsgId!)).toBe(m.text);
    // Every lane went through the reconnect path (a server-side cut of a short-poll lane
    // drops nothing by itself: it holds no connection between polls).
    for (const l of lanes) expect(l.client.getSnapshot().counters.reconnects, l.transport).toBeGreaterThanOrEqual(1);
    expect(cutResults).toHaveLength(5);

    // The server's own log agrees.
    const log = (await (await fetch(`${baseUrl}/api/poll?after=0`)).json()) as { messages: ChatMessage[]; lastSeq: number };
    expect(log.lastSeq).toBe(300);
    expect(log.messages.map((m) => m.clientMsgId)).toEqual(lanes[0]!.received.map((m) => m.clientMsgId));
    for (const l of lanes) l.client.close();
  });

  it('follows a server restart on every lane: SERVER_RESTARTED, rejoin, then the new room', async () => {
    const first = buildApp({ longPollTimeoutMs: 5_000 });
    await first.listen({ host: '127.0.0.1', port: 0 });
    const port = (first.server.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    const lanes = TRANSPORT_IDS.map((t) => lane(t, url));
    for (const l of lanes) l.client.connect();
    let second: ReturnType<typeof buildApp> | null = null;
    try {
      await waitFor('all lanes open', () => lanes.every((l) => l.client.getSnapshot().status === 'open'));
      for (const l of lanes) for (let i = 0; i < 4; i++) l.client.send(`before ${l.transport} ${i}`);
      await waitFor('20 messages everywhere', () => lanes.every((l) => l.received.length === 20 && l.client.getSnapshot().pendingSends === 0));

      const closing = first.close();
      first.server.closeAllConnections();
      await closing;
      second = buildApp({ longPollTimeoutMs: 5_000 });
      await second.listen({ host: '127.0.0.1', port });

      lanes[0]!.client.send('first after restart');
      const state = () => lanes.map((l) => ({ ...l.client.getSnapshot(), got: l.received.slice(20).map((m) => m.seq), errors: l.errors }));
      await waitFor('the new room reaches every lane', () => lanes.every((l) => l.received.some((m) => m.text === 'first after restart')), 15_000, state);
      for (const l of lanes) l.client.send(`after ${l.transport}`);
      await waitFor('6 new messages everywhere', () => lanes.every((l) => l.received.length === 26 && l.client.getSnapshot().pendingSends === 0));
      await sleep(100);
      for (const l of lanes) {
        expect(l.errors.filter((c) => c === 'SERVER_RESTARTED').length, l.transport).toBeGreaterThanOrEqual(1);
        expect(l.received.slice(20).map((m) => m.seq), l.transport).toEqual([1, 2, 3, 4, 5, 6]);
        expect(l.received.slice(20).map((m) => m.clientMsgId), l.transport).toEqual(lanes[0]!.received.slice(20).map((m) => m.clientMsgId));
        expect(l.client.getSnapshot().lastSeq, l.transport).toBe(6);
      }
    } finally {
      for (const l of lanes) l.client.close();
      for (const server of [first, second]) {
        if (server === null) continue;
        const closing = server.close();
        server.server.closeAllConnections();
        await closing;
      }
    }
  });

  it('a restart whose new room already passed the old cursor: the epoch tells, every lane takes the new room from seq 1', async () => {
    const first = buildApp({ longPollTimeoutMs: 5_000 });
    await first.listen({ host: '127.0.0.1', port: 0 });
    const port = (first.server.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    const lanes = TRANSPORT_IDS.map((t) => lane(t, url));
    for (const l of lanes) l.client.connect();
    let second: ReturnType<typeof buildApp> | null = null;
    try {
      await waitFor('all lanes open', () => lanes.every((l) => l.client.getSnapshot().status === 'open'));
      for (const l of lanes) l.client.send(`before ${l.transport}`);
      await waitFor('5 messages everywhere', () => lanes.every((l) => l.received.length === 5 && l.client.getSnapshot().pendingSends === 0));

      const closing = first.close();
      first.server.closeAllConnections();
      await closing;
      // The new room holds 12 messages before any lane is back: more than their cursor (5).
      second = buildApp({ longPollTimeoutMs: 5_000 });
      await second.ready();
      const join = (await second.inject({ method: 'POST', url: '/api/join', payload: { name: 'early' } })).json() as {
        clientId: string;
        clientSecret?: string;
      };
      for (let i = 0; i < 12; i++) {
        const posted = await second.inject({
          method: 'POST',
          url: '/api/messages',
          payload: { clientId: join.clientId, clientSecret: join.clientSecret, text: `early ${i}`, clientMsgId: `early-${i}` },
        });
        expect(posted.statusCode).toBe(201);
      }
      await second.listen({ host: '127.0.0.1', port });

      const state = () => lanes.map((l) => ({ ...l.client.getSnapshot(), got: l.received.slice(5).map((m) => m.seq), errors: l.errors }));
      await waitFor('the new room from seq 1 on every lane', () => lanes.every((l) => l.received.length >= 17), 15_000, state);
      for (const l of lanes) l.client.send(`after ${l.transport}`);
      await waitFor('5 more everywhere', () => lanes.every((l) => l.received.length === 22 && l.client.getSnapshot().pendingSends === 0), 15_000, state);
      await sleep(100);
      for (const l of lanes) {
        expect(l.errors.filter((c) => c === 'SERVER_RESTARTED'), l.transport).toEqual(['SERVER_RESTARTED']);
        expect(l.received.slice(5).map((m) => m.seq), l.transport).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
        expect(l.received.slice(5, 17).map((m) => m.text), l.transport).toEqual(Array.from({ length: 12 }, (_, i) => `early ${i}`));
        expect(l.client.getSnapshot().lastSeq, l.transport).toBe(17);
      }
    } finally {
      for (const l of lanes) l.client.close();
      for (const server of [first, second]) {
        if (server === null) continue;
        const closing = server.close();
        server.server.closeAllConnections();
        await closing;
      }
    }
  });

  it('closing or cutting WebSocket lanes while they are still connecting raises nothing', async () => {
    const lanes = (['ws-raw', 'ws-lib'] as const).flatMap((t) => [lane(t), lane(t), lane(t)]);
    for (const l of lanes) l.client.connect();
    lanes[0]!.client.close();
    lanes[1]!.client.cut();
    lanes[2]!.client.pause();
    lanes[3]!.client.close();
    lanes[4]!.client.cut();
    lanes[5]!.client.pause();
    await waitFor('cut lanes back', () => [lanes[1]!, lanes[4]!].every((l) => l.client.getSnapshot().status === 'open'));
    await sleep(50);
    expect(lanes.map((l) => l.client.getSnapshot().status)).toEqual(['closed', 'open', 'paused', 'closed', 'open', 'paused']);
    for (const l of lanes) l.client.close();
  });
});

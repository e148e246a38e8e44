// The five clients against the real server when the teacher acts (CONTRACT v2 "the teacher"):
// a removed client stops on every transport, a locked room turns new clients away without
// a retry loop, and the secret a client was given is what lets it cut itself.
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../../../../apps/server/src/app.ts';
import { TRANSPORT_IDS, type TransportId } from '../../src/contract.ts';
import { createClient, type TransportClient } from '../../src/client/index.ts';

const TEACHER_KEY = 'teacher-key-for-client-tests';
let app: ReturnType<typeof buildApp>;
let baseUrl: string;
const clients: TransportClient[] = [];

beforeAll(async () => {
  app = buildApp({ longPollTimeoutMs: 5_000, teacherKey: TEACHER_KEY });
  await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const client of clients) client.close();
  if (!app) return;
  const closing = app.close();
  app.server.closeAllConnections();
  await closing;
});

async function waitFor(label: string, condition: () => boolean, detail?: () => unknown): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}${detail ? `: ${JSON.stringify(detail())}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function lane(transport: TransportId) {
  const client = createClient(transport, {
    baseUrl,
    name: `student on ${transport}`,
    pollIntervalMs: 50,
    longPollTimeoutMs: 5_000,
    backoff: { initialMs: 20, maxMs: 200 },
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: EventSource as unknown as typeof globalThis.EventSource,
  });
  clients.push(client);
  const errors: string[] = [];
  client.on('error', (e) => errors.push(e.code));
  return { transport, client, errors };
}

async function teacher(path: string, body?: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEACHER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
}

/** The client's request count holds still for a while: no retry loop. */
async function expectQuiet(client: TransportClient): Promise<void> {
  const before = client.getSnapshot().counters.requests;
  await sleep(600); // three times the longest backoff step these clients take
  expect(client.getSnapshot().counters.requests, client.transport).toBe(before);
}

describe('the teacher acts on real clients (real server)', () => {
  it('a removed client stops on every transport: one CLIENT_REMOVED, status removed, its sends refused', async () => {
    const lanes = TRANSPORT_IDS.map(lane);
    for (const l of lanes) l.client.connect();
    await waitFor('all lanes open', () => lanes.every((l) => l.client.getSnapshot().status === 'open'));
    for (const l of lanes) l.client.send(`hello from ${l.transport}`);
    await waitFor('sends confirmed', () => lanes.every((l) => l.client.getSnapshot().pendingSends === 0));

    for (const l of lanes) {
      const answer = await teacher(`/api/clients/${encodeURIComponent(l.client.getSnapshot().clientId!)}/remove`);
      expect(answer.status, l.transport).toBe(200);
    }
    // Sockets learn it from the close (1008 removed); the HTTP lanes at the latest on their next send.
    for (const l of lanes) if (l.client.getSnapshot().status !== 'removed') l.client.send(`after removal via ${l.transport}`);
    const state = () => lanes.map((l) => ({ t: l.transport, s: l.client.getSnapshot().status, e: l.errors }));
    await waitFor('every lane removed', () => lanes.every((l) => l.client.getSnapshot().status === 'removed'), state);
    for (const l of lanes) {
      expect(l.errors.filter((c) => c === 'CLIENT_REMOVED'), l.transport).toEqual(['CLIENT_REMOVED']);
      expect(l.client.identity(), l.transport).toBeNull();
      expect(() => l.client.send('x'), l.transport).toThrow(/removed/);
    }
    await Promise.all(lanes.map((l) => expectQuiet(l.client)));
    const log = (await (await fetch(`${baseUrl}/api/poll?after=0`)).json()) as { messages: Array<{ text: string }> };
    expect(log.messages.filter((m) => m.text.startsWith('after removal'))).toEqual([]);
  });

  it('a locked room turns new clients away on every transport without a loop; unlocked, connect() gets in', async () => {
    expect((await teacher('/api/room/lock', { locked: true })).status).toBe(200);
    try {
      const lanes = TRANSPORT_IDS.map(lane);
      for (const l of lanes) l.client.connect();
      const state = () => lanes.map((l) => ({ t: l.transport, s: l.client.getSnapshot().status, e: l.errors }));
      await waitFor('every lane locked out', () => lanes.every((l) => l.client.getSnapshot().status === 'locked'), state);
      for (const l of lanes) {
        expect(l.errors.filter((c) => c === 'ROOM_LOCKED'), l.transport).toEqual(['ROOM_LOCKED']);
        expect(l.client.getSnapshot().clientId, l.transport).toBeNull();
      }
      await Promise.all(lanes.map((l) => expectQuiet(l.client)));

      expect((await teacher('/api/room/lock', { locked: false })).status).toBe(200);
      for (const l of lanes) l.client.connect();
      await waitFor('every lane in', () => lanes.every((l) => l.client.getSnapshot().status === 'open'), state);
    } finally {
      await teacher('/api/room/lock', { locked: false });
    }
  });

  it('a client cuts itself with its own secret; without it, or with another client\'s, it is refused', async () => {
    const [mine, other] = [lane('ws-raw'), lane('sse')];
    mine.client.connect();
    other.client.connect();
    await waitFor('both open', () => [mine, other].every((l) => l.client.getSnapshot().status === 'open'));
    const me = mine.client.identity()!;
    const post = (body: unknown) =>
      fetch(`${baseUrl}/api/debug/cut`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ clientId: me.clientId })).status).toBe(401);
    expect((await post({ clientId: me.clientId, clientSecret: other.client.identity()!.clientSecret })).status).toBeGreaterThanOrEqual(401);
    expect(mine.client.getSnapshot().counters.reconnects).toBe(0);
    expect((await post(me)).status).toBe(200);
    await waitFor('reconnected with the same identity', () => mine.client.getSnapshot().counters.reconnects === 1 && mine.client.getSnapshot().status === 'open');
    expect(mine.client.identity()).toEqual(me);
  });
});

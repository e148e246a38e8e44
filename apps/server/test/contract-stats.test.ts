// CONTRACT.md GET /api/stats: every transport id with connections, requests,
// bytesIn, bytesOut, delivered; "requests counts HTTP requests, WebSocket
// handshakes and SSE stream openings"; room.lastSeq; echo not counted (in
// contract-ws-handshake). Real sockets throughout: the bytes are the wire's.
import { afterEach, describe, expect, it } from 'vitest';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { appPool, fetchJson, openChat, SseReader, stats, until, type Json, type Started } from './helpers/contract.ts';

// Join and send over real sockets too: the counters are about the wire.
const join = async (s: Started): Promise<Json> => (await fetchJson(`${s.url}/api/join`, {})).body;
const send = async (s: Started, clientId: string, text: string): Promise<Json> =>
  (await fetchJson(`${s.url}/api/messages`, { clientId, text })).body.message;

const pool = appPool();
afterEach(() => pool.closeAll());

const COUNTERS = ['connections', 'requests', 'bytesIn', 'bytesOut', 'delivered'];

describe('GET /api/stats', () => {
  it('lists every transport id with the five counters, and the room', async () => {
    const { url } = await pool.listening();
    const res = await fetch(`${url}/api/stats`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body.transports).sort()).toEqual([...TRANSPORT_IDS].sort());
    for (const id of TRANSPORT_IDS) {
      for (const c of COUNTERS) {
        expect(Number.isInteger(body.transports[id][c]), `${id}.${c}`).toBe(true);
        expect(body.transports[id][c]).toBeGreaterThanOrEqual(0);
      }
    }
    expect(body.room).toMatchObject({ lastSeq: 0 });
    expect(Number.isInteger(body.room.clients)).toBe(true);
  });

  it('room.lastSeq follows the room', async () => {
    const s = await pool.listening();
    const { app } = s;
    const { clientId } = await join(s);
    for (let i = 0; i < 3; i++) await send(s, clientId, `m${i}`);
    expect((await stats(app)).room.lastSeq).toBe(3);
  });

  it('short polls grow short-poll requests, bytes and delivered', async () => {
    const s = await pool.listening();
    const { app, url } = s;
    const { clientId } = await join(s);
    await send(s, clientId, 'a');
    await send(s, clientId, 'b');
    const before = (await stats(app)).transports['short-poll'];
    const body = await (await fetch(`${url}/api/poll?after=0`)).json();
    expect(body.messages).toHaveLength(2);
    const after = (await stats(app)).transports['short-poll'];
    expect(after.requests).toBe(before.requests + 1);
    expect(after.bytesIn).toBeGreaterThan(before.bytesIn);
    expect(after.bytesOut).toBeGreaterThan(before.bytesOut);
    expect(after.delivered).toBe(before.delivered + 2);
  });

  it('long polls grow long-poll requests, bytes and delivered', async () => {
    const s = await pool.listening();
    const { app, url } = s;
    const { clientId } = await join(s);
    await send(s, clientId, 'a');
    const before = (await stats(app)).transports['long-poll'];
    const body = await (await fetch(`${url}/api/longpoll?after=0`)).json();
    expect(body.messages).toHaveLength(1);
    await until(async () => (await stats(app)).transports['long-poll'].connections === before.connections, 'the poll to end');
    const after = (await stats(app)).transports['long-poll'];
    expect(after.requests).toBe(before.requests + 1);
    expect(after.bytesIn).toBeGreaterThan(before.bytesIn);
    expect(after.bytesOut).toBeGreaterThan(before.bytesOut);
    expect(after.delivered).toBe(before.delivered + 1);
  });

  it('an SSE stream is one request and one connection while open; each event is delivered', async () => {
    const s = await pool.listening();
    const { app, url } = s;
    const { clientId } = await join(s);
    await send(s, clientId, 'history');
    const before = (await stats(app)).transports.sse;
    const reader = new SseReader(`${url}/api/events`);
    await reader.waitFor(2);
    await send(s, clientId, 'live');
    await reader.waitFor(3);
    const during = (await stats(app)).transports.sse;
    expect(during.requests).toBe(before.requests + 1);
    expect(during.connections).toBe(before.connections + 1);
    expect(during.delivered).toBe(before.delivered + 2);
    expect(during.bytesIn).toBeGreaterThan(before.bytesIn);
    expect(during.bytesOut).toBeGreaterThan(before.bytesOut);
    reader.close();
    await until(async () => (await stats(app)).transports.sse.connections === before.connections, 'the stream to be released');
  });

  it.each(['ws-raw', 'ws-lib'] as const)('%s: a peer that vanishes without a close frame stops counting as a connection', async (id) => {
    const s = await pool.listening();
    const path = id === 'ws-raw' ? '/ws/raw' : '/ws/lib';
    const { peer } = await openChat(`ws://${s.host}${path}`);
    expect((await stats(s.app)).transports[id].connections).toBe(1);
    peer.ws.terminate(); // TCP goes away, no close frame
    let last: Json;
    await until(async () => {
      last = (await stats(s.app)).transports[id].connections;
      return last === 0;
    }, `${id} connections to drop to 0`, 300).catch(() => undefined);
    expect(last).toBe(0);
    // The room does not try to deliver to it any more.
    const { clientId } = await join(s);
    expect((await send(s, clientId, 'anyone?')).seq).toBe(1);
  });

  it('/api/stats and /healthz themselves do not count for a transport', async () => {
    const { app, url } = await pool.listening();
    const before = (await stats(app)).transports;
    await fetch(`${url}/healthz`);
    await fetch(`${url}/api/stats`);
    expect((await stats(app)).transports).toEqual(before);
  });
});

// The Wirebench extensions (packages/transports/src/contract.ts, bottom):
// GET /api/info, POST /api/debug/delay, POST /api/debug/cut, GET /api/inspect,
// `clientId` on polls and streams, `via` in the join body.
import { afterEach, describe, expect, it } from 'vitest';
import { appPool, asTeacher, call, expectError, identityQuery, join, openChat, send, SseReader, stats, until, type WsPeer } from './helpers/contract.ts';

const pool = appPool();
const peers: WsPeer[] = [];
const readers: SseReader[] = [];
afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await pool.closeAll();
});
async function chat(url: string, replay = 0) {
  const c = await openChat(url, replay);
  peers.push(c.peer);
  return c;
}
function sse(url: string): SseReader {
  const r = new SseReader(url);
  readers.push(r);
  return r;
}

describe('GET /api/info', () => {
  it('reports version, join URLs and the effective limits', async () => {
    const s = await pool.listening({ historyLimit: 7, retainLimit: 70, sendRateLimit: 9, longPollTimeoutMs: 1234, maxTextLength: 55 });
    const res = await call(s.app, 'GET', '/api/info');
    expect(res.status).toBe(200);
    expect(typeof res.body.version).toBe('string');
    expect(Array.isArray(res.body.joinUrls)).toBe(true);
    expect(res.body.config).toEqual({ longPollTimeoutMs: 1234, historyLimit: 7, retainLimit: 70, maxTextLength: 55, sendRateLimit: 9 });
  });
});

describe('GET /api/stats serverTime', () => {
  it("carries the server's clock when it answered, for a page's offset estimate", async () => {
    const s = await pool.listening({});
    const before = Date.now();
    const res = await call(s.app, 'GET', '/api/stats');
    const after = Date.now();
    expect(res.status).toBe(200);
    expect(res.body.serverTime).toBeGreaterThanOrEqual(before);
    expect(res.body.serverTime).toBeLessThanOrEqual(after);
  });
});

describe('POST /api/join via', () => {
  it('takes an HTTP lane id and refuses anything else with 400 INVALID_BODY', async () => {
    const app = pool.fresh();
    expect((await call(app, 'POST', '/api/join', { via: 'sse' })).status).toBe(201);
    expect((await call(app, 'POST', '/api/join', { name: 'x', via: 'long-poll' })).status).toBe(201);
    expectError(await call(app, 'POST', '/api/join', { via: 'ws-raw' }), 400, 'INVALID_BODY');
    expectError(await call(app, 'POST', '/api/join', { via: 'pigeon' }), 400, 'INVALID_BODY');
  });
});

describe('POST /api/debug/delay', () => {
  it('answers { clientId, ms }; unknown client 404 UNKNOWN_CLIENT; bad ms 400', async () => {
    const app = pool.fresh();
    const { clientId } = await join(app);
    const res = await call(app, 'POST', '/api/debug/delay', { clientId, ms: 250 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ clientId, ms: 250 });
    expectError(await call(app, 'POST', '/api/debug/delay', { clientId: 'nobody', ms: 10 }, asTeacher), 404, 'UNKNOWN_CLIENT');
    expectError(await call(app, 'POST', '/api/debug/delay', { clientId, ms: -1 }), 400);
    expectError(await call(app, 'POST', '/api/debug/delay', { clientId, ms: 'soon' }), 400);
    expectError(await call(app, 'POST', '/api/debug/delay', { clientId, ms: 10_001 }), 400);
  });

  it('delays delivery to that client only (WebSocket and SSE)', async () => {
    const s = await pool.listening();
    const slow = await join(s.app);
    const sender = await join(s.app);
    const slowWs = await chat(`ws://${s.host}/ws/lib?${identityQuery(slow.clientId)}`);
    const fastWs = await chat(`ws://${s.host}/ws/raw`);
    const slowSse = sse(`${s.url}/api/events?${identityQuery(slow.clientId)}`);
    const fastSse = sse(`${s.url}/api/events`);
    await slowSse.waitFor(1);
    await fastSse.waitFor(1);
    await call(s.app, 'POST', '/api/debug/delay', { clientId: slow.clientId, ms: 600 });
    const m = await send(s.app, sender.clientId, 'who gets it first?');
    expect(await fastWs.peer.next()).toEqual(m);
    await fastSse.waitFor(2);
    // The fast lanes have it; the delayed client's lanes do not yet.
    expect(slowWs.peer.pending).toBe(0);
    expect(slowSse.events.length).toBe(1);
    expect(await slowWs.peer.next()).toEqual(m);
    await slowSse.waitFor(2);
    expect(slowSse.messages()).toEqual([m]);
    // ms: 0 removes the delay.
    await call(s.app, 'POST', '/api/debug/delay', { clientId: slow.clientId, ms: 0 });
    const m2 = await send(s.app, sender.clientId, 'now together');
    expect(await slowWs.peer.next()).toEqual(m2);
  });
});

describe('POST /api/debug/cut', () => {
  it("drops that client's WebSockets, SSE stream and held long poll, and nobody else's", async () => {
    const s = await pool.listening({ longPollTimeoutMs: 60_000 });
    const victim = await join(s.app);
    const other = await join(s.app);
    const raw = await chat(`ws://${s.host}/ws/raw?${identityQuery(victim.clientId)}`);
    const lib = await chat(`ws://${s.host}/ws/lib?${identityQuery(victim.clientId)}`);
    const bystander = await chat(`ws://${s.host}/ws/raw?${identityQuery(other.clientId)}`);
    const stream = sse(`${s.url}/api/events?${identityQuery(victim.clientId)}`);
    const otherStream = sse(`${s.url}/api/events?${identityQuery(other.clientId)}`);
    await stream.waitFor(1);
    await otherStream.waitFor(1);
    // The cut may send the answer's status line and headers before it drops the connection:
    // the body is read inside the chain, so a dropped body fails the poll as a dropped answer does.
    const poll = fetch(`${s.url}/api/longpoll?after=0&clientId=${victim.clientId}`)
      .then((r) => r.text())
      .then(
        (body) => ({ ok: true as const, body }),
        () => ({ ok: false as const }),
      );
    await until(async () => (await stats(s.app)).transports['long-poll'].connections === 1, 'the poll to be held');

    const res = await call(s.app, 'POST', '/api/debug/cut', { clientId: victim.clientId });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ clientId: victim.clientId, cut: 4 });

    expect((await raw.peer.closed).code).toBe(1006); // no close frame: a network failure
    expect((await lib.peer.closed).code).toBe(1006);
    expect(await stream.ended).toBe('error');
    expect((await poll).ok).toBe(false);

    const m = await send(s.app, other.clientId, 'still here');
    expect(await bystander.peer.next()).toEqual(m);
    await otherStream.waitFor(2);
    expect(otherStream.messages()).toEqual([m]);
  });

  it('unknown clientId is 404 UNKNOWN_CLIENT', async () => {
    const app = pool.fresh();
    expectError(await call(app, 'POST', '/api/debug/cut', { clientId: 'nobody' }, asTeacher), 404, 'UNKNOWN_CLIENT');
    expectError(await call(app, 'POST', '/api/debug/cut', {}), 400, 'INVALID_BODY');
  });
});

describe('GET /api/inspect', () => {
  it("streams the client's hand-rolled WebSocket handshake and frames", async () => {
    const s = await pool.listening();
    const { clientId } = await join(s.app);
    const c = await chat(`ws://${s.host}/ws/raw?${identityQuery(clientId)}`);
    const feed = sse(`${s.url}/api/inspect?${identityQuery(clientId)}`);
    const res = await feed.response;
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    c.peer.sendJson({ type: 'send', text: 'inspect me' });
    await until(() => feed.events.some((e) => JSON.parse(e.data).kind === 'frame' && JSON.parse(e.data).direction === 'in'), 'an inbound frame');
    const events = feed.events.map((e) => JSON.parse(e.data));
    const handshake = events.find((e) => e.kind === 'handshake');
    expect(handshake.response.status).toBe(101);
    expect(handshake.accept.accept).toBe(handshake.response.headers.find(([k]: [string]) => k.toLowerCase() === 'sec-websocket-accept')[1]);
    const inbound = events.find((e) => e.kind === 'frame' && e.direction === 'in');
    expect(inbound).toMatchObject({ opcode: 1, masked: true, fin: true });
    expect(inbound.text).toContain('inspect me');
  });

  it('a compressed chat connection (?compress=1) shows RSV1 frames with what they inflated to, both ways', async () => {
    const s = await pool.listening();
    const { clientId } = await join(s.app);
    const c = await chat(`ws://${s.host}/ws/raw?compress=1&${identityQuery(clientId)}`);
    const feed = sse(`${s.url}/api/inspect?${identityQuery(clientId)}`);
    await feed.response;
    c.peer.sendJson({ type: 'send', text: 'inspect me, compressed' });
    const frames = () => feed.events.map((e) => JSON.parse(e.data)).filter((e) => e.kind === 'frame');
    await until(() => frames().some((f) => f.direction === 'in') && frames().some((f) => f.direction === 'out' && (f.inflatedHex ?? '').length > 0), 'frames both ways');
    const handshake = feed.events.map((e) => JSON.parse(e.data)).find((e) => e.kind === 'handshake');
    expect(handshake.response.headers.some(([k, v]: [string, string]) => k.toLowerCase() === 'sec-websocket-extensions' && v.startsWith('permessage-deflate'))).toBe(true);
    const inbound = frames().find((f) => f.direction === 'in');
    expect(inbound).toMatchObject({ opcode: 1, masked: true, compressed: true });
    expect(Buffer.from(inbound.inflatedHex.replaceAll(' ', ''), 'hex').toString('utf8')).toContain('inspect me, compressed');
    const outbound = frames().find((f) => f.direction === 'out' && (f.inflatedHex ?? '').length > 0);
    expect(outbound.compressed).toBe(true);
    expect(() => JSON.parse(Buffer.from(outbound.inflatedHex.replaceAll(' ', ''), 'hex').toString('utf8'))).not.toThrow();
  });

  it('unknown clientId is 404 UNKNOWN_CLIENT', async () => {
    const app = pool.fresh();
    expectError(await call(app, 'GET', '/api/inspect?clientId=nobody', undefined, asTeacher), 404, 'UNKNOWN_CLIENT');
  });
});

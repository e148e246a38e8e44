// CONTRACT.md "WebSocket endpoints", chat, on both stacks: welcome first, then
// the history or the ?after= replay, live messages (own included), ack for
// every send, error objects for bad frames with the connection kept, and
// close 1009 for a message over WS_CHAT_MAX_BYTES.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { appPool, astral, tick, call, identityQuery, join, openChat, openWs, roomState, send, stats, type Json, type WsPeer } from './helpers/contract.ts';

const pool = appPool();
const peers: WsPeer[] = [];
afterEach(async () => {
  // A clean close (a peer that vanishes is tested in contract-stats), then the app.
  await Promise.all(peers.splice(0).map((p) => Promise.race([p.close(), tick(500)]).then(() => p.ws.terminate())));
  await pool.closeAll();
});

async function chat(wsUrl: string, replay = 0): Promise<{ peer: WsPeer; welcome: Json; frames: Json[] }> {
  const opened = await openChat(wsUrl, replay);
  peers.push(opened.peer);
  return opened;
}

async function fill(app: FastifyInstance, n: number): Promise<Json[]> {
  const { clientId } = await join(app);
  const out = [];
  for (let i = 1; i <= n; i++) out.push(await send(app, clientId, `m${i}`));
  return out;
}

/** Reads frames until one matches; returns it and the frames skipped. */
async function nextOf(peer: WsPeer, type: string): Promise<Json> {
  for (;;) {
    const f = await peer.next();
    if (f.type === type) return f;
  }
}

describe.each([
  { path: '/ws/raw', via: 'ws-raw' },
  { path: '/ws/lib', via: 'ws-lib' },
])('$path chat', ({ path, via }) => {
  const ws = (s: { host: string }, q = ''): string => `ws://${s.host}${path}${q}`;

  it('welcome first, then the last HISTORY_LIMIT messages', async () => {
    const s = await pool.listening({ historyLimit: 3 });
    const sent = await fill(s.app, 5);
    const { welcome, frames, peer } = await chat(ws(s), 3);
    expect(Object.keys(welcome).sort()).toEqual(['clientId', 'clientSecret', 'epoch', 'lastSeq', 'node', 'type']);
    expect(welcome.type).toBe('welcome');
    expect(typeof welcome.clientId).toBe('string');
    expect(welcome.lastSeq).toBe(5);
    expect(frames).toEqual(sent.slice(2));
    expect(peer.pending).toBe(0);
  });

  it('?after=N replays seq > N instead of the history', async () => {
    const s = await pool.listening({ historyLimit: 1 });
    const sent = await fill(s.app, 5);
    const { welcome, frames } = await chat(ws(s, '?after=2'), 3);
    expect(welcome.lastSeq).toBe(5);
    expect(welcome.truncated).toBeUndefined();
    expect(frames).toEqual(sent.slice(2));
  });

  it('?after= older than the retained window: welcome says truncated, replay from the oldest retained', async () => {
    const s = await pool.listening({ historyLimit: 2, retainLimit: 3 });
    const sent = await fill(s.app, 6);
    const { welcome, frames } = await chat(ws(s, '?after=0'), 3);
    expect(welcome).toMatchObject({ type: 'welcome', lastSeq: 6, truncated: true });
    expect(frames).toEqual(sent.slice(3));
  });

  it('?after= above lastSeq (a restarted server): welcome with the current lastSeq, no replay', async () => {
    const s = await pool.listening();
    const sent = await fill(s.app, 2);
    const { welcome, peer } = await chat(ws(s, '?after=99'));
    expect(welcome.lastSeq).toBe(2);
    const m = await send(s.app, sent[0].clientId, 'live');
    expect(await peer.next()).toEqual(m);
  });

  it('send → the own message and ack { clientMsgId, seq }; others get the message', async () => {
    const s = await pool.listening();
    const a = await chat(ws(s));
    const b = await chat(ws(s));
    a.peer.sendJson({ type: 'send', text: 'hello', clientMsgId: 'k1', name: 'ana' });
    const [x, y] = await a.peer.take(2);
    const ack = [x, y].find((f) => f.type === 'ack');
    const own = [x, y].find((f) => f.type === 'message');
    expect(ack).toEqual({ type: 'ack', clientMsgId: 'k1', seq: 1 });
    expect(own).toMatchObject({ type: 'message', seq: 1, clientId: a.welcome.clientId, name: 'ana', text: 'hello', clientMsgId: 'k1', via });
    expect(typeof own.serverTime).toBe('number');
    expect(await b.peer.next()).toEqual(own);
    // Without clientMsgId: ack with null; without any name: "anon".
    b.peer.sendJson({ type: 'send', text: 'again' });
    expect(await nextOf(b.peer, 'ack')).toEqual({ type: 'ack', clientMsgId: null, seq: 2 });
    expect(await a.peer.next()).toMatchObject({ seq: 2, name: 'anon', clientMsgId: null, clientId: b.welcome.clientId });
  });

  it('a repeated clientMsgId is acked with the first seq and stores nothing', async () => {
    const s = await pool.listening();
    const a = await chat(ws(s));
    a.peer.sendJson({ type: 'send', text: 'first', clientMsgId: 'dup' });
    expect(await nextOf(a.peer, 'ack')).toEqual({ type: 'ack', clientMsgId: 'dup', seq: 1 });
    a.peer.sendJson({ type: 'send', text: 'between' });
    expect((await nextOf(a.peer, 'ack')).seq).toBe(2);
    const before = await roomState(s.app);
    a.peer.sendJson({ type: 'send', text: 'second', clientMsgId: 'dup' });
    expect(await nextOf(a.peer, 'ack')).toEqual({ type: 'ack', clientMsgId: 'dup', seq: 1 });
    expect(await roomState(s.app)).toEqual(before);
    expect(before.all.map((m: Json) => m.text)).toEqual(['first', 'between']);
  });

  it('bad frames get an error object, the room is untouched and the connection stays open', async () => {
    const s = await pool.listening({ maxTextLength: 10 });
    await fill(s.app, 2);
    const { peer } = await chat(ws(s), 2);
    const before = await roomState(s.app);
    const cases: Array<[string | Buffer, string]> = [
      ['not json', 'INVALID_BODY'],
      ['[1,2]', 'INVALID_BODY'],
      [JSON.stringify({ type: 'shout', text: 'hi' }), 'INVALID_BODY'],
      [JSON.stringify({ text: 'hi' }), 'INVALID_BODY'],
      [JSON.stringify({ type: 'send' }), 'INVALID_BODY'],
      [JSON.stringify({ type: 'send', text: 5 }), 'INVALID_BODY'],
      [JSON.stringify({ type: 'send', text: 'hi', clientMsgId: 5 }), 'INVALID_BODY'],
      [JSON.stringify({ type: 'send', text: 'hi', clientMsgId: 'k'.repeat(65) }), 'INVALID_BODY'],
      [JSON.stringify({ type: 'send', text: 'hi', name: astral(41) }), 'INVALID_BODY'],
      [JSON.stringify({ type: 'send', text: '' }), 'INVALID_TEXT'],
      [JSON.stringify({ type: 'send', text: ' \n\t ' }), 'INVALID_TEXT'],
      [JSON.stringify({ type: 'send', text: astral(11) }), 'TEXT_TOO_LONG'],
    ];
    for (const [frame, code] of cases) {
      peer.ws.send(frame);
      const err = await peer.next();
      expect({ frame: String(frame), type: err.type, code: err.code }).toEqual({ frame: String(frame), type: 'error', code });
      expect(typeof err.message).toBe('string');
    }
    // A binary frame on the chat socket is an error object too.
    peer.ws.send(Buffer.from(JSON.stringify({ type: 'send', text: 'binary' })), { binary: true });
    const binErr = await peer.next();
    expect(binErr.type).toBe('error');
    expect(typeof binErr.code).toBe('string');
    expect(await roomState(s.app)).toEqual(before);
    // Still open: exactly MAX_TEXT_LENGTH code points is fine.
    peer.sendJson({ type: 'send', text: astral(10), clientMsgId: 'ok' });
    expect(await nextOf(peer, 'ack')).toEqual({ type: 'ack', clientMsgId: 'ok', seq: 3 });
  });

  it('?clientId=&clientSecret= of a joined client is kept; an unknown one, or a wrong secret, gets a new id', async () => {
    const s = await pool.listening();
    const joined = await join(s.app, { name: 'ana' });
    // v2: the id alone is not enough: without its secret it is not adopted, and nothing is stored.
    const thief = await chat(ws(s, `?clientId=${encodeURIComponent(joined.clientId)}&clientSecret=guess`));
    expect(thief.welcome.clientId).not.toBe(joined.clientId);
    expect(thief.welcome.clientSecret).not.toBe(joined.clientSecret);
    const bare = await chat(ws(s, `?clientId=${encodeURIComponent(joined.clientId)}`));
    expect(bare.welcome.clientId).not.toBe(joined.clientId);
    const a = await chat(ws(s, `?${identityQuery(joined.clientId)}`));
    expect(a.welcome.clientSecret).toBe(joined.clientSecret);
    expect(a.welcome.clientId).toBe(joined.clientId);
    a.peer.sendJson({ type: 'send', text: 'from ws' });
    const own = await nextOf(a.peer, 'message');
    expect(own.clientId).toBe(joined.clientId);
    const u = await chat(ws(s, '?clientId=never-joined'));
    expect(u.welcome.clientId).not.toBe('never-joined');
    expect(u.welcome.clientId.length).toBeGreaterThan(0);
    // The new id is a client the room knows.
    expect((await call(s.app, 'POST', '/api/messages', { clientId: u.welcome.clientId, text: 'known' })).status).toBe(201);
    // A welcome id presented again is kept too.
    const again = await chat(ws(s, `?${identityQuery(u.welcome.clientId)}`), 2);
    expect(again.welcome.clientId).toBe(u.welcome.clientId);
  });

  it('HTTP → WebSocket and WebSocket → HTTP carry the same message and seq', async () => {
    const s = await pool.listening();
    const { clientId } = await join(s.app);
    const a = await chat(ws(s));
    const viaHttp = await send(s.app, clientId, 'over http', { via: 'long-poll' });
    expect(await a.peer.next()).toEqual(viaHttp);
    a.peer.sendJson({ type: 'send', text: 'over ws', clientMsgId: 'w1' });
    const ack = await nextOf(a.peer, 'ack');
    const polled = await call(s.app, 'GET', `/api/poll?after=${viaHttp.seq}`);
    expect(polled.body.messages).toHaveLength(1);
    expect(polled.body.messages[0]).toMatchObject({ seq: ack.seq, text: 'over ws', via, clientMsgId: 'w1', clientId: a.welcome.clientId });
  });

  it('the send rate limit is per client across transports; over it the socket gets RATE_LIMITED', async () => {
    const s = await pool.listening({ sendRateLimit: 3 });
    const { clientId } = await join(s.app);
    await send(s.app, clientId, 'http 1');
    await send(s.app, clientId, 'http 2');
    const a = await chat(ws(s, `?${identityQuery(clientId)}`), 2);
    a.peer.sendJson({ type: 'send', text: 'ws 3' });
    expect((await nextOf(a.peer, 'ack')).seq).toBe(3);
    const before = await roomState(s.app);
    a.peer.sendJson({ type: 'send', text: 'ws 4' });
    const err = await nextOf(a.peer, 'error');
    expect(err.code).toBe('RATE_LIMITED');
    expect((await call(s.app, 'POST', '/api/messages', { clientId, text: 'http 5' })).status).toBe(429);
    expect(await roomState(s.app)).toEqual(before);
    expect(a.peer.ws.readyState).toBe(a.peer.ws.OPEN);
  });

  it('a chat message over WS_CHAT_MAX_BYTES closes with 1009 and stores nothing', async () => {
    const s = await pool.listening({ wsChatMaxBytes: 1024 });
    await fill(s.app, 1);
    const { peer } = await chat(ws(s), 1);
    const before = await roomState(s.app);
    peer.sendJson({ type: 'send', text: 'x'.repeat(2000) });
    const { code } = await peer.closed;
    expect(code).toBe(1009);
    expect(await roomState(s.app)).toEqual(before);
  });

  it('a message just under WS_CHAT_MAX_BYTES is fine', async () => {
    const s = await pool.listening({ wsChatMaxBytes: 1024, maxTextLength: 5000 });
    const { peer } = await chat(ws(s));
    const overhead = Buffer.byteLength(JSON.stringify({ type: 'send', text: '' }));
    const frame = JSON.stringify({ type: 'send', text: 'y'.repeat(1024 - overhead) });
    expect(Buffer.byteLength(frame)).toBe(1024);
    peer.ws.send(frame);
    expect((await nextOf(peer, 'ack')).seq).toBe(1);
  });

  it('counts the handshake, bytes and deliveries in /api/stats', async () => {
    const s = await pool.listening();
    const { clientId } = await join(s.app);
    const before = (await stats(s.app)).transports[via];
    const a = await chat(ws(s));
    expect((await stats(s.app)).transports[via].connections).toBe(before.connections + 1);
    await send(s.app, clientId, 'to the socket');
    await a.peer.next();
    a.peer.sendJson({ type: 'send', text: 'from the socket' });
    await a.peer.take(2);
    const after = (await stats(s.app)).transports[via];
    expect(after.requests).toBe(before.requests + 1);
    expect(after.delivered).toBeGreaterThanOrEqual(before.delivered + 2);
    expect(after.bytesIn).toBeGreaterThan(before.bytesIn);
    expect(after.bytesOut).toBeGreaterThan(before.bytesOut);
    await a.peer.close();
    for (let i = 0; i < 400 && (await stats(s.app)).transports[via].connections !== before.connections; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await stats(s.app)).transports[via].connections).toBe(before.connections);
  });
});

describe('both stacks share one room', () => {
  it('a message sent on /ws/raw reaches /ws/lib with the same seq, and back', async () => {
    const s = await pool.listening();
    const raw = await chat(`ws://${s.host}/ws/raw`);
    const lib = await chat(`ws://${s.host}/ws/lib`);
    raw.peer.sendJson({ type: 'send', text: 'from raw' });
    const onLib = await lib.peer.next();
    expect(onLib).toMatchObject({ seq: 1, text: 'from raw', via: 'ws-raw' });
    lib.peer.sendJson({ type: 'send', text: 'from lib' });
    const onRaw = await nextOf(raw.peer, 'message').then(async (m) => (m.seq === 1 ? nextOf(raw.peer, 'message') : m));
    expect(onRaw).toMatchObject({ seq: 2, text: 'from lib', via: 'ws-lib' });
  });
});

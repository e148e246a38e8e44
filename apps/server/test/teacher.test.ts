// CONTRACT v2 "identity" and "the teacher", attacked the way a student at the
// next desk would: with a classmate's public clientId (every message carries
// it) and no secret. Each attempt must fail with the contract's code and change
// nothing; the teacher, with the key, can do all of it.
import { afterEach, describe, expect, it } from 'vitest';
import {
  appPool,
  asTeacher,
  call,
  expectError,
  fetchJson,
  handshakeStatus,
  identityQuery,
  join,
  openChat,
  rawHttp,
  roomState,
  send,
  SseReader,
  stats,
  until,
  upgradeRequest,
  type WsPeer,
} from './helpers/contract.ts';

const pool = appPool();
const peers: WsPeer[] = [];
const readers: SseReader[] = [];
afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await pool.closeAll();
});
async function chat(url: string) {
  const c = await openChat(url);
  peers.push(c.peer);
  return c;
}

describe('a student cannot act as a classmate', () => {
  it('posting under their id, renaming them or pre-empting their next clientMsgId: 403 NOT_YOUR_CLIENT, nothing stored', async () => {
    const app = pool.fresh();
    const victim = await join(app, { name: 'ana' });
    const attacker = await join(app, { name: 'mallory' });
    await send(app, victim.clientId, 'hello', { clientMsgId: 'm-1' });
    const before = await roomState(app);
    for (const clientSecret of [undefined, '', attacker.clientSecret, victim.clientSecret.slice(0, -1) + (victim.clientSecret.endsWith('x') ? 'y' : 'x')]) {
      const body = { clientId: victim.clientId, clientSecret, text: 'I am ana', name: 'TEACHER', clientMsgId: 'm-2' };
      expectError(await call(app, 'POST', '/api/messages', body), 403, 'NOT_YOUR_CLIENT');
    }
    expect(await roomState(app)).toEqual(before);
    // Her own next message, with the clientMsgId the attacker tried to take, is hers and keeps her name.
    const own = await send(app, victim.clientId, 'really me', { clientMsgId: 'm-2' });
    expect(own).toMatchObject({ text: 'really me', name: 'ana', clientMsgId: 'm-2' });
  });

  it("a WebSocket presenting a classmate's id without the secret gets an identity of its own", async () => {
    const s = await pool.listening();
    const victim = await join(s.app, { name: 'ana' });
    for (const path of ['/ws/raw', '/ws/lib']) {
      const c = await chat(`ws://${s.host}${path}?clientId=${victim.clientId}&clientSecret=guess`);
      expect(c.welcome.clientId).not.toBe(victim.clientId);
      c.peer.sendJson({ type: 'send', text: `who am I on ${path}?` });
      let frame = await c.peer.next();
      while (frame.text !== `who am I on ${path}?`) frame = await c.peer.next();
      expect(frame.clientId).toBe(c.welcome.clientId);
      expect(frame.name).toBe('anon');
    }
  });

  it("cut, delay and inspect on a classmate: 401 TEACHER_ONLY (or 403 with a wrong secret); the classmate's lanes are untouched", async () => {
    const s = await pool.listening({ longPollTimeoutMs: 60_000 });
    const victim = await join(s.app);
    const attacker = await join(s.app);
    const lane = await chat(`ws://${s.host}/ws/raw?${identityQuery(victim.clientId)}`);
    expectError(await call(s.app, 'POST', '/api/debug/cut', { clientId: victim.clientId, clientSecret: null }), 400);
    expectError(await fetchJson(`${s.url}/api/debug/cut`, { clientId: victim.clientId, clientSecret: undefined }), 401, 'TEACHER_ONLY');
    expectError(await fetchJson(`${s.url}/api/debug/delay`, { clientId: victim.clientId, clientSecret: undefined, ms: 3000 }), 401, 'TEACHER_ONLY');
    expectError(
      await fetchJson(`${s.url}/api/debug/delay`, { clientId: victim.clientId, clientSecret: attacker.clientSecret, ms: 3000 }),
      403,
      'NOT_YOUR_CLIENT',
    );
    expectError(await call(s.app, 'GET', `/api/inspect?clientId=${victim.clientId}`), 401, 'TEACHER_ONLY');
    expectError(await call(s.app, 'GET', `/api/inspect?clientId=${victim.clientId}&clientSecret=${attacker.clientSecret}`), 403, 'NOT_YOUR_CLIENT');
    // A wrong teacher key is no key.
    expectError(
      await call(s.app, 'POST', '/api/debug/cut', { clientId: victim.clientId, clientSecret: undefined }, { authorization: 'Bearer not-the-key-at-all' }),
      401,
      'TEACHER_ONLY',
    );
    // Nothing changed: her lane is open and undelayed.
    const m = await send(s.app, attacker.clientId, 'still on time');
    expect(await lane.peer.next()).toEqual(m);
    expect((await stats(s.app)).transports['ws-raw'].connections).toBe(1);
  });

  it('the teacher-only endpoints without the key: 401 TEACHER_ONLY, and nothing changes', async () => {
    const app = pool.fresh();
    const { clientId } = await join(app);
    for (const [method, url, body] of [
      ['GET', '/api/clients', undefined],
      ['POST', `/api/clients/${clientId}/remove`, {}],
      ['POST', '/api/room/lock', { locked: true }],
      ['POST', '/api/class/assign', { mode: 'round-robin' }],
    ] as const) {
      expectError(await call(app, method, url, body), 401, 'TEACHER_ONLY');
      expectError(await call(app, method, url, body, { authorization: 'Bearer wrong-key-wrong-key' }), 401, 'TEACHER_ONLY');
    }
    expect((await call(app, 'POST', '/api/join', {})).status).toBe(201);
    expect((await send(app, clientId, 'not removed')).seq).toBe(1);
    expect((await call(app, 'POST', '/api/class/me', { clientId })).body).toEqual({ transport: null, locked: false });
  });
});

describe('a client may debug itself with its own secret', () => {
  it('delay, cut and inspect on oneself', async () => {
    const s = await pool.listening();
    const me = await join(s.app);
    const lane = await chat(`ws://${s.host}/ws/raw?${identityQuery(me.clientId)}`);
    expect((await call(s.app, 'POST', '/api/debug/delay', { clientId: me.clientId, ms: 5 })).status).toBe(200);
    const feed = new SseReader(`${s.url}/api/inspect?${identityQuery(me.clientId)}`);
    readers.push(feed);
    await feed.waitFor(1);
    expect(JSON.parse(feed.events[0]!.data).kind).toBe('handshake');
    expect((await call(s.app, 'POST', '/api/debug/cut', { clientId: me.clientId })).body).toEqual({ clientId: me.clientId, cut: 1 });
    expect((await lane.peer.closed).code).toBe(1006);
  });
});

describe('the teacher', () => {
  it('lists the clients: name, transports, connected since, messages sent, address — and no secret', async () => {
    const s = await pool.listening();
    const ana = await join(s.app, { name: 'ana' });
    await chat(`ws://${s.host}/ws/lib?${identityQuery(ana.clientId)}`);
    await send(s.app, ana.clientId, 'one', { via: 'long-poll' });
    const list = await call(s.app, 'GET', '/api/clients', undefined, asTeacher);
    expect(list.status).toBe(200);
    const entry = list.body.clients.find((c: { clientId: string }) => c.clientId === ana.clientId);
    expect(entry).toMatchObject({ name: 'ana', sent: 1, address: '127.0.0.1', assigned: null });
    expect(entry.transports).toEqual(['ws-lib', 'long-poll']);
    expect(typeof entry.connectedSince).toBe('number');
    expect(list.raw).not.toContain(ana.clientSecret);
    expect(list.body.locked).toBe(false);
  });

  it('removes a client: both WebSockets closed 1008 removed, its held poll answered, its stream ended, its secret dead', async () => {
    const s = await pool.listening({ longPollTimeoutMs: 60_000 });
    const ana = await join(s.app, { name: 'ana' });
    const bo = await join(s.app, { name: 'bo' });
    const raw = await chat(`ws://${s.host}/ws/raw?${identityQuery(ana.clientId)}`);
    const lib = await chat(`ws://${s.host}/ws/lib?${identityQuery(ana.clientId)}`);
    const bystander = await chat(`ws://${s.host}/ws/raw?${identityQuery(bo.clientId)}`);
    const stream = new SseReader(`${s.url}/api/events?clientId=${ana.clientId}`);
    readers.push(stream);
    await stream.waitFor(1);
    const held = fetch(`${s.url}/api/longpoll?after=0&clientId=${ana.clientId}`).then((r) => r.status);
    await until(async () => (await stats(s.app)).transports['long-poll'].connections === 1, 'the poll to be held');

    const removed = await call(s.app, 'POST', `/api/clients/${ana.clientId}/remove`, {}, asTeacher);
    expect(removed.body).toEqual({ clientId: ana.clientId, removed: true, closed: 4 });
    expect(await raw.peer.closed).toEqual({ code: 1008, reason: 'removed' });
    expect(await lib.peer.closed).toEqual({ code: 1008, reason: 'removed' });
    expect(await stream.ended).toBe('end');
    expect(await held).toBe(200);

    expectError(await call(s.app, 'POST', '/api/messages', { clientId: ana.clientId, text: 'back?' }), 403, 'CLIENT_REMOVED');
    expectError(await call(s.app, 'GET', `/api/poll?clientId=${ana.clientId}`), 403, 'CLIENT_REMOVED');
    const again = await rawHttp(s.port, upgradeRequest(`/ws/raw?${identityQuery(ana.clientId)}`, s.host));
    expect(again.status).toBe(403);
    expect(JSON.parse(again.body).error.code).toBe('CLIENT_REMOVED');
    expect((await call(s.app, 'GET', '/api/clients', undefined, asTeacher)).body.clients.map((c: { name: string }) => c.name)).toEqual(['bo']);
    // Everyone else goes on.
    const m = await send(s.app, bo.clientId, 'carry on');
    expect(await bystander.peer.next()).toEqual(m);
    expectError(await call(s.app, 'POST', '/api/clients/nobody/remove', {}, asTeacher), 404, 'UNKNOWN_CLIENT');
  });

  it('locks the room: a new identity gets 423 (join and both handshakes); known clients and the teacher go on', async () => {
    const s = await pool.listening();
    const ana = await join(s.app);
    expect((await call(s.app, 'POST', '/api/room/lock', { locked: true }, asTeacher)).body).toEqual({ locked: true });
    expectError(await call(s.app, 'POST', '/api/join', {}), 423, 'ROOM_LOCKED');
    expect(await handshakeStatus(`ws://${s.host}/ws/raw`)).toBe(423);
    expect(await handshakeStatus(`ws://${s.host}/ws/lib`)).toBe(423);
    expect((await chat(`ws://${s.host}/ws/raw?${identityQuery(ana.clientId)}`)).welcome.clientId).toBe(ana.clientId);
    expect((await send(s.app, ana.clientId, 'still here')).seq).toBe(1);
    expect((await call(s.app, 'POST', '/api/join', {}, asTeacher)).status).toBe(201);
    expect((await call(s.app, 'GET', '/api/info')).body.locked).toBe(true);
    expect((await call(s.app, 'POST', '/api/class/me', { clientId: ana.clientId })).body.locked).toBe(true);
    await call(s.app, 'POST', '/api/room/lock', { locked: false }, asTeacher);
    expect((await call(s.app, 'POST', '/api/join', {})).status).toBe(201);
  });

  it('assigns transports round-robin to the students who ask', async () => {
    const app = pool.fresh();
    const students = [];
    for (let i = 0; i < 6; i++) students.push(await join(app));
    expect((await call(app, 'POST', '/api/class/assign', { mode: 'round-robin' }, asTeacher)).body).toEqual({ mode: 'round-robin', assigned: 0 });
    const got = [];
    for (const s of students) got.push((await call(app, 'POST', '/api/class/me', { clientId: s.clientId })).body.transport);
    expect(got).toEqual(['ws-raw', 'ws-lib', 'short-poll', 'long-poll', 'sse', 'ws-raw']);
    expectError(await call(app, 'POST', '/api/class/me', { clientId: students[0].clientId, clientSecret: 'x' }), 403, 'NOT_YOUR_CLIENT');
    const answer = (await call(app, 'GET', '/api/clients', undefined, asTeacher)).body;
    expect(answer.assignment).toBe('round-robin');
    expect(answer.clients.map((c: { assigned: string }) => c.assigned)).toEqual(got);
  });

  it("the teacher's address is never locked out by the per-address connection bound", async () => {
    const s = await pool.listening({ maxConnectionsPerAddress: 2 });
    const { Socket } = await import('node:net');
    const hold = [new Socket(), new Socket()];
    await Promise.all(hold.map((sock) => new Promise<void>((r) => sock.connect(s.port, '127.0.0.1', r))));
    expect((await rawHttp(s.port, `GET /healthz HTTP/1.1\r\nHost: ${s.host}\r\n\r\n`)).status).toBe(429);
    for (const sock of hold) sock.destroy();
    await until(async () => (await rawHttp(s.port, `GET /healthz HTTP/1.1\r\nHost: ${s.host}\r\n\r\n`)).status === 200, 'the slots to free');
    // One teacher request from this address, and the bound no longer applies to it.
    expect((await rawHttp(s.port, `GET /api/clients HTTP/1.1\r\nHost: ${s.host}\r\nAuthorization: ${asTeacher.authorization}\r\n\r\n`)).status).toBe(200);
    const more = [new Socket(), new Socket(), new Socket()];
    await Promise.all(more.map((sock) => new Promise<void>((r) => sock.connect(s.port, '127.0.0.1', r))));
    expect((await rawHttp(s.port, `GET /healthz HTTP/1.1\r\nHost: ${s.host}\r\n\r\n`)).status).toBe(200);
    for (const sock of more) sock.destroy();
  });
});

// CONTRACT.md GET /api/longpoll: "at once if a message with seq > N exists;
// else held until one arrives or until the timeout, then 200 { messages: [],
// lastSeq }"; the 30 000 ms default hold; per-request ?timeout= 0–60 000.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LongPollHub, type Timers } from '@wirebench/transports/polling';
import { appPool, call, join, send, stats, until } from './helpers/contract.ts';

const pool = appPool();
afterEach(async () => {
  vi.useRealTimers();
  await pool.closeAll();
});

describe('long polling', () => {
  it('timeout=0 answers at once with nothing new', async () => {
    const hub = new LongPollHub();
    const app = pool.fresh({ longPollTimeoutMs: 60_000 }, { hub });
    const { clientId } = await join(app);
    await send(app, clientId, 'one');
    const res = await call(app, 'GET', '/api/longpoll?after=1&timeout=0');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ messages: [], lastSeq: 1, epoch: expect.any(String) });
    expect(hub.size).toBe(0);
  });

  it('answers at once when something newer exists (never held)', async () => {
    const hub = new LongPollHub();
    const app = pool.fresh({ longPollTimeoutMs: 60_000 }, { hub });
    const { clientId } = await join(app);
    const m = await send(app, clientId, 'waiting for you');
    const res = await call(app, 'GET', '/api/longpoll?after=0');
    expect(res.body).toEqual({ messages: [m], lastSeq: 1, epoch: expect.any(String) });
  });

  it('a held poll (real socket) is answered with the message another client sends', async () => {
    const hub = new LongPollHub();
    const { app, url } = await pool.listening({ longPollTimeoutMs: 60_000 }, { hub });
    const a = await join(app);
    const b = await join(app);
    await send(app, a.clientId, 'before');
    let settled = false;
    const held = fetch(`${url}/api/longpoll?after=1`).then(async (r) => {
      settled = true;
      return { status: r.status, body: await r.json() };
    });
    await until(() => hub.size === 1, 'the poll to be held');
    expect(settled).toBe(false);
    const m = await send(app, b.clientId, 'wake up', { via: 'long-poll' });
    const res = await held;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ messages: [m], lastSeq: 2, epoch: expect.any(String) });
    expect(hub.size).toBe(0);
  });

  it('many held polls are all answered by one message', async () => {
    const hub = new LongPollHub();
    const { app, url } = await pool.listening({}, { hub });
    const { clientId } = await join(app);
    const polls = Array.from({ length: 20 }, () => fetch(`${url}/api/longpoll?after=0&timeout=60000`).then((r) => r.json()));
    await until(() => hub.size === 20, '20 held polls');
    const m = await send(app, clientId, 'everyone');
    for (const body of await Promise.all(polls)) expect(body).toEqual({ messages: [m], lastSeq: 1, epoch: expect.any(String) });
  });

  it('a short ?timeout= on a real socket ends with 200 { messages: [], lastSeq }', async () => {
    const { app, url } = await pool.listening();
    const { clientId } = await join(app);
    await send(app, clientId, 'x');
    const res = await fetch(`${url}/api/longpoll?after=1&timeout=150`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ messages: [], lastSeq: 1, epoch: expect.any(String) });
  });

  it('LONG_POLL_TIMEOUT_MS is the hold without ?timeout=', async () => {
    const { url } = await pool.listening({ longPollTimeoutMs: 120 });
    const res = await fetch(`${url}/api/longpoll?after=0`);
    expect(await res.json()).toEqual({ messages: [], lastSeq: 0, epoch: expect.any(String) });
  });

  it("Node's own server timers cannot cut a held poll short (the hold is at most 60 s)", async () => {
    const { app } = await pool.listening({});
    const server = app.server;
    // server.timeout (socket inactivity) would end a silent held response: it must be off.
    // requestTimeout only bounds receiving the request (v2: 10 s, 408); a held poll has arrived.
    expect(server.timeout).toBe(0);
    expect(server.requestTimeout).toBe(10_000);
  });

  it('holds 30 000 ms by default (hub on fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const timers: Timers = {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    const hub = new LongPollHub(timers);
    const app = pool.fresh({}, { hub });
    await app.ready();
    let answered: { statusCode: number; body: string } | undefined;
    const pending = app.inject({ method: 'GET', url: '/api/longpoll?after=0' }).then((r) => {
      answered = { statusCode: r.statusCode, body: r.body };
    });
    for (let i = 0; i < 1000 && hub.size === 0; i++) await new Promise((r) => setImmediate(r));
    expect(hub.size).toBe(1);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(answered).toBeUndefined();
    expect(hub.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(answered?.statusCode).toBe(200);
    expect(JSON.parse(answered!.body)).toEqual({ messages: [], lastSeq: 0, epoch: expect.any(String) });
    expect(hub.size).toBe(0);
  });

  it('1 000 long polls aborted by their clients leave nothing held', async () => {
    const hub = new LongPollHub();
    const { app, port } = await pool.listening({ longPollTimeoutMs: 60_000 }, { hub });
    const sockets: Socket[] = [];
    for (let i = 0; i < 1000; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.write(`GET /api/longpoll?after=0 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      sockets.push(s);
    }
    // 1 000 connections: slow on a loaded machine (bounded, not timed).
    await until(() => hub.size === 1000, '1 000 held polls', 10_000);
    expect((await stats(app)).transports['long-poll'].connections).toBe(1000);
    for (const s of sockets) s.destroy();
    await until(() => hub.size === 0, 'the hub to empty', 4000);
    await until(async () => (await stats(app)).transports['long-poll'].connections === 0, 'connections to reach 0', 4000);
    expect(hub.size).toBe(0);
    expect((await stats(app)).transports['long-poll'].connections).toBe(0);
    // The room still works and nothing was answered into a dead socket.
    const { clientId } = await join(app);
    expect((await send(app, clientId, 'still here')).seq).toBe(1);
  }, 90_000);
});

// POST /api/debug/cut on the HTTP transports, over real keep-alive sockets: the cut
// must reach the client as the network failure it models. A browser resends a GET
// by itself when a reused connection closes before any byte of the answer (so a
// bare close would show nothing on the page, and the page's and the server's request
// counts would drift apart); a status line and headers first, then a body that never
// ends, is a failure a fetch reports.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CUT_ARMED_MS } from '../src/room/fanout.ts';
import { call, join, send, start, stats, until, type Started } from './helpers/contract.ts';

const opened: Array<{ app: Started['app']; sockets: Socket[] }> = [];
afterEach(async () => {
  for (const { app, sockets } of opened.splice(0)) {
    for (const s of sockets) s.destroy();
    await app.close();
  }
});

/** A keep-alive connection that records every byte the server sends and when it closed. */
class KeepAlive {
  readonly socket: Socket;
  text = '';
  closed = false;
  constructor(port: number, sockets: Socket[]) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => (this.text += chunk));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => {});
    sockets.push(this.socket);
  }
  get(host: string, path: string): void {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`);
  }
}

async function listening(config: Parameters<typeof start>[0] = {}): Promise<Started & { sockets: Socket[] }> {
  const started = await start(config);
  const sockets: Socket[] = [];
  opened.push({ app: started.app, sockets });
  return { ...started, sockets };
}

async function cut(s: Started, clientId: string): Promise<number> {
  const res = await call(s.app, 'POST', '/api/debug/cut', { clientId });
  expect(res.status).toBe(200);
  return res.body.cut;
}

/** A chunked answer is complete with its last chunk: `0` CRLF CRLF (RFC 9112 7.1). */
const complete = (text: string): boolean => text.endsWith('\r\n0\r\n\r\n') || /content-length: \d+/i.test(text);

describe('Cut (server) on the HTTP transports is a failure the client sees', () => {
  it('a held long poll gets its status line and headers, then the connection ends before the body does', async () => {
    const s = await listening({ longPollTimeoutMs: 60_000 });
    const a = await join(s.app);
    const conn = new KeepAlive(s.port, s.sockets);
    // A first poll answered at once: the connection is now a reused keep-alive one, as a browser's.
    conn.get(s.host, `/api/longpoll?after=0&timeout=0&clientId=${a.clientId}`);
    await until(() => complete(conn.text), 'the first answer');
    conn.text = '';
    conn.get(s.host, `/api/longpoll?after=0&clientId=${a.clientId}`);
    await until(async () => (await stats(s.app)).transports['long-poll'].connections === 1, 'the poll to be held');
    expect(await cut(s, a.clientId)).toBe(1);
    await until(() => conn.closed, 'the connection to close');
    expect(conn.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(conn.text).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
    expect(complete(conn.text)).toBe(false);
    // Nothing was resent behind the client's back: two requests asked, two counted.
    expect((await stats(s.app)).transports['long-poll'].requests).toBe(2);
  });

  it('a short-poll client with nothing in flight has its next poll cut the same way', async () => {
    const s = await listening();
    const a = await join(s.app);
    await send(s.app, a.clientId, 'hello');
    const before = (await stats(s.app)).transports['short-poll'].requests;
    expect(await cut(s, a.clientId)).toBe(0);
    const conn = new KeepAlive(s.port, s.sockets);
    conn.get(s.host, `/api/poll?after=0&clientId=${a.clientId}`);
    await until(() => conn.closed, 'the connection to close');
    expect(conn.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(conn.text).not.toContain('hello');
    expect(complete(conn.text)).toBe(false);
    // Only that one: the poll after it is answered whole.
    const next = new KeepAlive(s.port, s.sockets);
    next.get(s.host, `/api/poll?after=0&clientId=${a.clientId}`);
    await until(() => next.text.includes('hello'), 'the next answer');
    expect(next.closed).toBe(false);
    expect((await stats(s.app)).transports['short-poll'].requests - before).toBe(2);
  });

  it(`a cut armed for one client (for ${CUT_ARMED_MS} ms) never touches another`, async () => {
    const s = await listening();
    const a = await join(s.app);
    const b = await join(s.app);
    await send(s.app, a.clientId, 'hi');
    await cut(s, a.clientId);
    const other = new KeepAlive(s.port, s.sockets);
    other.get(s.host, `/api/poll?after=0&clientId=${b.clientId}`);
    await until(() => other.text.includes('"hi"'), 'b answered whole');
    expect(other.closed).toBe(false);
  });

  it('an open SSE stream is dropped (its headers went out long ago): the stream ends without a goodbye', async () => {
    const s = await listening();
    const a = await join(s.app);
    const conn = new KeepAlive(s.port, s.sockets);
    conn.get(s.host, `/api/events?after=0&clientId=${a.clientId}`);
    await until(() => conn.text.includes('event: state'), 'the state event');
    expect(await cut(s, a.clientId)).toBe(1);
    await until(() => conn.closed, 'the stream to close');
    expect(complete(conn.text)).toBe(false);
  });
});

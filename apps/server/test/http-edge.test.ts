// CONTRACT v2 "what no peer can do to the others", at the edge (http/): each
// finding of the attack on the running server, replayed the way the attacker
// sent it, over real sockets on 127.0.0.1 (and 127.0.0.2 as another student).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromEnv, defaultConfig } from '../src/config.ts';
import { edgeServerOptions, installEdgeGuards } from '../src/http/guards.ts';
import { parseJsonText } from '../src/http/json.ts';
import { installUpgradeDispatcher, upgradeParamsOf, type UpgradeParams, type UpgradeTargets } from '../src/http/upgrade.ts';
import { appPool, call, rawHttp, until, upgradeRequest, type Json, type Started } from './helpers/contract.ts';

const pool = appPool();
const sockets: Socket[] = [];
const servers: Server[] = [];
let child: ChildProcess | undefined;
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await pool.closeAll();
});

const WS_PATHS = ['/ws/raw', '/ws/lib', '/ws/raw/echo', '/ws/lib/echo'] as const;
const CRASHING_TARGETS = ['//%', '//[', 'http://[::1', 'http://x:99999/'] as const;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Json;
}

/** A client socket, optionally from another loopback address, that reads one HTTP answer. */
class Peer {
  readonly socket: Socket;
  readonly connected: Promise<void>;
  /** Resolves when the server has ended the connection (or it failed). */
  readonly closed: Promise<void>;
  private data = Buffer.alloc(0);
  private wake: Array<() => void> = [];

  constructor(port: number, localAddress = '127.0.0.1', read = true) {
    this.socket = connect({ port, host: '127.0.0.1', localAddress });
    sockets.push(this.socket);
    this.socket.on('error', () => {});
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    if (read) {
      this.socket.on('data', (chunk: Buffer) => {
        this.data = Buffer.concat([this.data, chunk]);
        for (const w of this.wake.splice(0)) w();
      });
    }
    this.socket.once('close', () => {
      for (const w of this.wake.splice(0)) w();
    });
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** The first complete answer (head and Content-Length body). */
  async answer(): Promise<Answer> {
    for (;;) {
      const parsed = parse(this.data);
      if (parsed) return parsed;
      if (this.socket.destroyed) throw new Error(`connection closed; got ${JSON.stringify(this.data.toString('latin1'))}`);
      await new Promise<void>((r) => this.wake.push(r));
    }
  }
}

function parse(data: Buffer): Answer | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
  const length = Number(headers['content-length'] ?? 0);
  if (data.length < end + 4 + length) return null;
  const text = data.subarray(end + 4, end + 4 + length).toString('utf8');
  return { status: Number(statusLine.split(' ')[1]), headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** One request over its own connection; the answer. */
async function exchange(port: number, request: string | Buffer, localAddress = '127.0.0.1'): Promise<Answer> {
  const peer = new Peer(port, localAddress);
  peer.write(request);
  return peer.answer();
}

const get = (path: string, host: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;

function expectJsonError(answer: { status: number; headers: Record<string, string>; body?: Json }, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(typeof answer.body.error.message).toBe('string');
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
}

/** What a bad request must never change. */
async function roomSnapshot(s: Started): Promise<Json> {
  const stats = (await call(s.app, 'GET', '/api/stats')).body;
  const poll = (await call(s.app, 'GET', '/api/poll?after=0')).body;
  return { lastSeq: poll.lastSeq, clients: stats.room.clients, messages: poll.messages.length };
}

async function joined(s: Started): Promise<{ clientId: string; clientSecret?: string }> {
  const res = await call(s.app, 'POST', '/api/join', {});
  expect(res.status).toBe(201);
  return res.body;
}

const messageBody = (client: { clientId: string; clientSecret?: string }, text: string): string =>
  JSON.stringify({ clientId: client.clientId, clientSecret: client.clientSecret, text });

// ---------------------------------------------------------------------------
describe('finding 1: a request-target new URL() rejects never crashes an upgrade', () => {
  it.each(CRASHING_TARGETS)('%s → 400 INVALID_REQUEST, the server keeps serving', async (target) => {
    const s = await pool.listening();
    const res = await rawHttp(s.port, upgradeRequest(target, s.host));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toEqual({ code: 'INVALID_REQUEST', message: 'request-target is not a valid path' });
    expect(res.headers.connection).toBe('close');
    expect((await rawHttp(s.port, get('/healthz', s.host))).status).toBe(200);
  });

  it('the same targets as plain requests get JSON errors; an undecodable path is 400 INVALID_REQUEST', async () => {
    const s = await pool.listening();
    for (const target of CRASHING_TARGETS) {
      const res = await exchange(s.port, get(target, s.host));
      // RFC 9112 3.2.2 a server MUST accept the absolute-form: http://[::1 is then just no route.
      expect([400, 404], target).toContain(res.status);
      expect(res.body.error.code).toMatch(/^(INVALID_REQUEST|NOT_FOUND)$/);
    }
    expectJsonError(await exchange(s.port, get('/%zz', s.host)), 400, 'INVALID_REQUEST');
  });

  it('whatever a target throws in the dispatcher ends that connection only, with one log line', async () => {
    const logged: string[] = [];
    const targets: UpgradeTargets = {
      raw: {
        upgrade: () => {
          throw new Error('a bug in a transport');
        },
      },
      lib: { upgrade: async () => {} },
    };
    const server = createServer((_req, res) => res.end('alive'));
    servers.push(server);
    installUpgradeDispatcher(server, defaultConfig, { closing: false }, targets, { error: (_details, message) => logged.push(message) });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const peer = new Peer(port);
    peer.write(upgradeRequest('/ws/raw?clientSecret=s3cret', `127.0.0.1:${port}`));
    await peer.closed;
    expect(logged).toEqual(['upgrade failed; connection dropped']);
    expect(await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())).toBe('alive');
  });
});

describe('finding 1, the built server (apps/server/dist/main.js)', () => {
  const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));

  it('survives the four crashing request-targets and still answers /healthz', async () => {
    if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run 'pnpm --filter @wirebench/server build' first`);
    const proc = spawn(process.execPath, [mainJs], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG: '0', STATIC_DIR: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`server exited early with ${code}: ${out}`)));
    });
    const host = url.replace('http://', '');
    const port = Number(host.split(':')[1]);
    for (const target of CRASHING_TARGETS) {
      const res = await rawHttp(port, upgradeRequest(target, host));
      expect(res.status, target).toBe(400);
      expect(JSON.parse(res.body).error.code).toBe('INVALID_REQUEST');
    }
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect(proc.exitCode).toBe(null);
    expect(proc.signalCode).toBe(null);
  });
});

// ---------------------------------------------------------------------------
describe('finding 2: upgrade parameters are parsed once, for both stacks', () => {
  const refusals: Array<[string, number, string]> = [
    ['?after=1&after=2', 400, 'INVALID_CURSOR'],
    ['?after=-1', 400, 'INVALID_CURSOR'],
    ['?after=1.5', 400, 'INVALID_CURSOR'],
    ['?epoch=e1&epoch=e1', 400, 'INVALID_CURSOR'],
    ['?epoch=not%20ok', 400, 'INVALID_CURSOR'],
    ['?epoch=', 400, 'INVALID_CURSOR'],
    [`?epoch=${'e'.repeat(65)}`, 400, 'INVALID_CURSOR'],
    ['?clientId=a&clientId=b', 400, 'INVALID_QUERY'],
    ['?clientId=', 400, 'INVALID_QUERY'],
    [`?clientId=${'c'.repeat(201)}`, 400, 'INVALID_QUERY'],
    ['?clientSecret=a&clientSecret=a', 400, 'INVALID_QUERY'],
    [`?clientSecret=${'s'.repeat(201)}`, 400, 'INVALID_QUERY'],
  ];

  describe.each(['/ws/raw', '/ws/lib'])('%s', (path) => {
    it.each(refusals)('%s → %i %s, the room untouched', async (query, status, code) => {
      const s = await pool.listening();
      const before = await roomSnapshot(s);
      const res = await rawHttp(s.port, upgradeRequest(`${path}${query}`, s.host));
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body).error.code).toBe(code);
      expect(await roomSnapshot(s)).toEqual(before);
    });

    it('each parameter given once, at its limits, is accepted', async () => {
      const s = await pool.listening();
      const query = `?after=0&epoch=${'e'.repeat(64)}&clientId=${'c'.repeat(200)}&clientSecret=${'s'.repeat(200)}`;
      expect((await rawHttp(s.port, upgradeRequest(`${path}${query}`, s.host))).status).toBe(101);
    });
  });

  it('the hand-rolled target gets `params`, the ws-lib side reads the same through upgradeParamsOf(req)', async () => {
    const seenRaw: UpgradeParams[] = [];
    const seenLib: UpgradeParams[] = [];
    const targets: UpgradeTargets = {
      raw: {
        upgrade: (_kind, up) => {
          seenRaw.push(up.params);
          up.socket.destroy();
        },
      },
      lib: {
        upgrade: async (_kind, req, socket, _head, params) => {
          seenLib.push(params, upgradeParamsOf(req));
          socket.destroy();
        },
      },
    };
    const server = createServer();
    servers.push(server);
    installUpgradeDispatcher(server, defaultConfig, { closing: false }, targets);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const query = '?after=5&epoch=e-1_A&clientId=c%201&clientSecret=s%2Bx&other=1&other=2';
    for (const path of ['/ws/raw', '/ws/lib']) {
      const peer = new Peer(port);
      peer.write(upgradeRequest(`${path}${query}`, `127.0.0.1:${port}`));
      await peer.closed;
    }
    const expected = { after: 5, epoch: 'e-1_A', clientId: 'c 1', clientSecret: 's+x' };
    expect(seenRaw).toEqual([expected]);
    expect(seenLib).toEqual([expected, expected]);
  });
});

// ---------------------------------------------------------------------------
describe('finding 3: the Host check (DNS rebinding)', () => {
  it('a foreign Host is 403 HOST_NOT_ALLOWED on every HTTP endpoint, even with a matching Origin; the room untouched', async () => {
    const s = await pool.listening();
    const client = await joined(s);
    const before = await roomSnapshot(s);
    // A page on evil.example whose name resolves to 127.0.0.1: its Origin and Host agree.
    const host = `evil.example:${s.port}`;
    const origin = `Origin: http://${host}\r\n`;
    for (const path of ['/api/poll', '/api/longpoll?timeout=0', '/api/events', '/api/stats', '/healthz', '/no/such/route']) {
      expectJsonError(await exchange(s.port, get(path, host, origin)), 403, 'HOST_NOT_ALLOWED');
    }
    for (const [path, body] of [['/api/join', '{}'], ['/api/messages', messageBody(client, 'rebound')]] as const) {
      const request = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\n${origin}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      expectJsonError(await exchange(s.port, request), 403, 'HOST_NOT_ALLOWED');
    }
    expect(await roomSnapshot(s)).toEqual(before);
  });

  it.each(WS_PATHS)('%s: a foreign Host is refused 403 HOST_NOT_ALLOWED as JSON, the room untouched', async (path) => {
    const s = await pool.listening();
    const before = await roomSnapshot(s);
    const host = `evil.example:${s.port}`;
    const res = await rawHttp(s.port, upgradeRequest(path, host, { headers: { Origin: `http://${host}` } }));
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.code).toBe('HOST_NOT_ALLOWED');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(await roomSnapshot(s)).toEqual(before);
  });

  it('IP literals, localhost, *.localhost and this machine’s name are served', async () => {
    const s = await pool.listening();
    const own = hostname();
    const hosts = [
      s.host,
      '127.0.0.1',
      '10.1.2.3:8080',
      `[::1]:${s.port}`,
      '[fe80::1]',
      `localhost:${s.port}`,
      'LOCALHOST.',
      `app.localhost:${s.port}`,
      own,
      `${own}.local:${s.port}`,
    ];
    for (const host of hosts) expect((await exchange(s.port, get('/healthz', host))).status, host).toBe(200);
    for (const host of ['evil.example', 'localhost.evil.example', '127.0.0.1.evil.example', `${own}.evil.example`, '[::1', 'a b']) {
      expectJsonError(await exchange(s.port, get('/healthz', host)), 403, 'HOST_NOT_ALLOWED');
    }
    expect((await rawHttp(s.port, upgradeRequest('/ws/raw', `localhost:${s.port}`))).status).toBe(101);
  });

  it('ALLOWED_HOSTS adds names; * allows any', async () => {
    const listed = await pool.listening({ allowedHosts: ['wirebench.school'] });
    expect((await exchange(listed.port, get('/healthz', `WireBench.School:${listed.port}`))).status).toBe(200);
    expectJsonError(await exchange(listed.port, get('/healthz', 'other.school')), 403, 'HOST_NOT_ALLOWED');
    expect((await rawHttp(listed.port, upgradeRequest('/ws/lib', 'wirebench.school'))).status).toBe(101);
    const any = await pool.listening({ allowedHosts: ['*'] });
    expect((await exchange(any.port, get('/healthz', 'evil.example'))).status).toBe(200);
    expect(configFromEnv({ ALLOWED_HOSTS: ' wirebench.school , b.example:3000 ,' }).allowedHosts).toEqual(['wirebench.school', 'b.example:3000']);
  });

  it('an HTTP/1.1 request without Host is 400 INVALID_REQUEST as JSON; HTTP/1.0 needs none', async () => {
    const s = await pool.listening();
    expectJsonError(await exchange(s.port, 'GET /healthz HTTP/1.1\r\n\r\n'), 400, 'INVALID_REQUEST');
    expect((await exchange(s.port, 'GET /healthz HTTP/1.0\r\n\r\n')).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------
describe('finding 4: a request must arrive in time; held answers are not cut', () => {
  const LIMIT = 400;

  it('the env variable and its default', () => {
    expect(configFromEnv({}).requestTimeoutMs).toBe(10_000);
    expect(configFromEnv({ REQUEST_TIMEOUT_MS: '2500' }).requestTimeoutMs).toBe(2_500);
    expect(() => configFromEnv({ REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/REQUEST_TIMEOUT_MS/);
  });

  it('half a body → 408 REQUEST_TIMEOUT soon after the limit, Connection: close; the rest arriving late stores nothing', async () => {
    const s = await pool.listening({ requestTimeoutMs: LIMIT });
    const client = await joined(s);
    const before = await roomSnapshot(s);
    const body = messageBody(client, 'late');
    const peer = new Peer(s.port);
    const started = Date.now();
    peer.write(`POST /api/messages HTTP/1.1\r\nHost: ${s.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    peer.write(body.slice(0, 10));
    const res = await peer.answer();
    const elapsed = Date.now() - started;
    expectJsonError(res, 408, 'REQUEST_TIMEOUT');
    expect(res.headers.connection).toBe('close');
    expect(elapsed).toBeGreaterThanOrEqual(LIMIT - 20);
    expect(elapsed).toBeLessThan(LIMIT + 1_000);
    peer.write(body.slice(10));
    await peer.closed;
    await new Promise((r) => setTimeout(r, 100));
    expect(await roomSnapshot(s)).toEqual(before);
  });

  it('headers that never end → 408, and the socket is closed', async () => {
    const s = await pool.listening({ requestTimeoutMs: LIMIT });
    const peer = new Peer(s.port);
    peer.write(`GET /healthz HTTP/1.1\r\nHost: ${s.host}\r\nX-Slow: `);
    expectJsonError(await peer.answer(), 408, 'REQUEST_TIMEOUT');
    await peer.closed;
  });

  it('100 sockets holding half a body are all answered 408 and closed; the server still serves', async () => {
    const s = await pool.listening({ requestTimeoutMs: LIMIT });
    const peers = Array.from({ length: 100 }, () => new Peer(s.port));
    for (const peer of peers) {
      peer.write(`POST /api/join HTTP/1.1\r\nHost: ${s.host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na`);
    }
    const answers = await Promise.all(peers.map((p) => p.answer()));
    expect(answers.every((a) => a.status === 408)).toBe(true);
    await Promise.all(peers.map((p) => p.closed));
    expect((await exchange(s.port, get('/healthz', s.host))).status).toBe(200);
  });

  it('a long poll held three times longer than the limit is answered 200, not cut', async () => {
    const s = await pool.listening({ requestTimeoutMs: LIMIT });
    const { lastSeq } = await roomSnapshot(s);
    const started = Date.now();
    const res = await exchange(s.port, get(`/api/longpoll?after=${lastSeq}&timeout=${3 * LIMIT}`, s.host));
    expect(res.status).toBe(200);
    expect(res.body.messages).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * LIMIT - 20);
  });

  it('an SSE stream open three times longer than the limit still delivers', async () => {
    const s = await pool.listening({ requestTimeoutMs: LIMIT });
    const client = await joined(s);
    const peer = new Peer(s.port);
    let text = '';
    peer.socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    peer.write(get('/api/events', s.host, 'Accept: text/event-stream\r\n'));
    await new Promise((r) => setTimeout(r, 3 * LIMIT));
    expect(peer.socket.destroyed).toBe(false);
    expect((await call(s.app, 'POST', '/api/messages', JSON.parse(messageBody(client, 'still here')))).status).toBe(201);
    await until(() => text.includes('still here'), 'the message on the stream');
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).not.toContain('REQUEST_TIMEOUT');
  });
});

describe('finding 4: malformed HTTP gets our JSON errors', () => {
  it.each([
    ['a garbage request line', 'HELLO THERE\r\n\r\n', 400, 'INVALID_REQUEST'],
    ['a header name with a space', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n', 400, 'INVALID_REQUEST'],
    ['a header line without a colon', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nnocolon\r\n\r\n', 400, 'INVALID_REQUEST'],
    ['two Content-Lengths that disagree', 'POST /api/join HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}', 400, 'INVALID_REQUEST'],
    ['20 KB of headers', `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
  ])('%s → %i %s, Connection: close', async (_what, request, status, code) => {
    const s = await pool.listening();
    const peer = new Peer(s.port);
    peer.write(request);
    const res = await peer.answer();
    expectJsonError(res, status, code);
    expect(res.headers.connection).toBe('close');
    await peer.closed;
  });
});

// ---------------------------------------------------------------------------
describe('finding 5: connections per address are bounded', () => {
  it('the env variable and its default', () => {
    expect(configFromEnv({}).maxConnectionsPerAddress).toBe(200);
    expect(configFromEnv({ MAX_CONNECTIONS_PER_ADDRESS: '7' }).maxConnectionsPerAddress).toBe(7);
  });

  it('over the bound: 429 RATE_LIMITED and closed; nothing it sends is served; another address is still served', async () => {
    const s = await pool.listening({ maxConnectionsPerAddress: 3 });
    const client = await joined(s);
    const before = await roomSnapshot(s);
    const held = Array.from({ length: 3 }, () => new Peer(s.port));
    await Promise.all(held.map((p) => p.connected));

    // The fourth connection from 127.0.0.1 posts a message at once: refused, and it is not stored.
    const body = messageBody(client, 'one too many');
    const extra = new Peer(s.port);
    extra.write(`POST /api/messages HTTP/1.1\r\nHost: ${s.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const res = await extra.answer();
    expectJsonError(res, 429, 'RATE_LIMITED');
    expect(res.body.error.message).toBe('too many connections from 127.0.0.1');
    expect(res.headers.connection).toBe('close');
    await extra.closed;
    // An upgrade over the bound is refused the same way.
    const ws = new Peer(s.port);
    ws.write(upgradeRequest('/ws/raw', s.host));
    expectJsonError(await ws.answer(), 429, 'RATE_LIMITED');

    expect(await roomSnapshot(s)).toEqual(before);

    // Another student, on another address, is served while 127.0.0.1 is at its bound.
    expect((await exchange(s.port, get('/healthz', s.host), '127.0.0.2')).status).toBe(200);
    expect((await exchange(s.port, upgradeRequest('/ws/lib', s.host), '127.0.0.2')).status).toBe(101);

    // Once the held connections close, 127.0.0.1 is served again.
    for (const p of held) p.socket.destroy();
    await until(async () => (await exchange(s.port, get('/healthz', s.host))).status === 200, '127.0.0.1 served again');
  });

  it('a refused peer that never reads does not linger', async () => {
    const s = await pool.listening({ maxConnectionsPerAddress: 1 });
    const held = new Peer(s.port);
    await held.connected;
    const silent = new Peer(s.port, '127.0.0.1', false);
    await silent.connected;
    await new Promise((r) => setTimeout(r, 50));
    held.socket.destroy();
    // While the silent peer's socket is open on the server, it fills the bound of 1.
    const started = Date.now();
    await until(async () => (await exchange(s.port, get('/healthz', s.host))).status === 200, 'the silent peer dropped');
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('the count follows live connections and forgets an address at zero', async () => {
    const app = Fastify({ ...edgeServerOptions({ ...defaultConfig, maxConnectionsPerAddress: 1_000 }) });
    const guards = installEdgeGuards(app, { ...defaultConfig, maxConnectionsPerAddress: 1_000 });
    app.get('/', async () => 'ok');
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (app.server.address() as { port: number }).port;
      const peers = [...Array.from({ length: 20 }, () => new Peer(port)), ...Array.from({ length: 5 }, () => new Peer(port, '127.0.0.2'))];
      await Promise.all(peers.map((p) => p.connected));
      await until(() => guards.connectionsFrom('127.0.0.1') === 20 && guards.connectionsFrom('127.0.0.2') === 5, 'counted');
      expect(guards.addresses).toBe(2);
      for (const p of peers) p.socket.destroy();
      await until(() => guards.addresses === 0, 'forgotten');
      expect(guards.connectionsFrom('127.0.0.1')).toBe(0);
    } finally {
      await app.close();
    }
  });
});

// ---------------------------------------------------------------------------
describe('finding 6: JSON bodies are strict UTF-8 and free of prototype keys', () => {
  const post = async (s: Started, path: string, body: Buffer): Promise<Answer> =>
    exchange(
      s.port,
      Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: ${s.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`), body]),
    );

  it.each([
    ['a lone 0xFF byte', Buffer.from([0xff])],
    ['a truncated sequence', Buffer.from([0xe2, 0x82])],
    ['an overlong encoding of "/"', Buffer.from([0xc0, 0xaf])],
    ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
  ])('%s in the text → 400 INVALID_BODY "body is not valid UTF-8", nothing stored', async (_what, bad) => {
    const s = await pool.listening();
    const client = await joined(s);
    const before = await roomSnapshot(s);
    const [head, tail] = messageBody(client, 'XX').split('XX') as [string, string];
    const res = await post(s, '/api/messages', Buffer.concat([Buffer.from(head), bad, Buffer.from(tail)]));
    expectJsonError(res, 400, 'INVALID_BODY');
    expect(res.body.error.message).toBe('body is not valid UTF-8');
    expect(await roomSnapshot(s)).toEqual(before);
  });

  it('__proto__ and constructor.prototype keys → 400 INVALID_BODY, nothing stored; valid UTF-8 and an empty join still work', async () => {
    const s = await pool.listening();
    const client = await joined(s);
    const before = await roomSnapshot(s);
    const text = messageBody(client, 'poisoned').slice(0, -1);
    for (const extra of [',"__proto__":{"admin":true}}', ',"constructor":{"prototype":{"admin":true}}}', ',"\\u005f_proto__":{}}']) {
      expectJsonError(await post(s, '/api/messages', Buffer.from(text + extra)), 400, 'INVALID_BODY');
    }
    expect(await roomSnapshot(s)).toEqual(before);
    expect((await post(s, '/api/messages', Buffer.from(messageBody(client, 'héllo 😀')))).status).toBe(201);
    expect((await post(s, '/api/join', Buffer.alloc(0))).status).toBe(201);
  });

  it('parseJsonText: the same rule for WebSocket chat frames', () => {
    expect(parseJsonText('{"type":"send","text":"hi"}')).toEqual({ type: 'send', text: 'hi' });
    for (const text of ['{"type":"send","__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '{"type":', '']) {
      let thrown: unknown;
      try {
        parseJsonText(text);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({ code: 'INVALID_BODY', statusCode: 400 });
    }
  });
});

// ---------------------------------------------------------------------------
describe('finding 7: query errors name the right code', () => {
  it.each([
    ['/api/poll?after=1&after=2', 'INVALID_CURSOR'],
    ['/api/poll?after=x', 'INVALID_CURSOR'],
    ['/api/longpoll?timeout=1&timeout=2', 'INVALID_CURSOR'],
    ['/api/poll?clientId=a&clientId=b', 'INVALID_QUERY'],
    ['/api/events?clientId=a&clientId=b', 'INVALID_QUERY'],
  ])('%s → 400 %s', async (path, code) => {
    const s = await pool.listening();
    expectJsonError(await exchange(s.port, get(path, s.host)), 400, code);
  });
});

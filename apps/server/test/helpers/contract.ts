// Helpers for the contract tests: a client that knows only CONTRACT.md.
// Start an app, speak JSON through inject, open WebSockets and SSE streams on
// real sockets, and send hand-written HTTP over node:net.
import { connect } from 'node:net';
import { request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { expect } from 'vitest';
import type { AppConfig } from '../../src/config.ts';
import { buildApp, type AppParts } from '../../src/app.ts';

/** What a test reads off the wire: any JSON, checked by the assertions that read it. */
export type Json = any;

export interface Started {
  app: FastifyInstance;
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, what a browser sends as Host */
  host: string;
  port: number;
}

/**
 * Every client of a contract test shares 127.0.0.1: the per-address limits
 * (tested on their own in http-edge and attack tests) are lifted unless a test sets them.
 */
export const ONE_ADDRESS_CLASS: Partial<AppConfig> = {
  teacherKey: 'contract-test-teacher-key',
  maxConnectionsPerAddress: 1_000_000,
  joinRateLimit: 1_000_000_000,
  sendRateLimitPerAddress: 1_000_000_000,
};

/** Headers of a teacher-only request to an app made by these helpers. */
export const asTeacher: Record<string, string> = { authorization: 'Bearer contract-test-teacher-key' };

/** The app with the per-address limits lifted (ONE_ADDRESS_CLASS), then the test's own config. */
export const testApp = (config: Partial<AppConfig> = {}, parts: AppParts = {}): FastifyInstance =>
  buildApp({ ...ONE_ADDRESS_CLASS, ...config }, parts);

/** Builds the app and listens on 127.0.0.1, port 0. */
export async function start(config: Partial<AppConfig> = {}, parts: AppParts = {}): Promise<Started> {
  const app = testApp(config, parts);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { app, url: `http://127.0.0.1:${address.port}`, host: `127.0.0.1:${address.port}`, port: address.port };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Json;
  raw: string;
}

// ---------------------------------------------------------------------------
// Client secrets (CONTRACT v2 "identity"): the helpers act as each client's
// owner. Every secret handed out by a join or a welcome is remembered, and a
// request body acting as a client (sends, debug) that names a clientId and has
// no `clientSecret` key gets its owner's secret. A test of a missing secret
// sends a body with `clientSecret: null` or a raw request.

const secrets = new Map<string, string>();

/** Remembers the secret of an identity the server handed out (join answer or welcome frame). */
export function remember(identity: Json): void {
  if (identity && typeof identity.clientId === 'string' && typeof identity.clientSecret === 'string') {
    secrets.set(identity.clientId, identity.clientSecret);
  }
}

/** The secret the server gave `clientId` (undefined when none was seen). */
export const secretOf = (clientId: string): string | undefined => secrets.get(clientId);

/** `body` with its owner's secret when it acts as a known client and has no clientSecret key. */
export function asOwner(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const b = body as Record<string, unknown>;
  if (typeof b.clientId !== 'string' || 'clientSecret' in b || !secrets.has(b.clientId)) return body;
  return { ...b, clientSecret: secrets.get(b.clientId) };
}

/** `?clientId=…&clientSecret=…` for a WebSocket that keeps an identity. */
export const identityQuery = (clientId: string): string =>
  `clientId=${encodeURIComponent(clientId)}&clientSecret=${encodeURIComponent(secrets.get(clientId) ?? '')}`;

/** One JSON request through inject. `body` undefined sends no body; a string is sent as is. */
export async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const hasBody = body !== undefined;
  body = asOwner(body);
  const res = await app.inject({
    method,
    url,
    headers: hasBody ? { 'content-type': 'application/json', ...headers } : headers,
    ...(hasBody ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  let parsed: Json = undefined;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    parsed = undefined;
  }
  remember(parsed);
  return { status: res.statusCode, headers: res.headers, body: parsed, raw: res.body };
}

export function expectError(answer: Answer, status: number, code?: string): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({
    status,
    code: code ?? answer.body?.error?.code,
  });
  expect(typeof answer.body.error.code).toBe('string');
  expect(typeof answer.body.error.message).toBe('string');
  expect(String(answer.headers['content-type'])).toMatch(/^application\/json/);
}

export async function join(app: FastifyInstance, body: unknown = {}): Promise<Json> {
  const res = await call(app, 'POST', '/api/join', body);
  expect(res.status).toBe(201);
  return res.body;
}

export async function send(app: FastifyInstance, clientId: string, text: string, extra: Record<string, unknown> = {}): Promise<Json> {
  const res = await call(app, 'POST', '/api/messages', { clientId, text, ...extra });
  expect(res.status, res.raw).toBe(201);
  return res.body.message;
}

/** The room as a client sees it: lastSeq and every retained message (via short polls). */
export async function roomState(app: FastifyInstance): Promise<{ lastSeq: number; history: Json[]; all: Json[] }> {
  const history = (await call(app, 'GET', '/api/poll')).body;
  const all: Json[] = [];
  let after = 0;
  let lastSeq = history.lastSeq;
  for (;;) {
    const page = (await call(app, 'GET', `/api/poll?after=${after}`)).body;
    lastSeq = page.lastSeq;
    all.push(...page.messages);
    if (page.messages.length === 0) break;
    after = page.messages[page.messages.length - 1].seq;
  }
  return { lastSeq, history: history.messages, all };
}

export async function stats(app: FastifyInstance): Promise<Json> {
  return (await call(app, 'GET', '/api/stats')).body;
}

/** Polls `check` (on the event loop, no wall-clock assertion) until it holds. */
export async function until(check: () => boolean | Promise<boolean>, what = 'condition', tries = 2000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// WebSocket client with a frame queue

export interface Frame {
  data: string | Buffer;
  isBinary: boolean;
}

export class WsPeer {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly queue: Frame[] = [];
  private waiters: Array<(f: Frame | null) => void> = [];
  private isClosed = false;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers, maxPayload: 1 << 26 });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req: ClientRequest, res: IncomingMessage) =>
        reject(new Error(`unexpected response ${res.statusCode}`)),
      );
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.isClosed = true;
        for (const w of this.waiters) w(null);
        this.waiters = [];
        resolve({ code, reason: reason.toString() });
      });
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      const frame: Frame = { data: isBinary ? data : data.toString('utf8'), isBinary };
      const waiter = this.waiters.shift();
      if (waiter) waiter(frame);
      else this.queue.push(frame);
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  nextFrame(): Promise<Frame> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.isClosed) return Promise.reject(new Error('socket closed'));
    return new Promise((resolve, reject) => this.waiters.push((f) => (f ? resolve(f) : reject(new Error('socket closed')))));
  }

  /** The next text frame, parsed as JSON. */
  async next(): Promise<Json> {
    const frame = await this.nextFrame();
    if (frame.isBinary) throw new Error('expected a text frame');
    const parsed = JSON.parse(frame.data as string);
    if (parsed?.type === 'welcome') remember(parsed);
    return parsed;
  }

  /** The next `n` JSON frames. */
  async take(n: number): Promise<Json[]> {
    const out: Json[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next());
    return out;
  }

  sendJson(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close();
    return this.closed;
  }
}

/** Opens a WebSocket and waits for the handshake. */
export async function openWs(url: string, headers: Record<string, string> = {}): Promise<WsPeer> {
  const peer = new WsPeer(url, headers);
  await peer.opened;
  return peer;
}

/** Opens a chat WebSocket and reads the welcome plus `replay` more frames. */
export async function openChat(url: string, replay = 0): Promise<{ peer: WsPeer; welcome: Json; frames: Json[] }> {
  const peer = await openWs(url);
  const welcome = await peer.next();
  const frames = await peer.take(replay);
  return { peer, welcome, frames };
}

/** The status a WebSocket handshake is refused with (or 101). */
export function handshakeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('error', () => {});
    ws.once('open', () => {
      // A clean close: the server's side ends at once (a vanished peer is a test of its own).
      ws.once('close', () => resolve(101));
      ws.close();
    });
    ws.once('unexpected-response', (_req: ClientRequest, res: IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

// ---------------------------------------------------------------------------
// Server-Sent Events over node:http

export interface SseEvent {
  event?: string;
  id?: string;
  data: string;
}

export class SseReader {
  readonly req: ClientRequest;
  readonly response: Promise<IncomingMessage>;
  /** Resolves when the server ends the stream ('end') or the connection fails ('error'). */
  readonly ended: Promise<'end' | 'error'>;
  readonly events: SseEvent[] = [];
  private buffer = '';
  private waiters: Array<() => void> = [];
  comments = 0;

  constructor(url: string, headers: Record<string, string> = {}) {
    let endResolve: (v: 'end' | 'error') => void = () => {};
    this.ended = new Promise((r) => (endResolve = r));
    this.req = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } });
    this.response = new Promise((resolve, reject) => {
      this.req.once('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.feed(chunk));
        res.once('end', () => endResolve('end'));
        res.once('error', () => endResolve('error'));
        res.once('aborted', () => endResolve('error'));
        res.once('close', () => endResolve(res.complete ? 'end' : 'error'));
        resolve(res);
      });
      this.req.once('error', (e) => {
        endResolve('error');
        reject(e);
      });
    });
    this.response.catch(() => {});
    this.req.end();
  }

  private feed(chunk: string): void {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    let at: number;
    while ((at = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      const event: SseEvent = { data: '' };
      const data: string[] = [];
      let fields = 0;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments++;
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        fields++;
        if (field === 'data') data.push(value);
        else if (field === 'id') event.id = value;
        else if (field === 'event') event.event = value;
      }
      if (fields === 0) continue;
      event.data = data.join('\n');
      this.events.push(event);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `n` events (comments excluded) have arrived; returns them all. */
  async waitFor(n: number): Promise<SseEvent[]> {
    while (this.events.length < n) {
      const done = await Promise.race([
        new Promise<'more'>((r) => this.waiters.push(() => r('more'))),
        this.ended.then(() => 'ended' as const),
      ]);
      if (done === 'ended' && this.events.length < n) throw new Error(`stream ended after ${this.events.length} events`);
    }
    return this.events.slice(0, n);
  }

  /** Unnamed (message) events parsed as JSON. */
  messages(): Json[] {
    return this.events.filter((e) => e.event === undefined || e.event === 'message').map((e) => JSON.parse(e.data));
  }

  close(): void {
    this.req.destroy();
  }
}

// ---------------------------------------------------------------------------
// Hand-written HTTP over node:net

export interface RawResponse {
  statusLine: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Body length matches Content-Length (or the chunked body ended). */
  complete: boolean;
}

/** Sends `text` as is and reads one HTTP response (until it is complete or the socket ends). */
export function rawHttp(port: number, text: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (): void => {
      if (done) return;
      const parsed = parseResponse(data);
      if (parsed === null) return reject(new Error(`no response: ${data.toString('latin1')}`));
      done = true;
      socket.destroy();
      resolve(parsed);
    };
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const parsed = parseResponse(data);
      if (parsed?.complete) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (e) => {
      if (!done && data.length === 0) reject(e);
    });
    socket.write(text);
  });
}

function parseResponse(data: Buffer): RawResponse | null {
  const text = data.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const [statusLine = '', ...lines] = text.slice(0, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = data.subarray(Buffer.byteLength(text.slice(0, headEnd + 4), 'latin1'));
  let body = '';
  let complete = false;
  const status = Number(statusLine.split(' ')[1]);
  if (status === 101) {
    complete = true; // what follows is WebSocket frames
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    body = rest.subarray(0, length).toString('utf8');
    complete = rest.length >= length;
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    let at = 0;
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', at);
      if (lineEnd < 0) break;
      const size = parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) break;
      if (size === 0) {
        complete = true;
        break;
      }
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts).toString('utf8');
  } else {
    body = rest.toString('utf8');
  }
  return { statusLine, status, headers, body, complete };
}

/** A GET upgrade request, with `lines` replacing or adding header lines. */
export function upgradeRequest(
  path: string,
  host: string,
  opts: { method?: string; version?: string; headers?: Record<string, string | null> } = {},
): string {
  const headers: Record<string, string | null> = {
    Host: host,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...opts.headers,
  };
  const head = [`${opts.method ?? 'GET'} ${path} HTTP/${opts.version ?? '1.1'}`];
  for (const [name, value] of Object.entries(headers)) if (value !== null) head.push(`${name}: ${value}`);
  return `${head.join('\r\n')}\r\n\r\n`;
}

/** `n` copies of an astral character (2 UTF-16 units, 4 UTF-8 bytes, 1 code point each). */
export const astral = (n: number): string => '😀'.repeat(n);
export const codePoints = (s: string): number => [...s].length;

/** Apps made by a test file; `closeAll` in afterEach closes every one. */
export function appPool(): {
  fresh: (config?: Partial<AppConfig>, parts?: AppParts) => FastifyInstance;
  listening: (config?: Partial<AppConfig>, parts?: AppParts) => Promise<Started>;
  closeAll: () => Promise<void>;
} {
  const open: FastifyInstance[] = [];
  return {
    fresh(config = {}, parts = {}) {
      const app = testApp(config, parts);
      open.push(app);
      return app;
    },
    async listening(config = {}, parts = {}) {
      const started = await start(config, parts);
      open.push(started.app);
      return started;
    },
    async closeAll() {
      await Promise.all(open.splice(0).map((app) => app.close()));
    },
  };
}

/** One JSON request over a real socket (fetch). */
export async function fetchJson(url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  body = asOwner(body);
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const raw = await res.text();
  let parsed: Json = undefined;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  remember(parsed);
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => (out[name] = value));
  return { status: res.status, headers: out, body: parsed, raw };
}

// ---------------------------------------------------------------------------
// A WebSocket client written by hand over node:net, for frames a library would refuse to send

/** One frame as a client would put it on the wire. */
export function wireFrame(
  opcode: number,
  payload: Uint8Array | string = new Uint8Array(0),
  opts: { fin?: boolean; mask?: boolean; rsv?: number } = {},
): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const mask = opts.mask ?? true;
  const head: number[] = [((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opcode];
  const m = mask ? 0x80 : 0;
  if (data.length < 126) head.push(m | data.length);
  else if (data.length < 65536) head.push(m | 126, data.length >> 8, data.length & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((data.length >>> 24) & 0xff, (data.length >>> 16) & 0xff, (data.length >>> 8) & 0xff, data.length & 0xff);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const masked = Buffer.from(data.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), key, masked]);
}

export const closePayload = (code: number, reason = ''): Buffer => {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return b;
};

export interface ServerFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Opens a WebSocket by hand; `frames()` are the server's frames so far; `closeCode()` waits for its close frame. */
export async function rawWs(port: number, path: string): Promise<{
  write: (bytes: Buffer) => void;
  frames: ServerFrame[];
  /** The code in the server's close frame, or 1006 if TCP ended without one. */
  closeCode: () => Promise<number>;
  destroy: () => void;
}> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const frames: ServerFrame[] = [];
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  let ended = false;
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  const opened = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        if (!/^HTTP\/1\.1 101 /.test(head)) return reject(new Error(head));
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        resolve();
      }
      for (;;) {
        if (buffer.length < 2) break;
        let len = buffer[1]! & 0x7f;
        let at = 2;
        if (len === 126) {
          if (buffer.length < 4) break;
          len = buffer.readUInt16BE(2);
          at = 4;
        } else if (len === 127) {
          if (buffer.length < 10) break;
          len = Number(buffer.readBigUInt64BE(2));
          at = 10;
        }
        if (buffer.length < at + len) break;
        frames.push({ fin: (buffer[0]! & 0x80) !== 0, opcode: buffer[0]! & 0x0f, payload: Buffer.from(buffer.subarray(at, at + len)) });
        buffer = buffer.subarray(at + len);
      }
      wake();
    });
    socket.on('close', () => {
      ended = true;
      wake();
      reject(new Error('closed before the upgrade'));
    });
  });
  socket.write(upgradeRequest(path, `127.0.0.1:${port}`));
  await opened;
  return {
    write: (bytes) => socket.write(bytes),
    frames,
    async closeCode() {
      for (;;) {
        const close = frames.find((f) => f.opcode === 8);
        if (close) return close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005;
        if (ended) return 1006;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    destroy: () => socket.destroy(),
  };
}

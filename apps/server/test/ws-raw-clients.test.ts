// Real, independent clients against the hand-rolled server on /ws/raw/echo:
// the npm `ws` client, Python's `websockets`, and Chromium's own WebSocket.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WsClient from 'ws';
import { buildApp } from '../src/app.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/chromium.ts';

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = buildApp();
  app.get('/echo-page', async (_req, reply) => reply.type('text/html').send('<!doctype html><link rel="icon" href="data:,"><title>echo</title>'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  base = `127.0.0.1:${address.port}`;
});
afterAll(() => app.close());

function nextMessage(ws: WsClient): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary }));
    ws.once('error', reject);
  });
}

describe('the npm ws client against /ws/raw/echo', () => {
  it('exchanges text, binary, 1 MiB, a ping and a clean close', async () => {
    const ws = new WsClient(`ws://${base}/ws/raw/echo`, { perMessageDeflate: false });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));

    ws.send('héllo 𝄞');
    const text = await nextMessage(ws);
    expect(text.isBinary).toBe(false);
    expect(text.data.toString('utf8')).toBe('héllo 𝄞');

    const blob = randomBytes(300);
    ws.send(blob);
    const binary = await nextMessage(ws);
    expect(binary.isBinary).toBe(true);
    expect(Buffer.compare(binary.data, blob)).toBe(0);

    const big = randomBytes(1024 * 1024);
    ws.send(big);
    const echoed = await nextMessage(ws);
    expect(echoed.data.length).toBe(big.length);
    expect(Buffer.compare(echoed.data, big)).toBe(0);

    const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
    ws.ping(Buffer.from('ping payload'));
    expect((await pong).toString()).toBe('ping payload');

    const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, reason.toString()])));
    ws.close(1000, 'bye');
    // 5.5.1: the server echoes the status code; the reason is its own (empty).
    expect((await closed)[0]).toBe(1000);
  });
});

describe("Python's websockets against /ws/raw/echo", () => {
  it('exchanges text, binary, 1 MiB, a ping and a clean close', async () => {
    const script = fileURLToPath(new URL('./fixtures/ws_echo_client.py', import.meta.url));
    const { stdout } = await promisify(execFile)('/usr/bin/python3', [script, `ws://${base}/ws/raw/echo`], { timeout: 25_000 });
    expect(JSON.parse(stdout)).toEqual({
      text: 'héllo, wörld 𝄞',
      textIsStr: true,
      binaryEqual: true,
      binaryIsBytes: true,
      megabyteEqual: true,
      pong: true,
      closeCode: 1000,
    });
  });
});

describe("Chromium's WebSocket against /ws/raw/echo", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  afterAll(() => browser?.close());

  it('exchanges text, binary, 1 MiB and a clean close (browsers send pings only on their own)', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`http://${base}/echo-page`);
    const result = await page.evaluate(async (url) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      const queue: MessageEvent[] = [];
      const waiters: ((e: MessageEvent) => void)[] = [];
      ws.onmessage = (e) => (waiters.length ? waiters.shift()!(e) : queue.push(e));
      const next = () => new Promise<MessageEvent>((r) => (queue.length ? r(queue.shift()!) : waiters.push(r)));
      await new Promise((r, j) => ((ws.onopen = r), (ws.onerror = j)));
      ws.send('héllo 𝄞');
      const text = (await next()).data;
      const bytes = new Uint8Array(1024 * 1024);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
      ws.send(new Uint8Array([1, 2, 3, 250]));
      const small = Array.from(new Uint8Array((await next()).data as ArrayBuffer));
      ws.send(bytes);
      const big = new Uint8Array((await next()).data as ArrayBuffer);
      let same = big.length === bytes.length;
      for (let i = 0; same && i < big.length; i++) same = big[i] === bytes[i];
      const closed = new Promise<{ code: number; wasClean: boolean }>((r) => (ws.onclose = (e) => r({ code: e.code, wasClean: e.wasClean })));
      ws.close(1000, 'bye');
      return { text, small, same, close: await closed };
    }, `ws://${base}/ws/raw/echo`);
    expect(result).toEqual({ text: 'héllo 𝄞', small: [1, 2, 3, 250], same: true, close: { code: 1000, wasClean: true } });
    expect(errors).toEqual([]);
    await page.close();
  });
});

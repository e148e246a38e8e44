// permessage-deflate (RFC 7692) between the hand-rolled server and real, independent clients:
// the npm `ws` client, Python's `websockets` and Chromium, each exchanging compressed messages
// with /ws/raw/echo (compression always answered) and /ws/raw?compress=1 (the chat lane's switch).
// The server's side is checked on the wire: the offer each client sent, the answer, and RSV1.
import { execFile } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WsClient from 'ws';
import { buildApp } from '../src/app.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/chromium.ts';

let app: FastifyInstance;
let base: string;
/** Per upgrade: the offer the client sent, and whether any frame the server wrote had RSV1 set. */
const seen: Array<{ url: string; offer: string | undefined; head?: string; answer?: string; rsv1Out: boolean }> = [];

beforeAll(async () => {
  app = buildApp();
  app.get('/deflate-page', async (_req, reply) => reply.type('text/html').send('<!doctype html><link rel="icon" href="data:,"><title>deflate</title>'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  // Watches the wire from outside the code under test: the request's offer and the server's writes.
  app.server.prependListener('upgrade', (req: IncomingMessage, socket: Socket) => {
    const entry: (typeof seen)[number] = { url: req.url ?? '', offer: req.headers['sec-websocket-extensions'] as string | undefined, rsv1Out: false };
    seen.push(entry);
    const write = socket.write.bind(socket) as (chunk: Uint8Array | string, ...rest: unknown[]) => boolean;
    let first = true;
    socket.write = ((chunk: Uint8Array | string, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
      if (first) {
        first = false;
        entry.head = text.slice(0, text.indexOf('\r\n\r\n'));
        entry.answer = /sec-websocket-extensions: ([^\r]*)/i.exec(text)?.[1];
      } else if (typeof chunk !== 'string' && chunk.length >= 2 && (chunk[0]! & 0x40) !== 0 && (chunk[0]! & 0x0f) <= 2) {
        entry.rsv1Out = true;
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
  });
  const address = app.server.address() as { port: number };
  base = `127.0.0.1:${address.port}`;
});
afterAll(() => app.close());

const last = (path: string) => [...seen].reverse().find((s) => s.url.startsWith(path))!;

function opened(ws: WsClient): Promise<void> {
  return new Promise((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
}

function nextMessage(ws: WsClient): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary }));
    ws.once('error', reject);
  });
}

const chatText = (i: number) => JSON.stringify({ type: 'send', text: `compressed hello number ${i} `.repeat(8), clientMsgId: `m${i}` });

describe('the npm ws client with perMessageDeflate', () => {
  it('/ws/raw/echo: text, binary and 1 MiB compressed both ways; a clean close', async () => {
    const ws = new WsClient(`ws://${base}/ws/raw/echo`, { perMessageDeflate: true, maxPayload: 4 << 20 });
    await opened(ws);
    expect(ws.extensions).toContain('permessage-deflate');
    expect(last('/ws/raw/echo')).toMatchObject({ offer: 'permessage-deflate; client_max_window_bits', answer: 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12' });
    ws.send('héllo 𝄞 '.repeat(50));
    expect((await nextMessage(ws)).data.toString()).toBe('héllo 𝄞 '.repeat(50));
    const blob = Buffer.from('0123456789abcdef'.repeat(64));
    ws.send(blob);
    const binary = await nextMessage(ws);
    expect(binary.isBinary).toBe(true);
    expect(binary.data.equals(blob)).toBe(true);
    const big = Buffer.alloc(1 << 20, 'wirebench ');
    ws.send(big);
    expect((await nextMessage(ws)).data.equals(big)).toBe(true);
    expect(last('/ws/raw/echo').rsv1Out).toBe(true);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.close(1000);
    expect(await closed).toBe(1000);
  });

  it('/ws/raw?compress=1: the welcome, an ack and the room message arrive compressed', async () => {
    const ws = new WsClient(`ws://${base}/ws/raw?compress=1`, { perMessageDeflate: true });
    const frames: unknown[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
    await opened(ws);
    expect(ws.extensions).toContain('permessage-deflate');
    const ackAndEcho = () => frames.some((f) => (f as { type: string }).type === 'ack') && frames.some((f) => (f as { clientMsgId?: string }).clientMsgId === 'm1' && (f as { type: string }).type === 'message');
    await new Promise((r) => setTimeout(r, 50));
    ws.send(chatText(1));
    for (let i = 0; i < 200 && !ackAndEcho(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(frames[0]).toMatchObject({ type: 'welcome' });
    expect(ackAndEcho()).toBe(true);
    expect(last('/ws/raw?compress=1').rsv1Out).toBe(true);
    ws.close();
  });

  it('/ws/raw without ?compress=1 declines the same offer: no extension, no RSV1', async () => {
    const ws = new WsClient(`ws://${base}/ws/raw`, { perMessageDeflate: true });
    const first = nextMessage(ws);
    await opened(ws);
    expect(ws.extensions).toBe('');
    expect(last('/ws/raw').offer).toContain('permessage-deflate');
    const welcome = await first;
    expect(JSON.parse(welcome.data.toString())).toMatchObject({ type: 'welcome' });
    expect(last('/ws/raw').answer).toBeUndefined();
    expect(last('/ws/raw').rsv1Out).toBe(false);
    ws.close();
  });

  it('/ws/lib?compress=1 and /ws/lib/echo compress too; /ws/lib does not', async () => {
    for (const [path, want] of [['/ws/lib?compress=1', true], ['/ws/lib/echo', true], ['/ws/lib', false]] as const) {
      const ws = new WsClient(`ws://${base}${path}`, { perMessageDeflate: true });
      await opened(ws);
      expect(ws.extensions.includes('permessage-deflate'), path).toBe(want);
      ws.close();
    }
  });
});

// The Python client: compression="deflate" is its default; the script fails unless the
// extension was agreed and every echo came back equal.
const PYTHON = String.raw`
import asyncio, json, sys
import websockets

async def main(base):
    out = {}
    async with websockets.connect(base + "/ws/raw/echo", compression="deflate", max_size=4 * 1024 * 1024) as ws:
        out["echoExtensions"] = [type(e).__name__ for e in ws.protocol.extensions] if hasattr(ws, "protocol") else [type(e).__name__ for e in ws.extensions]
        text = "héllo, wörld 𝄞 " * 100
        await ws.send(text)
        out["text"] = (await ws.recv()) == text
        blob = bytes(range(256)) * 64
        await ws.send(blob)
        out["binary"] = (await ws.recv()) == blob
    async with websockets.connect(base + "/ws/raw?compress=1", compression="deflate") as ws:
        welcome = json.loads(await ws.recv())
        out["welcome"] = welcome["type"]
        await ws.send(json.dumps({"type": "send", "text": "from python, compressed " * 10, "clientMsgId": "py1"}))
        seen = set()
        while not {"ack", "message"} <= seen:
            frame = json.loads(await ws.recv())
            if frame.get("clientMsgId") == "py1":
                seen.add(frame["type"])
        out["chat"] = sorted(seen)
    print(json.dumps(out))

asyncio.run(asyncio.wait_for(main(sys.argv[1]), timeout=20))
`;

describe("Python's websockets with compression='deflate'", () => {
  it('echo and chat, compressed', async () => {
    const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', PYTHON, `ws://${base}`], { timeout: 25_000 });
    expect(JSON.parse(stdout)).toEqual({ echoExtensions: ['PerMessageDeflate'], text: true, binary: true, welcome: 'welcome', chat: ['ack', 'message'] });
    expect(last('/ws/raw?compress=1').rsv1Out).toBe(true);
  });
});

describe('Chromium, which offers permessage-deflate in every handshake', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  afterAll(() => browser?.close());

  it('its offer is answered on /ws/raw/echo and /ws/raw?compress=1, and messages go both ways compressed', async () => {
    const page = await browser.newPage();
    await page.goto(`http://${base}/deflate-page`);
    const result = await page.evaluate(async (host) => {
      const open = (url: string) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url);
          ws.onopen = () => resolve(ws);
          ws.onerror = () => reject(new Error('error'));
        });
      const next = (ws: WebSocket) => new Promise<string>((resolve) => ws.addEventListener('message', (e) => resolve(String(e.data)), { once: true }));
      const echo = await open(`ws://${host}/ws/raw/echo`);
      const text = 'κόσμε '.repeat(500);
      const echoed = next(echo);
      echo.send(text);
      const same = (await echoed) === text;
      const chat = await open(`ws://${host}/ws/raw?compress=1`);
      const welcome = JSON.parse(await next(chat)) as { type: string };
      const acked = new Promise<boolean>((resolve) =>
        chat.addEventListener('message', (e) => {
          if ((JSON.parse(String(e.data)) as { type: string }).type === 'ack') resolve(true);
        }),
      );
      chat.send(JSON.stringify({ type: 'send', text: 'from chromium '.repeat(20), clientMsgId: 'c1' }));
      const ack = await acked;
      const out = { echoExtensions: echo.extensions, chatExtensions: chat.extensions, same, welcome: welcome.type, ack };
      echo.close();
      chat.close();
      return out;
    }, base);
    expect(result).toEqual({
      echoExtensions: 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12',
      chatExtensions: 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12',
      same: true,
      welcome: 'welcome',
      ack: true,
    });
    // What Chromium offered, as the server received it.
    expect(last('/ws/raw/echo').offer).toBe('permessage-deflate; client_max_window_bits');
    expect(last('/ws/raw/echo').answer).toBe('permessage-deflate; server_max_window_bits=12; client_max_window_bits=12');
    expect(last('/ws/raw/echo').rsv1Out).toBe(true);
    expect(last('/ws/raw?compress=1').rsv1Out).toBe(true);
    await page.close();

    // Chapter 12 shows this handshake as it was on the wire; it must stay what Chromium and the server send.
    const echo = last('/ws/raw/echo');
    const transcript = [
      `GET ${echo.url} HTTP/1.1`,
      `Sec-WebSocket-Extensions: ${echo.offer}`,
      '',
      ...echo.head!.split('\r\n').map((line) => line.replace(/^(Sec-WebSocket-Accept: ).*/, '$1<accept>')),
    ].join('\n');
    for (const chapter of ['../../../docs/12-compression.md', '../../../docs/zh-CN/12-compression.md']) {
      expect(readFileSync(new URL(chapter, import.meta.url), 'utf8'), chapter).toContain('```http\n' + transcript + '\n```');
    }
  }, 30_000);
});

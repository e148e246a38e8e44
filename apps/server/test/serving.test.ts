// The dashboard served as a production site, over real sockets: br or gzip as the browser
// asks, hashed files under /assets/ cached for good, index.html revalidated; the API's
// answers (polls, event streams) never compressed, and an event still leaves at once.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_FOREVER, CACHE_REVALIDATE } from '../src/http/static-site.ts';
import { join, send, SseReader, start, type Started } from './helpers/contract.ts';

interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it crossed the wire. */
  wire: Buffer;
  /** The body after undoing its Content-Encoding. */
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => {
        const wire = Buffer.concat(chunks);
        const encoding = res.headers['content-encoding'];
        const body = encoding === 'br' ? brotliDecompressSync(wire) : encoding === 'gzip' ? gunzipSync(wire) : wire;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, wire, body });
      });
    });
    req.once('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} in 10 s`)));
    req.end();
  });
}

// A site shaped like Vite's output: hashed names under assets/, the rest at the root.
const script = `export const lines = [${Array.from({ length: 400 }, (_, i) => `"line ${i} of a module"`).join(',')}];\n`;
const style = `${Array.from({ length: 200 }, (_, i) => `.lane-${i} { color: #123456; padding: ${i}px; }`).join('\n')}\n`;
const page = `<!doctype html><html><head><script type="module" src="/assets/index-Bx1Y2z3A.js"></script>` +
  `<link rel="stylesheet" href="/assets/index-Cq9R8s7T.css"></head><body>${'<p>the stage</p>'.repeat(100)}</body></html>`;
const manifest = JSON.stringify({ chapters: Array.from({ length: 100 }, (_, i) => ({ id: i, title: `chapter ${i}` })) });
const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(4000, 7)]);

let dir: string;
let server: Started;

beforeAll(async () => {
  dir = mkdtempSync(joinPath(tmpdir(), 'wirebench-site-'));
  mkdirSync(joinPath(dir, 'assets'));
  writeFileSync(joinPath(dir, 'index.html'), page);
  writeFileSync(joinPath(dir, 'assets', 'index-Bx1Y2z3A.js'), script);
  writeFileSync(joinPath(dir, 'assets', 'index-Cq9R8s7T.css'), style);
  writeFileSync(joinPath(dir, 'assets', 'icon-D4e5F6g7.png'), png);
  writeFileSync(joinPath(dir, 'lessons.json'), manifest);
  server = await start({ staticDir: dir });
});

afterAll(async () => {
  if (server) {
    const closing = server.app.close();
    server.app.server.closeAllConnections();
    await closing;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('compression, as Accept-Encoding asks', () => {
  const files: Array<[string, string, RegExp]> = [
    ['/', page, /^text\/html/],
    ['/assets/index-Bx1Y2z3A.js', script, /^(text|application)\/javascript/],
    ['/assets/index-Cq9R8s7T.css', style, /^text\/css/],
    ['/lessons.json', manifest, /^application\/json/],
  ];

  it.each(files)('%s: br when offered, gzip when only gzip is, the same bytes after decoding', async (path, content, type) => {
    const br = await get(`${server.url}${path}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-type']).toMatch(type);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.body.toString()).toBe(content);
    expect(br.wire.length).toBeLessThan(content.length / 3);

    const gzip = await get(`${server.url}${path}`, { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.body.toString()).toBe(content);
    expect(gzip.wire.length).toBeLessThan(content.length / 3);
  });

  it('no Accept-Encoding (or identity only): the file as it is, with its length', async () => {
    for (const headers of [{}, { 'accept-encoding': 'identity' }] as Record<string, string>[]) {
      const plain = await get(`${server.url}/assets/index-Bx1Y2z3A.js`, headers);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers['content-length']).toBe(String(Buffer.byteLength(script)));
      expect(plain.wire.toString()).toBe(script);
    }
  });

  it('an image is sent as it is: compressing it again gains nothing', async () => {
    const image = await get(`${server.url}/assets/icon-D4e5F6g7.png`, { 'accept-encoding': 'gzip, br' });
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['content-encoding']).toBeUndefined();
    expect(image.wire.equals(png)).toBe(true);
  });
});

describe('caching per kind of file', () => {
  it('hashed files under /assets/ are cached for good, compressed or not', async () => {
    for (const path of ['/assets/index-Bx1Y2z3A.js', '/assets/index-Cq9R8s7T.css', '/assets/icon-D4e5F6g7.png']) {
      for (const encoding of ['br', 'gzip', 'identity']) {
        const file = await get(`${server.url}${path}`, { 'accept-encoding': encoding });
        expect(file.headers['cache-control'], `${path} ${encoding}`).toBe(CACHE_FOREVER);
      }
    }
    expect(CACHE_FOREVER).toBe('public, max-age=31536000, immutable');
  });

  it('index.html (at / and by name) and unhashed files are asked again on every load, and a revalidation is a 304', async () => {
    for (const path of ['/', '/index.html', '/lessons.json']) {
      const file = await get(`${server.url}${path}`, { 'accept-encoding': 'br' });
      expect(file.headers['cache-control'], path).toBe(CACHE_REVALIDATE);
      expect(file.headers.etag, path).toBeDefined();
    }
    const first = await get(`${server.url}/`);
    const again = await get(`${server.url}/`, { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.wire.length).toBe(0);
  });

  it('a missing file is a 404 that nobody caches for good', async () => {
    const missing = await get(`${server.url}/assets/index-Gone0000.js`, { 'accept-encoding': 'br' });
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).not.toBe(CACHE_FOREVER);
  });

  it('the security headers of a page are the same whether it is compressed or not', async () => {
    const plain = await get(`${server.url}/`);
    const br = await get(`${server.url}/`, { 'accept-encoding': 'br' });
    const pick = (h: IncomingHttpHeaders) =>
      Object.fromEntries(Object.entries(h).filter(([name]) => /^(content-security-policy|x-|cross-origin|referrer|origin-agent)/.test(name)));
    expect(pick(plain.headers)['content-security-policy']).toContain("script-src 'self'");
    expect(pick(br.headers)).toEqual(pick(plain.headers));
  });
});

describe('the API is never compressed', () => {
  it('short-poll and long-poll answers keep their bytes as they are, however large and whatever the browser accepts', async () => {
    const { clientId } = await join(server.app, { name: 'serving' });
    for (let i = 0; i < 20; i++) await send(server.app, clientId, `message ${i}: ${'a long enough text to compress '.repeat(4)}`);
    const short = await get(`${server.url}/api/poll?after=0`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(short.status).toBe(200);
    expect(short.wire.length).toBeGreaterThan(2_000);
    expect(short.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(short.wire.toString()).messages).toHaveLength(20);

    const lastSeq = JSON.parse(short.wire.toString()).lastSeq as number;
    const held = get(`${server.url}/api/longpoll?after=${lastSeq}&timeout=10000`, { 'accept-encoding': 'gzip, deflate, br' });
    // Held or not yet arrived, the request is answered with this message (after=lastSeq).
    await send(server.app, clientId, `the awaited one ${'x'.repeat(1_500)}`);
    const long = await held;
    expect(long.status).toBe(200);
    expect(long.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(long.wire.toString()).messages.map((m: { text: string }) => m.text.slice(0, 16))).toEqual(['the awaited one ']);
  });

  it('an event stream is not compressed, and each event leaves as it happens', async () => {
    const { clientId } = await join(server.app, { name: 'sse-serving' });
    const lastSeq = JSON.parse((await get(`${server.url}/api/poll`)).wire.toString()).lastSeq as number;
    const stream = new SseReader(`${server.url}/api/events?after=${lastSeq}`, { 'accept-encoding': 'gzip, deflate, br' });
    try {
      const res = await stream.response;
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(res.headers['content-encoding']).toBeUndefined();
      // The stream's first event (its state) arrives before anything is sent.
      const before = (await stream.waitFor(1)).length;
      // Three messages one after another: each must arrive before the next is sent. A compressor
      // would hold them until its buffer filled or the stream ended, and waitFor would time out.
      for (let i = 1; i <= 3; i++) {
        await send(server.app, clientId, `event ${i}`);
        const seen = await Promise.race([
          stream.waitFor(before + i),
          new Promise<null>((r) => setTimeout(() => r(null), 5_000)),
        ]);
        expect(seen, `event ${i} did not arrive within 5 s of being sent`).not.toBeNull();
      }
      expect(stream.messages().map((m: { text?: string }) => m.text).filter(Boolean)).toEqual(['event 1', 'event 2', 'event 3']);
    } finally {
      stream.close();
    }
  });
});

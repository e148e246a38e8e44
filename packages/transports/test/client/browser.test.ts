// The clients as the dashboard ships them: bundled by Vite for the browser and run in
// real Chromium against the real server, same origin. No injected fakes: the page's own
// fetch, WebSocket and timers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../../apps/server/src/app.ts';

let app: ReturnType<typeof buildApp>;
let baseUrl: string;
let browser: Browser;
let workDir: string;

async function bundleClients(): Promise<string> {
  workDir = await mkdtemp(join(tmpdir(), 'wirebench-client-'));
  const entry = join(workDir, 'entry.ts');
  const clientIndex = resolve(import.meta.dirname, '../../src/client/index.ts');
  await writeFile(entry, `import { createClient } from ${JSON.stringify(clientIndex)};\n(window as any).createClient = createClient;\n`);
  const result = await build({
    configFile: false,
    root: workDir,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry, formats: ['iife'], name: 'WirebenchClients', fileName: () => 'clients.js' },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunk = outputs.flatMap((o) => o.output).find((o) => o.type === 'chunk');
  if (!chunk || chunk.type !== 'chunk') throw new Error('vite produced no chunk');
  return chunk.code;
}

beforeAll(async () => {
  const code = await bundleClients();
  // Browser bundle: nothing Node-only may have leaked in.
  expect(code).not.toMatch(/\bnode:|require\(["']ws["']\)|Buffer\.from/);
  app = buildApp({ longPollTimeoutMs: 5_000 });
  app.get('/__test/clients.js', async (_request, reply) => reply.type('text/javascript').send(code));
  app.get('/__test/page.html', async (_request, reply) =>
    reply.type('text/html').send('<!doctype html><meta charset="utf-8"><title>clients</title><script src="/__test/clients.js"></script>'),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  if (app) {
    const closing = app.close();
    app.server.closeAllConnections();
    await closing;
  }
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('browser bundle in Chromium', () => {
  it('ws-raw, short-poll and long-poll clients in one page see each other’s messages', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(`${baseUrl}/__test/page.html`);
    const result = await page.evaluate(async () => {
      type Client = {
        connect(): void;
        send(text: string): string;
        close(): void;
        on(event: string, listener: (...args: any[]) => void): () => void;
        getSnapshot(): { status: string; pendingSends: number; counters: { requests: number; bytesUp: number; bytesDown: number } };
      };
      const create = (window as any).createClient as (t: string, o?: object) => Client;
      const transports = ['ws-raw', 'short-poll', 'long-poll'];
      const lanes = transports.map((t) => {
        const client = create(t, { name: t, pollIntervalMs: 50 });
        const seen: Array<{ seq: number; text: string; via: string }> = [];
        client.on('message', (m: { seq: number; text: string; via: string }) => seen.push({ seq: m.seq, text: m.text, via: m.via }));
        client.connect();
        return { t, client, seen };
      });
      const until = async (label: string, ok: () => boolean) => {
        const end = Date.now() + 10_000;
        while (!ok()) {
          if (Date.now() > end) throw new Error('timeout: ' + label);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await until('open', () => lanes.every((l) => l.client.getSnapshot().status === 'open'));
      for (const l of lanes) l.client.send(`hello from ${l.t}`);
      await until('three messages each', () => lanes.every((l) => l.seen.length >= 3 && l.client.getSnapshot().pendingSends === 0));
      const out = lanes.map((l) => ({ t: l.t, seen: l.seen, snapshot: l.client.getSnapshot() }));
      for (const l of lanes) l.client.close();
      return out;
    });
    expect(pageErrors).toEqual([]);
    const [first, ...rest] = result;
    expect(first!.seen.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(new Set(first!.seen.map((m) => m.text))).toEqual(new Set(['hello from ws-raw', 'hello from short-poll', 'hello from long-poll']));
    expect(new Set(first!.seen.map((m) => m.via))).toEqual(new Set(['ws-raw', 'short-poll', 'long-poll']));
    for (const lane of rest) expect(lane.seen, lane.t).toEqual(first!.seen);
    for (const lane of result) {
      expect(lane.snapshot.counters.requests, lane.t).toBeGreaterThan(0);
      expect(lane.snapshot.counters.bytesDown, lane.t).toBeGreaterThan(0);
    }
    await page.close();
  });
});

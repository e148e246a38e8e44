// Issues #15 and #14 on the dashboard, in Chromium against built servers:
// - the hand-rolled lane's compress switch reconnects it with ?compress=1, the card says
//   permessage-deflate, the inspector shows its compressed frames, and a burst of long
//   messages costs fewer bytes on the wire than on the plain ws-lib lane beside it;
// - three processes on one Redis behind the request-by-request round-robin: the short-poll
//   lane's timeline tags its requests with more than one process, and the Class view lists 3.
// Needs both builds (the root `pnpm test` runs `pnpm build` first) and redis-server.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoundRobin } from '../../server/src/cluster/round-robin.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../server/test/helpers/chromium.ts';
import { SERVER_JS, startServer, type ServerProcess } from '../../server/test/helpers/process.ts';
import { RedisInstance } from '../../server/test/helpers/redis.ts';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const TEACHER_KEY = 'compress-nodes-teacher-key';
const WAIT = { timeout: 30_000 };
/** Budgets no burst of this test comes near (the cluster's clients all share the proxy's address). */
const ENV = {
  STATIC_DIR: dist,
  TEACHER_KEY,
  SEND_RATE_LIMIT: '100000',
  SEND_RATE_LIMIT_PER_ADDRESS: '100000',
  JOIN_RATE_LIMIT: '100000',
  MAX_CONNECTIONS_PER_ADDRESS: '10000',
};

let browser: Browser;

async function openDashboard(context: BrowserContext, url: string, lanes: readonly string[]): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/#teacher=${TEACHER_KEY}`);
  for (const t of lanes) await waitForStatus(page, t, 'open');
  return page;
}

async function waitForStatus(page: Page, lane: string, status: string): Promise<void> {
  await page.waitForFunction(
    ([id, want]) => document.querySelector(`[data-testid="lane-${id}-status"]`)?.classList.contains(want) === true,
    [lane, status] as const,
    WAIT,
  );
}

beforeAll(async () => {
  for (const [what, path] of [
    ['apps/web/dist', join(dist, 'index.html')],
    ['apps/server/dist', SERVER_JS],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${what} is missing: run \`pnpm build\` first (the root \`pnpm test\` does)`);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('the compress switch (#15)', () => {
  let server: ServerProcess;
  let context: BrowserContext;

  beforeAll(async () => {
    server = await startServer(ENV);
    context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.stop();
  });

  it('reconnects the hand-rolled lane compressed; its frames and bytes per message show it beside the plain ws-lib lane', async () => {
    const page = await openDashboard(context, server.url, ['ws-raw', 'short-poll', 'long-poll']);
    await page.getByTestId('add-lane-ws-lib').click();
    await waitForStatus(page, 'ws-lib', 'open');
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    expect(await page.getByTestId('lane-ws-raw-extensions').count()).toBe(0);
    const clientId = await page.getByTestId('lane-ws-raw-client-id').textContent();

    await page.getByTestId('lane-ws-raw-compress').check();
    await page.getByTestId('lane-ws-raw-extensions').waitFor(WAIT);
    await waitForStatus(page, 'ws-raw', 'open');
    expect(await page.getByTestId('lane-ws-raw-extensions').textContent()).toBe('permessage-deflate');
    // Chromium's own words for what the server agreed to.
    expect(await page.getByTestId('lane-ws-raw-extensions').getAttribute('title')).toContain('server_max_window_bits=12');
    expect(await page.getByTestId('lane-ws-lib-extensions').count()).toBe(0);
    const reconnect = sockets.map((u) => new URL(u)).find((u) => u.pathname === '/ws/raw');
    expect(reconnect?.searchParams.get('compress')).toBe('1');
    // The same identity, asked for by id and secret.
    expect(await page.getByTestId('lane-ws-raw-client-id').textContent()).toBe(clientId);
    expect(reconnect?.searchParams.get('clientId')).toBe(clientId);

    // A burst of long chat messages, sent in turn through both lanes: the same load up and down.
    const texts = Array.from({ length: 40 }, (_, i) => `message ${i}: ${'the room compares every transport by the bytes it puts on the wire; '.repeat(12)}`);
    await page.evaluate((all) => {
      const wb = (window as unknown as { wirebench: { send(t: string, text: string): unknown } }).wirebench;
      all.forEach((text, i) => wb.send(i % 2 === 0 ? 'ws-raw' : 'ws-lib', text));
    }, texts);
    for (const lane of ['ws-raw', 'ws-lib']) {
      await page.waitForFunction(
        (id) => Number(document.querySelector(`[data-testid="lane-${id}-delivered"]`)?.textContent?.replace(/\D/g, '')) >= 40,
        lane,
        WAIT,
      );
    }

    // The inspector shows the compressed socket's frames: RSV1 set, the compressed badge, the text inflated
    // (scrolled to, as a teacher does: off screen it holds still).
    await page.getByTestId('inspector').scrollIntoViewIfNeeded();
    const compressedFrame = page.getByTestId('ws-frame').filter({ has: page.getByTestId('ws-frame-compressed') }).filter({ hasText: 'message 38:' });
    await compressedFrame.first().waitFor(WAIT);
    expect(await compressedFrame.first().getByTestId('ws-frame-rsv1').getAttribute('data-on')).toBe('1');
    const ratio = await compressedFrame.first().getByTestId('ws-frame-ratio').textContent();
    expect(ratio).toMatch(/\d+ %|\d+%/);

    // Bytes per message on the wire (the server's count): the compressed lane far below the plain one.
    const compare = page.getByTestId('lane-ws-raw-compress-compare');
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="lane-ws-raw-compress-compare"]');
      return el !== null && Number(el.getAttribute('data-percent')) < 50;
    }, undefined, WAIT);
    const percent = Number(await compare.getAttribute('data-percent'));
    const stats = (await (await fetch(`${server.url}/api/stats`)).json()) as {
      transports: Record<string, { bytesIn: number; bytesOut: number; delivered: number }>;
    };
    const perMessage = (t: string) => (stats.transports[t]!.bytesIn + stats.transports[t]!.bytesOut) / stats.transports[t]!.delivered;
    expect(perMessage('ws-raw')).toBeLessThan(perMessage('ws-lib') / 2);
    expect(percent).toBeGreaterThan(0);
    // The plain lane's card says the same from its side.
    expect(Number(await page.getByTestId('lane-ws-lib-compress-compare').getAttribute('data-percent'))).toBeGreaterThan(200);

    // Remembered: after a reload the lane opens compressed at once.
    sockets.length = 0;
    await page.reload();
    await waitForStatus(page, 'ws-raw', 'open');
    await page.getByTestId('lane-ws-raw-extensions').waitFor(WAIT);
    expect(await page.getByTestId('lane-ws-raw-compress').isChecked()).toBe(true);
    expect(sockets.map((u) => new URL(u)).filter((u) => u.pathname === '/ws/raw').every((u) => u.searchParams.get('compress') === '1')).toBe(true);
  }, 120_000);
});

describe('which process served what (#14)', () => {
  let redis: RedisInstance | undefined;
  const nodes: ServerProcess[] = [];
  let proxy: RoundRobin | undefined;
  let url = '';
  let context: BrowserContext;

  beforeAll(async () => {
    redis = await RedisInstance.start();
    for (let i = 1; i <= 3; i++) nodes.push(await startServer({ ...ENV, REDIS_URL: redis.url, NODE_ID: `node-${i}` }));
    proxy = new RoundRobin(nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
    const { port } = await proxy.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${port}`;
    context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await proxy?.close();
    await Promise.all(nodes.map((n) => n.stop('SIGKILL', 0)));
    await redis?.stop();
  });

  it('the short-poll timeline tags requests with several processes; the Class view lists the three', async () => {
    const page = await openDashboard(context, url, ['ws-raw', 'short-poll', 'long-poll']);
    const timeline = page.getByTestId('timeline-short-poll');
    // Scrolled to, as a teacher does: off screen the inspector holds still.
    await page.getByTestId('inspector').scrollIntoViewIfNeeded();
    await page.waitForFunction(
      () => new Set([...document.querySelectorAll('[data-testid="timeline-short-poll"] [data-testid="timeline-node"]')].map((e) => e.getAttribute('data-node'))).size > 1,
      undefined,
      WAIT,
    );
    const tagged = await timeline.getByTestId('timeline-node').evaluateAll((els) => els.map((e) => [e.getAttribute('data-node'), e.textContent]));
    for (const [node, tag] of tagged) {
      expect(node).toMatch(/^node-[123]$/);
      expect(tag).toBe(node);
    }

    // The handshake of the hand-rolled lane names the process its welcome came from.
    await page.getByTestId('ws-handshake-node').waitFor(WAIT);
    expect(await page.getByTestId('ws-handshake-node').textContent()).toMatch(/node-[123]/);

    await page.locator('a[href="#/class"]').click();
    const listed = page.getByTestId('class-node');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="class-node"]').length === 3, undefined, WAIT);
    expect(await listed.evaluateAll((els) => els.map((e) => e.getAttribute('data-node')))).toEqual(['node-1', 'node-2', 'node-3']);
    // Each says how many of this page's requests it answered: the round-robin spread them.
    await page.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="class-node"]')].every((e) => /[1-9]\d* requests?/.test(e.textContent ?? '')),
      undefined,
      WAIT,
    );
  }, 120_000);
});

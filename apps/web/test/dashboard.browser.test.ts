// The dashboard in Chromium against the real server (buildApp serving apps/web/dist).
// Needs a built dashboard: the root `pnpm test` runs `pnpm build` first.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/src/app.ts';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const results = join(here, '..', '..', '..', 'test-results');
const LANES = ['ws-raw', 'short-poll', 'long-poll'] as const;
/** The dashboard is the teacher's page: opened from the teacher URL (`/` is the student page). */
const TEACHER_KEY = 'dashboard-test-teacher-key';

let app: ReturnType<typeof buildApp>;
let browser: Browser;
let page: Page;
let base: string;
const consoleErrors: string[] = [];
const dialogs: string[] = [];

async function shot(name: string): Promise<void> {
  const path = join(results, `dashboard-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  expect(statSync(path).size).toBeGreaterThan(10_000);
}

/** Waits until every listed lane shows `text` in its message list. */
async function expectInLanes(text: string, lanes: readonly string[] = LANES): Promise<void> {
  for (const t of lanes) {
    await page.getByTestId(`lane-${t}-messages`).getByText(text, { exact: true }).waitFor({ timeout: 15_000 });
  }
}

async function send(lane: string, text: string): Promise<void> {
  await page.getByTestId(`lane-${lane}-input`).fill(text);
  await page.getByTestId(`lane-${lane}-send`).click();
}

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function reconnectsOf(lane: string): Promise<number> {
  return Number((await page.getByTestId(`lane-${lane}-reconnects`).textContent())?.match(/\d+/)?.[0]);
}

async function statusOf(lane: string): Promise<string> {
  return (await page.getByTestId(`lane-${lane}-status`).textContent()) ?? '';
}

describe('dashboard in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) {
      throw new Error(`apps/web/dist is missing: run \`pnpm build\` first (the root \`pnpm test\` does)`);
    }
    mkdirSync(results, { recursive: true });
    // Short long-poll hold so empty answers show up during the test.
    app = buildApp({ staticDir: dist, longPollTimeoutMs: 30_000, teacherKey: TEACHER_KEY });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    base = `http://127.0.0.1:${addr.port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('connects the three default lanes, each with its own clientId', async () => {
    await page.goto(`${base}/#teacher=${TEACHER_KEY}`);
    for (const t of LANES) {
      await page.waitForFunction((id) => document.querySelector(`[data-testid="lane-${id}-status"]`)?.textContent === 'open', t, { timeout: 15_000 });
    }
    const ids = await Promise.all(LANES.map((t) => page.getByTestId(`lane-${t}-client-id`).textContent()));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/\S{6,}/);
  });

  it('delivers a message sent from each lane to every lane, and the charts get points', async () => {
    const stamp = Date.now().toString(36);
    for (const t of LANES) await send(t, `hello from ${t} ${stamp}`);
    for (const t of LANES) await expectInLanes(`hello from ${t} ${stamp}`);
    // 3 messages × 3 lanes, all sent by this page: 9 exact latency points.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-latency"]')?.getAttribute('data-points')) >= 9, null, { timeout: 10_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-requests"]')?.getAttribute('data-points')) >= 3, null, { timeout: 10_000 });
    const rows = await page.getByTestId('percentiles').locator('tbody tr').count();
    expect(rows).toBe(3);
    const n = await page.getByTestId('percentiles-short-poll').locator('td').nth(1).textContent();
    expect(Number(n)).toBeGreaterThanOrEqual(3);
  });

  it('shows the hand-rolled handshake and frames in the inspector', async () => {
    // Scrolled to, as a teacher does: off screen the inspector holds still.
    await page.getByTestId('inspector').scrollIntoViewIfNeeded();
    await page.getByTestId('ws-accept-steps').waitFor({ timeout: 10_000 });
    const steps = await page.getByTestId('ws-accept-steps').textContent();
    expect(steps).toContain('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="ws-frame"]').length >= 2, null, { timeout: 10_000 });
  });

  it('renders chat text as text: the XSS probe shows literally and fires no dialog', async () => {
    const probe = `<img src=x onerror=alert(1)> ${Date.now()}`;
    await send('ws-raw', probe);
    await expectInLanes(probe);
    expect(await page.locator('[data-testid$="-messages"] img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('a cut lane reconnects and misses nothing', async () => {
    const before = Number((await page.getByTestId('lane-long-poll-reconnects').textContent())?.match(/\d+/)?.[0]);
    await page.getByTestId('lane-long-poll-cut').click();
    await page.getByTestId('lane-ws-raw-cut').click();
    const text = `after the cut ${Date.now()}`;
    await send('short-poll', text);
    await expectInLanes(text);
    for (const t of ['long-poll', 'ws-raw']) {
      await page.waitForFunction((id) => document.querySelector(`[data-testid="lane-${id}-status"]`)?.textContent === 'open', t, { timeout: 15_000 });
    }
    const after = Number((await page.getByTestId('lane-long-poll-reconnects').textContent())?.match(/\d+/)?.[0]);
    expect(after).toBeGreaterThan(before);
    // Server-side cut of the hand-rolled lane (the teacher key authorises it), then a message through it.
    const wsBefore = await reconnectsOf('ws-raw');
    await page.getByTestId('lane-ws-raw-server-cut').click();
    await expect.poll(() => reconnectsOf('ws-raw'), { timeout: 15_000 }).toBeGreaterThan(wsBefore);
    const text2 = `after the server cut ${Date.now()}`;
    await send('ws-raw', text2);
    await expectInLanes(text2);
    for (const t of LANES) {
      expect(await page.getByTestId(`lane-${t}-gaps`).textContent()).toBe('gaps: 0');
      expect(await page.getByTestId(`lane-${t}-dups`).textContent()).toBe('duplicates: 0');
    }
    for (const t of LANES) expect(await statusOf(t)).not.toBe('closed');
  });

  it('exports the run as CSV and JSON downloads', async () => {
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(csv.suggestedFilename()).toMatch(/^wirebench-.*\.csv$/);
    const csvText = await streamText(await csv.createReadStream());
    const lines = csvText.trim().split('\n');
    expect(lines[0]).toBe('seq,lane,clientMsgId,receivedAt,serverTime,latencyMs,estimated');
    expect(lines.length).toBeGreaterThan(9);
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
    const run = JSON.parse(await streamText(await json.createReadStream()));
    expect(run.lanes.map((l: { transport: string }) => l.transport)).toEqual(['ws-raw', 'short-poll', 'long-poll']);
    expect(run.samples.length).toBe(lines.length - 1);
  });

  it('adds the ws library and SSE lanes, which join the same room', async () => {
    await page.getByTestId('add-lane-ws-lib').click();
    await page.getByTestId('add-lane-sse').click();
    for (const t of ['ws-lib', 'sse']) {
      await page.waitForFunction((id) => document.querySelector(`[data-testid="lane-${id}-status"]`)?.textContent === 'open', t, { timeout: 15_000 });
    }
    const text = `five ways ${Date.now()}`;
    await send('sse', text);
    await expectInLanes(text, [...LANES, 'ws-lib', 'sse']);
    // Each card counts what its transport moves: frames both ways, SSE events down, neither for polls.
    const framesRow = async (lane: string) => {
      const value = page.getByTestId(`lane-${lane}-frames`);
      return [await value.locator('xpath=preceding-sibling::span[1]').textContent(), await value.textContent()];
    };
    for (const t of ['ws-raw', 'ws-lib']) {
      const [label, value] = await framesRow(t);
      expect(label).toBe('WS frames ↑/↓');
      expect(value).toMatch(/^\d[\d,]* \/ [1-9][\d,]*$/); // ws-lib has sent nothing yet: 0 up
    }
    const [sseLabel, sseValue] = await framesRow('sse');
    expect(sseLabel).toBe('SSE events ↓');
    expect(Number(sseValue)).toBeGreaterThanOrEqual(2); // the state event and the message
    for (const t of ['short-poll', 'long-poll']) expect(await framesRow(t)).toEqual(['frames / events', '—']);
    // Requests per second: each request counted in the second it started, so the short-poll
    // line has a point for every complete second (none dropped to nothing between samples).
    expect(await page.getByTestId('chart-requests-rate-caption').textContent()).toContain('each request counted in the second it started');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-requests-rate"]')?.getAttribute('data-points')) >= 10, null, { timeout: 10_000 });
    // Every request of the lane is in the series once: all but those of the second not over yet.
    const { counted, requests } = await page.evaluate(() => {
      type Wb = { sampler: { perSecond: Map<string, (number | null)[]> }; lane(t: string): { client: { getSnapshot(): { counters: { requests: number } } } } };
      const wb = (window as unknown as { wirebench: Wb }).wirebench;
      return {
        counted: wb.sampler.perSecond.get('short-poll')!.reduce<number>((sum, n) => sum + (n ?? 0), 0),
        requests: wb.lane('short-poll').client.getSnapshot().counters.requests,
      };
    });
    expect(requests - counted).toBeGreaterThanOrEqual(0);
    expect(requests - counted).toBeLessThanOrEqual(3);
    // Let the per-second charts take a few samples before the screenshot.
    await page.waitForTimeout(2500);
    await shot('lanes');
  });

  it('class view shows the join URL and class-wide counts, also in projector mode', async () => {
    await page.getByTestId('tab-class').click();
    await page.getByTestId('join-url-primary').getByText(base, { exact: true }).waitFor({ timeout: 10_000 });
    // Bound to 127.0.0.1: the page says students cannot reach it, and how to fix that.
    expect(await page.getByTestId('join-loopback-warning').textContent()).toContain('HOST=0.0.0.0 pnpm start');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="class-clients"]')?.textContent) >= 5, null, { timeout: 10_000 });
    await page.getByTestId('projector-toggle').check();
    await shot('classroom-projector');
    await page.getByTestId('tab-lanes').click();
    await page.getByTestId('lane-ws-raw').waitFor();
    await shot('lanes-projector');
    await page.getByTestId('projector-toggle').uncheck();
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});

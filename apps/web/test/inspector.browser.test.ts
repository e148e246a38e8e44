// The inspector in Chromium against the real server: whole frames with their time, "copy as
// hex" that chapter 3's frame decoder reads back as the same frame, hex dumps that never split
// a pair across lines, and a request timeline where an open SSE stream grows and a paused
// lane's requests read "aborted". Every string it checks comes through the inspector namespace.
// Needs a built dashboard: `pnpm --filter @wirebench/web build` (the root `pnpm test` builds).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../server/test/helpers/chromium.ts';
import { start, type Started } from '../../server/test/helpers/contract.ts';
import { explain } from '../src/features/docs/frame-explain.ts';
import en from '../src/i18n/locales/en/inspector.json' with { type: 'json' };

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const TEACHER_KEY = 'inspector-test-teacher-key';

let server: Started;
let browser: Browser;
let context: BrowserContext;
let page: Page;

async function waitOpen(lane: string): Promise<void> {
  await page.waitForFunction((id) => document.querySelector(`[data-testid="lane-${id}-status"]`)?.textContent === 'open', lane, { timeout: 20_000 });
}

/** Scrolls to the inspector, as a teacher does to read it: off screen it holds still (ui/on-screen.ts). */
async function toInspector(): Promise<void> {
  await page.getByTestId('inspector').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector('[data-testid="inspector"]')?.getAttribute('data-live') === '1', undefined, { timeout: 5_000 });
}

describe('the inspector in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) throw new Error('apps/web/dist is missing: run `pnpm --filter @wirebench/web build`');
    server = await start({ staticDir: dist, teacherKey: TEACHER_KEY });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = await context.newPage();
    await page.goto(`${server.url}/#teacher=${TEACHER_KEY}`);
    await waitOpen('ws-raw');
  });

  afterAll(async () => {
    await browser?.close();
    if (server) {
      const closing = server.app.close();
      server.app.server.closeAllConnections();
      await closing;
    }
  });

  it('shows a 200-character chat frame whole, with its time, and copies it as hex the frame decoder reads back', async () => {
    const text = `inspector ${Date.now()} ${'0123456789'.repeat(18)}`;
    await page.getByTestId('lane-ws-raw-input').fill(text);
    await page.getByTestId('lane-ws-raw-send').click();
    await toInspector();
    // The browser's own frame (→ server, masked): its text is shown whole, not cut.
    const row = page.getByTestId('ws-frame').filter({ hasText: en.frames.in }).filter({ hasText: text });
    await row.first().waitFor({ timeout: 15_000 });
    const frame = row.first();
    expect(await frame.getByTestId('ws-frame-time').textContent()).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(await frame.getByTestId('ws-frame-time').getAttribute('title')).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    await frame.getByTestId('ws-frame-copy').click();
    await frame.getByTestId('ws-frame-copy').filter({ hasText: en.frames.copied }).waitFor({ timeout: 5_000 });
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const decoded = explain(copied, 'auto');
    expect(decoded.inputError).toBeNull();
    expect(decoded.error).toBeNull();
    // Every byte used: not "incomplete".
    expect(decoded.state).toBe('HEADER');
    expect(decoded.frames).toHaveLength(1);
    const { frame: f, text: payloadText } = decoded.frames[0]!;
    expect(f.masked).toBe(true);
    expect(f.lengthForm).toBe(16);
    expect(JSON.parse(payloadText!)).toMatchObject({ type: 'send', text });
    // The same frame the row describes: its header and its bytes as sent.
    const header = (await frame.getByTestId('ws-frame-header').textContent())!.trim();
    expect(copied.startsWith(header)).toBe(true);
    expect(Array.from(f.headerBytes, (b) => b.toString(16).padStart(2, '0')).join(' ')).toBe(header);
  });

  it('hex dumps break between groups of bytes only: no pair is split across two lines', async () => {
    const report = await page.evaluate(() => {
      let pairs = 0;
      let split = 0;
      let wrapped = 0;
      for (const dump of document.querySelectorAll('[data-testid="ws-frames"] .hex-dump')) {
        const lines = new Set<number>();
        for (const group of dump.querySelectorAll('.hex-group')) {
          const node = group.firstChild;
          if (!node || node.nodeType !== Node.TEXT_NODE) continue;
          const range = document.createRange();
          for (let i = 0; i + 1 < (node.textContent ?? '').length; i += 3) {
            range.setStart(node, i);
            range.setEnd(node, i + 2);
            const rects = [...range.getClientRects()].filter((r) => r.width > 0);
            pairs++;
            if (rects.length !== 1) split++;
            else lines.add(Math.round(rects[0]!.top));
          }
        }
        if (lines.size > 1) wrapped++;
      }
      return { pairs, split, wrapped };
    });
    expect(report.pairs).toBeGreaterThan(200);
    // The long frame does wrap (so the check means something), and never inside a pair.
    expect(report.wrapped).toBeGreaterThan(0);
    expect(report.split).toBe(0);
  });

  it('an open SSE stream is a bar that grows to now; pausing the lane ends it as "aborted", not "error"', async () => {
    await page.getByTestId('add-lane-sse').click();
    await waitOpen('sse');
    await toInspector();
    const stream = page.getByTestId('timeline-sse').locator('[data-testid="timeline-row"][data-kind="sse-open"][data-state="open"]').first();
    await stream.waitFor({ timeout: 15_000 });
    expect(await stream.getByTestId('timeline-outcome').textContent()).toBe(en.timeline.open);
    const width = () => stream.getByTestId('timeline-bar').evaluate((el) => el.getBoundingClientRect().width);
    const first = await width();
    await page.waitForFunction(
      ([w]) => {
        const bar = document.querySelector('[data-testid="timeline-sse"] [data-kind="sse-open"][data-state="open"] [data-testid="timeline-bar"]');
        return bar !== null && bar.getBoundingClientRect().width > (w as number) + 2;
      },
      [first],
      { timeout: 10_000 },
    );

    await page.getByTestId('lane-sse-pause').click();
    await toInspector();
    const aborted = page.getByTestId('timeline-sse').locator('[data-kind="sse-open"][data-state="aborted"]').first();
    await aborted.waitFor({ timeout: 10_000 });
    expect(await aborted.getByTestId('timeline-outcome').textContent()).toBe(en.timeline.aborted);
    expect(await page.getByTestId('timeline-sse').locator('[data-state="error"]').count()).toBe(0);

    // A held long poll, paused: aborted too.
    await waitOpen('long-poll');
    await page.getByTestId('lane-long-poll-pause').click();
    await toInspector();
    await page.getByTestId('timeline-long-poll').locator('[data-testid="timeline-row"][data-state="aborted"]').first().waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('timeline-long-poll').locator('[data-state="error"]').count()).toBe(0);
  });

  it('off screen the inspector holds still, and shows what it missed as soon as it is scrolled back into view', async () => {
    await page.setViewportSize({ width: 1400, height: 600 });
    try {
      await page.getByTestId('lane-ws-raw').scrollIntoViewIfNeeded();
      await page.evaluate(() => scrollTo(0, 0));
      await page.waitForFunction(() => document.querySelector('[data-testid="inspector"]')?.getAttribute('data-live') === '0', undefined, { timeout: 5_000 });
      const framesBefore = await page.getByTestId('ws-frame').count();
      const text = `held ${Date.now()}`;
      await page.getByTestId('lane-ws-raw-input').fill(text);
      await page.getByTestId('lane-ws-raw-send').click();
      // The lane has it (echoed by the room) while the inspector, off screen, has not redrawn.
      await page.getByTestId('lane-ws-raw-messages').getByText(text).waitFor({ timeout: 10_000 });
      await page.waitForTimeout(1_500);
      expect(await page.getByTestId('inspector').getAttribute('data-live')).toBe('0');
      expect(await page.getByTestId('ws-frame').filter({ hasText: text }).count()).toBe(0);
      expect(await page.getByTestId('ws-frame').count()).toBe(framesBefore);
      // Scrolled back: both frames (the page's and the server's echo) at once.
      await toInspector();
      await page.waitForFunction((t) => [...document.querySelectorAll('[data-testid="ws-frame"]')].filter((r) => r.textContent?.includes(t)).length >= 2, text, { timeout: 5_000 });
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  });

  it('in Chinese, the inspector speaks Chinese', async () => {
    const zh = (await import('../src/i18n/locales/zh-CN/inspector.json', { with: { type: 'json' } })).default;
    await page.evaluate(() => localStorage.setItem('wirebench.lang', 'zh-CN'));
    await page.reload();
    const inspector = page.getByTestId('inspector');
    await inspector.locator('h2', { hasText: zh.title }).waitFor({ timeout: 10_000 });
    await toInspector();
    await page.getByTestId('ws-frame').first().waitFor({ timeout: 15_000 });
    const head = await page.getByTestId('ws-frames').locator('thead').textContent();
    for (const key of ['time', 'direction', 'opcode', 'length', 'maskKey'] as const) expect(head).toContain(zh.frames[key]);
    expect(await page.getByTestId('ws-frame-copy').first().textContent()).toBe(zh.frames.copy);
    const text = await inspector.textContent();
    for (const english of [en.title, en.frames.copy, en.handshake.request, en.frames.time]) expect(text).not.toContain(english);
    await page.evaluate(() => localStorage.removeItem('wirebench.lang'));
  });
});

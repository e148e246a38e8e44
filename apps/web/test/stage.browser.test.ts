// The teacher's dashboard as a stage, in Chromium against the real server (buildApp serving
// apps/web/dist): the projector layout at 1280×720 and 1024×768 with all five lanes and the
// chosen chart, wide and phone widths, the themes, the shortcuts, the remembered settings and
// both languages. Needs a built dashboard: `pnpm --filter @wirebench/web build`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/src/app.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../server/test/helpers/chromium.ts';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const TEACHER_KEY = 'stage-test-teacher-key';
const ALL = ['ws-raw', 'ws-lib', 'short-poll', 'long-poll', 'sse'] as const;
const DEFAULT_LANES = ['ws-raw', 'short-poll', 'long-poll'];
const CHARTS = ['latency', 'histogram', 'requests', 'requests-rate', 'bytes'];

let app: ReturnType<typeof buildApp>;
let browser: Browser;
let base: string;
const errors: string[] = [];

async function newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-US', colorScheme: 'light', ...options });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return { context, page };
}

async function openTeacher(page: Page): Promise<void> {
  await page.goto(`${base}/#teacher=${TEACHER_KEY}`);
  await page.getByTestId('lanes').waitFor();
}

async function activeLanes(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('[data-testid="lanes"] > section')].map((s) => s.getAttribute('data-testid')!.slice(5)));
}

async function waitOpen(page: Page, lanes: readonly string[]): Promise<void> {
  for (const t of lanes) {
    await page.waitForFunction((id) => document.querySelector(`[data-testid="lane-${id}-status"]`)?.textContent === 'open', t, { timeout: 20_000 });
  }
}

/** Presses a key on the page itself, as a teacher does with nothing focused. */
async function press(page: Page, key: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press(key);
}

interface Box {
  id: string;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** What the stage looks like right now: the document's size and every lane card and the chart. */
function measureStage(page: Page) {
  return page.evaluate(() => {
    const box = (el: Element, id: string) => {
      const r = el.getBoundingClientRect();
      return { id, top: r.top, bottom: r.bottom, left: r.left, right: r.right };
    };
    const cards = [...document.querySelectorAll('[data-testid="lanes"] > section')];
    const chart = document.querySelector('[data-testid="stage-chart"] figure');
    const canvas = document.querySelector('[data-testid="stage-chart"] canvas');
    const caption = document.querySelector('[data-testid="stage-chart"] .chart-caption') as HTMLElement | null;
    // Every element of a lane card that shows text of its own.
    const fontSizes = cards.flatMap((card) =>
      [card, ...card.querySelectorAll('*')]
        .filter((el) => el.getClientRects().length > 0)
        .filter((el) => [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== ''))
        .map((el) => parseFloat(getComputedStyle(el).fontSize)),
    );
    // Message rows wholly visible inside their list.
    const visibleMessages = cards.map((card) => {
      const list = card.querySelector('.messages')!.getBoundingClientRect();
      return [...card.querySelectorAll('.messages li')].filter((li) => {
        const r = li.getBoundingClientRect();
        return r.height > 0 && r.top >= list.top - 1 && r.bottom <= list.bottom + 1;
      }).length;
    });
    const lineHeight = caption ? parseFloat(getComputedStyle(caption).lineHeight) || parseFloat(getComputedStyle(caption).fontSize) * 1.3 : 0;
    return {
      width: innerWidth,
      height: innerHeight,
      scrollWidth: document.documentElement.scrollWidth,
      scrollHeight: document.documentElement.scrollHeight,
      cards: cards.map((c) => box(c, c.getAttribute('data-testid')!)),
      cardsClipped: cards.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.getAttribute('data-testid')),
      chart: chart ? box(chart, 'chart') : null,
      canvasHeight: canvas ? canvas.getBoundingClientRect().height : 0,
      caption: caption?.textContent ?? '',
      captionLines: caption ? Math.round(caption.getBoundingClientRect().height / lineHeight) : 0,
      captionCut: caption ? caption.scrollWidth > caption.clientWidth + 1 : true,
      minFont: Math.min(...fontSizes),
      visibleMessages,
    };
  });
}

const inside = (b: Box, w: number, h: number) => b.top >= 0 && b.left >= 0 && b.bottom <= h + 0.5 && b.right <= w + 0.5;

/** Sizes the window and waits for the stage to settle in it (charts resize on the next frame). */
async function stageAt(page: Page, width: number, height: number) {
  await page.setViewportSize({ width, height });
  await expect
    .poll(
      async () => {
        const m = await measureStage(page);
        return m.chart !== null && m.cards.length > 0 && [...m.cards, m.chart].every((b) => inside(b, width, height)) && m.scrollHeight <= height;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  return measureStage(page);
}

function expectStageFits(m: Awaited<ReturnType<typeof measureStage>>, lanes: readonly string[]): void {
  expect(m.scrollHeight).toBeLessThanOrEqual(m.height);
  expect(m.scrollWidth).toBeLessThanOrEqual(m.width);
  expect(m.cards.map((c) => c.id)).toEqual(lanes.map((t) => `lane-${t}`));
  for (const c of [...m.cards, m.chart!]) expect(inside(c, m.width, m.height), JSON.stringify(c)).toBe(true);
  // Side by side: one row of cards.
  expect(new Set(m.cards.map((c) => Math.round(c.top))).size).toBe(1);
  expect(m.canvasHeight).toBeGreaterThanOrEqual(100);
  expect(m.minFont).toBeGreaterThanOrEqual(18);
  for (const n of m.visibleMessages) expect(n).toBeGreaterThanOrEqual(3);
  expect(m.caption.length).toBeGreaterThan(10);
  expect(m.captionLines).toBe(1);
  expect(m.captionCut).toBe(false);
  expect(m.cardsClipped).toEqual([]);
}

async function sendFromEveryLane(page: Page, lanes: readonly string[], label: string): Promise<void> {
  for (const t of lanes) {
    await page.getByTestId(`lane-${t}-input`).fill(`${label} via ${t}`);
    await page.getByTestId(`lane-${t}-send`).click();
  }
  for (const t of lanes) await page.getByTestId(`lane-${t}-messages`).getByText(`${label} via ${lanes.at(-1)}`).waitFor({ timeout: 15_000 });
}

describe('the stage in Chromium', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) throw new Error('apps/web/dist is missing: run `pnpm --filter @wirebench/web build`');
    app = buildApp({ staticDir: dist, teacherKey: TEACHER_KEY });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    base = `http://127.0.0.1:${addr.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    ({ context, page } = await newPage());
  });

  afterAll(async () => {
    await browser?.close();
    if (app) {
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
    }
  });

  it('opens the three default lanes in the normal layout', async () => {
    await openTeacher(page);
    await waitOpen(page, DEFAULT_LANES);
    expect(await activeLanes(page)).toEqual(DEFAULT_LANES);
    expect(await page.getByTestId('stage').count()).toBe(0);
  });

  it('shortcuts: ? lists them, keys typed into a field do nothing, 2 and 5 add lanes, P turns the projector on', async () => {
    await press(page, '?');
    const help = page.getByTestId('shortcut-help');
    await help.waitFor();
    const text = (await help.textContent()) ?? '';
    for (const key of ['P', 'Space', 'R', '1–5', 'C', '?']) expect(text).toContain(key);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    // The visible button opens the same list.
    await page.getByTestId('help-button').click();
    await help.waitFor();
    await page.getByTestId('shortcut-help-close').click();
    await help.waitFor({ state: 'detached' });

    // Typing in a lane's field: p, r, c, digits and a space stay text.
    const input = page.getByTestId('lane-ws-raw-input');
    await input.click();
    await page.keyboard.type('p r c 2 5 ?');
    expect(await input.inputValue()).toBe('p r c 2 5 ?');
    expect(await page.getByTestId('projector-toggle').isChecked()).toBe(false);
    expect(await activeLanes(page)).toEqual(DEFAULT_LANES);
    expect(await page.getByTestId('shortcut-help').count()).toBe(0);
    await input.fill('');

    await press(page, '2');
    await press(page, '5');
    await waitOpen(page, ALL);
    expect(await activeLanes(page)).toEqual([...ALL]);
    await sendFromEveryLane(page, ALL, 'before the stage');
    await sendFromEveryLane(page, ALL, 'more for the stage');

    await press(page, 'p');
    await page.getByTestId('stage').waitFor();
    expect(await page.getByTestId('projector-toggle').isChecked()).toBe(true);
  });

  it('projector at 1280×720: all five lanes side by side and the chosen chart, no scroll, 18 px text', async () => {
    await page.getByTestId('chart-choice').selectOption('requests-rate');
    await page.getByTestId('chart-requests-rate').waitFor();
    const m = await stageAt(page, 1280, 720);
    expectStageFits(m, ALL);
    await page.screenshot({ path: '/tmp/stage-1280x720.png' });
  });

  it('projector at 1024×768: the same', async () => {
    const m = await stageAt(page, 1024, 768);
    expectStageFits(m, ALL);
    // Each card shows its three figures.
    for (const t of ALL) {
      expect(await page.getByTestId(`lane-${t}-latency`).textContent()).toMatch(/\d/);
      expect(await page.getByTestId(`lane-${t}-requests`).textContent()).toMatch(/\d/);
      expect(await page.getByTestId(`lane-${t}-per-message`).textContent()).toMatch(/\d+(\.\d)? (B|KiB)/);
    }
  });

  it('C walks through every chart on the stage, each with its caption, and each fits', async () => {
    const seen: string[] = [];
    for (let i = 0; i < CHARTS.length; i++) {
      await press(page, 'c');
      const id = await page.getByTestId('chart-choice').inputValue();
      seen.push(id);
      await page.getByTestId(`chart-${id}`).waitFor();
      const caption = (await page.getByTestId(`chart-${id}-caption`).textContent()) ?? '';
      expect(caption).toMatch(/^Notice: /);
      expectStageFits(await stageAt(page, 1024, 768), ALL);
    }
    expect(new Set(seen)).toEqual(new Set(CHARTS));
  });

  it('Space pauses every lane and resumes them all; a digit removes and adds a lane', async () => {
    await press(page, 'Space');
    for (const t of ALL) {
      await page.waitForFunction((id) => document.querySelector(`[data-testid="lane-${id}-status"]`)?.textContent === 'paused', t, { timeout: 10_000 });
    }
    expect(await page.getByTestId('pause-all').textContent()).toBe('Resume all');
    await press(page, 'Space');
    await waitOpen(page, ALL);
    expect(await page.getByTestId('pause-all').textContent()).toBe('Pause all');
    await press(page, '3');
    await expect.poll(() => activeLanes(page)).toEqual(['ws-raw', 'ws-lib', 'long-poll', 'sse']);
    expectStageFits(await stageAt(page, 1024, 768), ['ws-raw', 'ws-lib', 'long-poll', 'sse']);
    await press(page, '3');
    await waitOpen(page, ALL);
  });

  it('R resets: every lane reconnects as a new client', async () => {
    const before = await page.evaluate(() => (window as unknown as { wirebench: { lanes: { getSnapshot(): { client: { identity(): { clientId: string } | null } }[] } } }).wirebench.lanes.getSnapshot().map((l) => l.client.identity()?.clientId));
    await press(page, 'r');
    await expect
      .poll(() =>
        page.evaluate(() =>
          (window as unknown as { wirebench: { lanes: { getSnapshot(): { client: { identity(): { clientId: string } | null } }[] } } }).wirebench.lanes
            .getSnapshot()
            .map((l) => l.client.identity()?.clientId),
        ),
      )
      .toSatisfy((ids: (string | undefined)[]) => ids.length === 5 && ids.every((id, i) => id && id !== before[i]));
    await waitOpen(page, ALL);
  });

  it('settings survive a reload: name, lanes, intervals, chart, projector, theme', async () => {
    await press(page, 'p');
    await page.getByTestId('controls').waitFor();
    await page.getByTestId('name-input').fill('Ms. Lin');
    await page.getByTestId('poll-interval').fill('2500');
    await page.getByTestId('poll-interval-apply').click();
    await page.getByTestId('longpoll-timeout').fill('15000');
    await page.getByTestId('longpoll-timeout-apply').click();
    // The auto-sender's interval and target are what its last Start used.
    await page.getByTestId('auto-interval').fill('700');
    await page.getByTestId('auto-target').selectOption('short-poll');
    await page.getByTestId('auto-start').click();
    await page.getByTestId('auto-stop').click();
    await page.getByTestId('lane-ws-lib-remove').click();
    await page.getByTestId('theme-switch').selectOption('dark');
    await press(page, 'p');
    await page.getByTestId('chart-choice').selectOption('bytes');

    await page.reload();
    await page.getByTestId('stage').waitFor();
    expect(await activeLanes(page)).toEqual(['ws-raw', 'short-poll', 'long-poll', 'sse']);
    expect(await page.getByTestId('chart-choice').inputValue()).toBe('bytes');
    await page.getByTestId('chart-bytes').waitFor();
    expect(await page.getByTestId('projector-toggle').isChecked()).toBe(true);
    expect(await page.getByTestId('theme-switch').inputValue()).toBe('dark');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await press(page, 'p');
    expect(await page.getByTestId('name-input').inputValue()).toBe('Ms. Lin');
    expect(await page.getByTestId('poll-interval').inputValue()).toBe('2500');
    expect(await page.getByTestId('longpoll-timeout').inputValue()).toBe('15000');
    expect(await page.getByTestId('auto-interval').inputValue()).toBe('700');
    expect(await page.getByTestId('auto-target').inputValue()).toBe('short-poll');
    // Remembered, not started: the reload sends nothing by itself.
    await page.getByTestId('auto-start').waitFor();
    expect(await page.getByTestId('auto-stop').count()).toBe(0);
    // The lanes really run with them.
    const options = await page.evaluate(() => (window as unknown as { wirebench: { settings: { getSnapshot(): unknown } } }).wirebench.settings.getSnapshot());
    expect(options).toMatchObject({
      name: 'Ms. Lin',
      pollIntervalMs: 2500,
      longPollTimeoutMs: 15000,
      autoSend: { running: false, intervalMs: 700, target: 'short-poll', sent: 0 },
    });
  });

  it('a corrupted saved value falls back to the defaults', async () => {
    await page.evaluate(() => localStorage.setItem('wirebench.settings', '{"version":1,"lanes":"all of them","theme":42,'));
    await page.reload();
    await waitOpen(page, DEFAULT_LANES);
    expect(await activeLanes(page)).toEqual(DEFAULT_LANES);
    expect(await page.getByTestId('projector-toggle').isChecked()).toBe(false);
    expect(await page.getByTestId('theme-switch').inputValue()).toBe('system');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
  });

  it('normal layout, five lanes at 1600 px: no card cut, no sideways scroll; every chart has its caption', async () => {
    await press(page, '2');
    await press(page, '5');
    await waitOpen(page, ALL);
    await page.setViewportSize({ width: 1600, height: 1000 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1600);
    const m = await measureStage(page);
    expect(m.cardsClipped).toEqual([]);
    for (const c of m.cards) expect(c.right).toBeLessThanOrEqual(1600);
    // Every figure of every card lies inside its card.
    const outside = await page.evaluate(() =>
      [...document.querySelectorAll('.lane')].flatMap((card) => {
        const r = card.getBoundingClientRect();
        return [...card.querySelectorAll('.counters > *, .counters .row > *, .lane-actions > *')]
          .filter((el) => {
            const b = el.getBoundingClientRect();
            return b.width > 0 && (b.right > r.right + 0.5 || b.left < r.left - 0.5);
          })
          .map((el) => `${card.getAttribute('data-testid')}: ${el.textContent}`);
      }),
    );
    expect(outside).toEqual([]);
    for (const id of CHARTS) {
      expect(((await page.getByTestId(`chart-${id}-caption`).textContent()) ?? '').length).toBeGreaterThan(10);
      // The normal layout keeps its charts at their full height.
      const canvas = await page.getByTestId(`chart-${id}`).locator('canvas').boundingBox();
      expect(canvas?.height).toBeGreaterThanOrEqual(200);
    }
  });

  it('normal layout at 360 and 390 px wide: nothing wider than the screen', async () => {
    for (const width of [390, 360]) {
      await page.setViewportSize({ width, height: 844 });
      await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 10_000 }).toBeLessThanOrEqual(width);
    }
  });

  it('follows a dark system theme, switches, and redraws the charts in the theme', async () => {
    const dark = await newPage({ colorScheme: 'dark', viewport: { width: 1280, height: 720 } });
    try {
      await openTeacher(dark.page);
      const look = () =>
        dark.page.evaluate(() => {
          const rgb = getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g)!.map(Number);
          return { theme: document.documentElement.dataset.theme, light: (rgb[0]! + rgb[1]! + rgb[2]!) / 3 > 128, ink: getComputedStyle(document.documentElement).getPropertyValue('--chart-ink').trim() };
        });
      expect(await look()).toMatchObject({ theme: 'dark', light: false });
      const darkInk = (await look()).ink;
      // Following the system while it changes.
      await dark.page.emulateMedia({ colorScheme: 'light' });
      await expect.poll(async () => (await look()).theme).toBe('light');
      await dark.page.emulateMedia({ colorScheme: 'dark' });
      await expect.poll(async () => (await look()).theme).toBe('dark');
      // The switch wins over the system.
      await dark.page.getByTestId('theme-switch').selectOption('light');
      expect(await look()).toMatchObject({ theme: 'light', light: true });
      expect((await look()).ink).not.toBe(darkInk);
      await dark.page.getByTestId('theme-switch').selectOption('dark');
      expect(await look()).toMatchObject({ theme: 'dark', light: false });
      await dark.page.screenshot({ path: '/tmp/stage-dark-normal.png' });
      // The Class view's transport tiles take the theme's lane colours too (short poll: #56b4e9 on dark, #0072b2 on light).
      await dark.page.getByTestId('tab-class').click();
      const tile = dark.page.getByTestId('class-short-poll');
      const edge = () => tile.evaluate((el) => getComputedStyle(el).borderLeftColor);
      expect(await edge()).toBe('rgb(86, 180, 233)');
      await dark.page.getByTestId('theme-switch').selectOption('light');
      expect(await edge()).toBe('rgb(0, 114, 178)');
      await dark.page.getByTestId('theme-switch').selectOption('dark');
      expect(await edge()).toBe('rgb(86, 180, 233)');
      await dark.page.getByTestId('chart-server-rps').locator('canvas').waitFor();
      await dark.page.screenshot({ path: '/tmp/stage-dark-class.png' });
    } finally {
      await dark.context.close();
    }
  });

  it('in Chinese: every stage string changes, and the stage still fits at both sizes', async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByTestId('language-switch').selectOption('zh-CN');
    await expect.poll(() => page.getByTestId('tab-lanes').textContent()).toBe('通道');
    await press(page, 'p');
    await page.getByTestId('stage').waitFor();
    await page.getByTestId('chart-choice').selectOption('histogram');
    for (const [w, h] of [
      [1280, 720],
      [1024, 768],
    ] as const) {
      const m = await stageAt(page, w, h);
      expectStageFits(m, ALL);
      expect(m.caption).toMatch(/^注意：/);
      await page.screenshot({ path: `/tmp/stage-zh-${w}x${h}.png` });
    }
    // No Latin words left on the stage but names, ids and protocol terms.
    const words = await page.evaluate(() => {
      const stage = document.querySelector('[data-testid="stage"]')!;
      const walker = document.createTreeWalker(stage, NodeFilter.SHOW_TEXT);
      const found: string[] = [];
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.parentElement?.closest('.messages, option:not(:checked)')) continue;
        found.push(...(n.textContent!.match(/[A-Za-z]{3,}/g) ?? []));
      }
      return found;
    });
    expect(words.filter((w) => !['SSE', 'WebSocket'].includes(w))).toEqual([]);
    await page.getByTestId('language-switch').selectOption('en');
    await expect.poll(() => page.getByTestId('tab-lanes').textContent()).toBe('Lanes');
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});

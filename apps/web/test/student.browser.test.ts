// The student page (the plain URL) in Chromium on phone-sized screens, against the real
// server started with a known teacher key: names, the chat between two phones, no sideways
// scrolling, the teacher's round-robin assignment, removal and the locked room.
// Needs a built dashboard: `pnpm --filter @wirebench/web build` (the root `pnpm test` builds).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../server/test/helpers/chromium.ts';
import { asTeacher, fetchJson, start, type Started } from '../../server/test/helpers/contract.ts';
import { TRANSPORT_LABELS as LABELS } from '../src/model/workbench.ts';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

let server: Started;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];
const dialogs: string[] = [];

/** A fresh phone: its own storage, a touch screen, the page's meta viewport honoured; English and light unless told. */
async function phone(width: number, height: number, settings: { locale?: string; colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width, height },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
    locale: settings.locale ?? 'en-US',
    colorScheme: settings.colorScheme ?? 'light',
  });
  contexts.push(context);
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${width}px console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${width}px pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`${server.url}/`);
  return page;
}

async function setName(page: Page, name: string): Promise<void> {
  await page.getByTestId('student-name-input').fill(name);
  await page.getByTestId('student-name-save').click();
  await page.getByTestId('student-name').getByText(name, { exact: false }).waitFor();
}

async function waitStatus(page: Page, status: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((s) => document.querySelector('[data-testid="student-status"]')?.getAttribute('data-status') === s, status, {
    timeout,
  });
}

async function seesMessage(page: Page, text: string, timeout = 15_000): Promise<void> {
  await page.getByTestId('student-messages').getByText(text, { exact: true }).waitFor({ timeout });
}

/** The server's view of the class, by name (names are unique in this test). */
async function clientNamed(name: string): Promise<{ clientId: string; assigned: string | null; transports: string[] }> {
  const answer = await fetchJson(`${server.url}/api/clients`, undefined, asTeacher);
  expect(answer.status).toBe(200);
  const matches = (answer.body.clients as Array<{ name: string; clientId: string; assigned: string | null; transports: string[] }>).filter(
    (c) => c.name === name,
  );
  expect(matches).toHaveLength(1);
  return matches[0]!;
}

/** What a phone sees of its own layout: sideways overflow, the smallest text, the smallest tap target. */
function layout(page: Page): Promise<{ innerWidth: number; scrollWidth: number; smallestText: string | null; smallestTarget: string | null }> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-testid="student-page"]')!;
    let smallestText: string | null = null;
    let minFont = Infinity;
    for (const el of root.querySelectorAll<HTMLElement>('*')) {
      const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '');
      if (!ownText || el.offsetParent === null) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < minFont) {
        minFont = size;
        smallestText = `${size}px <${el.tagName.toLowerCase()}> ${el.textContent!.trim().slice(0, 30)}`;
      }
    }
    for (const el of root.querySelectorAll<HTMLElement>('input, button')) {
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < minFont) {
        minFont = size;
        smallestText = `${size}px <${el.tagName.toLowerCase()}>`;
      }
    }
    let smallestTarget: string | null = null;
    let minSide = Infinity;
    for (const el of root.querySelectorAll<HTMLElement>('input, button, a, select, textarea')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const side = Math.min(box.width, box.height);
      if (side < minSide) {
        minSide = side;
        smallestTarget = `${Math.round(box.width)}×${Math.round(box.height)} <${el.tagName.toLowerCase()}> ${el.textContent!.trim().slice(0, 30)}`;
      }
    }
    return {
      innerWidth,
      scrollWidth: document.documentElement.scrollWidth,
      smallestText: minFont < 16 ? smallestText : null,
      smallestTarget: minSide < 44 ? smallestTarget : null,
    };
  });
}

describe('the student page on phones', () => {
  let ana: Page;
  let ben: Page;
  const stamp = Date.now().toString(36);

  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) throw new Error('apps/web/dist is missing: run `pnpm --filter @wirebench/web build`');
    server = await start({ staticDir: dist });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    if (server) {
      const closing = server.app.close();
      server.app.server.closeAllConnections();
      await closing;
    }
  });

  it('asks for a name first, then two phones (390×844, 360×740) chat with each other', async () => {
    ana = await phone(390, 844);
    ben = await phone(360, 740);
    // Nothing but the name until one is given: no chat, no lane.
    await ana.getByTestId('student-name-form').waitFor();
    expect(await ana.getByTestId('student-send-form').count()).toBe(0);
    expect(await ana.getByTestId('student-lane').count()).toBe(0);

    await setName(ana, `Ana ${stamp}`);
    await setName(ben, `Ben ${stamp}`);
    await waitStatus(ana, 'open');
    await waitStatus(ben, 'open');

    // Ana presses Enter, Ben taps Send.
    await ana.getByTestId('student-input').fill(`hello from Ana ${stamp}`);
    await ana.getByTestId('student-input').press('Enter');
    await ben.getByTestId('student-input').fill(`hello from Ben ${stamp}`);
    await ben.getByTestId('student-send').click();
    for (const page of [ana, ben]) {
      await seesMessage(page, `hello from Ana ${stamp}`);
      await seesMessage(page, `hello from Ben ${stamp}`);
    }
    expect(await ana.getByTestId('student-input').inputValue()).toBe('');

    // Newest at the bottom: Ben's message, sent last, sits below Ana's.
    const below = await ana.evaluate((s) => {
      const items = [...document.querySelectorAll('[data-testid="student-messages"] li')];
      const y = (t: string) => items.find((li) => li.textContent?.includes(t))!.getBoundingClientRect().top;
      return y(`hello from Ben ${s}`) > y(`hello from Ana ${s}`);
    }, stamp);
    expect(below).toBe(true);

    // Plain text: markup shows as typed and runs nothing.
    const probe = `<img src=x onerror=alert(1)> ${stamp}`;
    await ben.getByTestId('student-input').fill(probe);
    await ben.getByTestId('student-input').press('Enter');
    await seesMessage(ana, probe);
    expect(await ana.locator('[data-testid="student-page"] img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it("shows this lane's own figures: latency of own messages, requests, bytes per message", async () => {
    await ana.getByTestId('student-input').fill(`measured ${stamp}`);
    await ana.getByTestId('student-input').press('Enter');
    await seesMessage(ana, `measured ${stamp}`);
    await ana.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="student-latency-last"]')?.textContent ?? ''));
    const figures = await ana.evaluate(() => {
      const text = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
      return {
        last: text('student-latency-last'),
        median: text('student-latency-median'),
        requests: text('student-requests'),
        perMessage: text('student-bytes-per-message'),
        split: text('student-bytes-split'),
      };
    });
    expect(figures.last).toMatch(/^\d+(\.\d)? m?s$/);
    expect(figures.median).toMatch(/^\d+(\.\d)? m?s$/);
    expect(Number(figures.requests)).toBeGreaterThanOrEqual(1);
    expect(figures.perMessage).toMatch(/^\d+ B$/);
    const [total, headers, payload] = [figures.perMessage, ...figures.split.split(' / ')].map((v) => Number.parseInt(v!, 10));
    expect(headers! + payload!).toBeGreaterThanOrEqual(total! - 1);
    expect(headers! + payload!).toBeLessThanOrEqual(total! + 1);
    expect(payload).toBeGreaterThan(0);
  });

  it('"Cut my connection" drops this student alone, and the lane comes back with nothing missed', async () => {
    const reconnects = async (page: Page) => Number(await page.getByTestId('student-reconnects').textContent());
    const benBefore = await reconnects(ben);
    await ana.getByTestId('student-cut').click();
    await ana.getByTestId('student-cut-result').getByText('Cut. Watch the lane reconnect.').waitFor();
    await ana.waitForFunction(() => Number(document.querySelector('[data-testid="student-reconnects"]')?.textContent) >= 1, null, { timeout: 15_000 });
    await waitStatus(ana, 'open');
    await ben.getByTestId('student-input').fill(`after Ana's cut ${stamp}`);
    await ben.getByTestId('student-input').press('Enter');
    await seesMessage(ana, `after Ana's cut ${stamp}`);
    expect(await reconnects(ben)).toBe(benBefore);
  });

  it('lets the student pick a transport while nothing is assigned, staying the same student', async () => {
    const before = await clientNamed(`Ana ${stamp}`);
    expect(before.assigned).toBeNull();
    await ana.getByTestId('student-pick-sse').click();
    await ana.waitForFunction(() => document.querySelector('[data-testid="student-lane"]')?.getAttribute('data-transport') === 'sse');
    await waitStatus(ana, 'open');
    expect(await ana.getByTestId('student-transport').textContent()).toBe(LABELS.sse);
    await ana.getByTestId('student-input').fill(`over SSE ${stamp}`);
    await ana.getByTestId('student-input').press('Enter');
    await seesMessage(ben, `over SSE ${stamp}`);
    await seesMessage(ana, `over SSE ${stamp}`);
    expect((await clientNamed(`Ana ${stamp}`)).clientId).toBe(before.clientId);
    // Nothing shown twice across the switch.
    expect(await ana.getByTestId('student-messages').getByText(`hello from Ben ${stamp}`, { exact: true }).count()).toBe(1);
  });

  it('never scrolls sideways at 320, 360, 390 and 430 px, with 16 px text and 44 px tap targets', async () => {
    // A word longer than any phone is wide.
    await ben.getByTestId('student-input').fill(`${'unbreakable'.repeat(12)} ${stamp}`);
    await ben.getByTestId('student-input').press('Enter');
    await seesMessage(ana, `${'unbreakable'.repeat(12)} ${stamp}`);
    for (const width of [320, 360, 390, 430]) {
      await ana.setViewportSize({ width, height: 800 });
      // Two frames: the resize is laid out before anything is measured.
      await ana.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      const seen = await layout(ana);
      expect(seen.innerWidth, `layout viewport at ${width}px`).toBe(width);
      expect(seen.scrollWidth, `scrollWidth at ${width}px`).toBeLessThanOrEqual(seen.innerWidth);
      expect(seen.smallestText, `text under 16px at ${width}px`).toBeNull();
      expect(seen.smallestTarget, `tap target under 44px at ${width}px`).toBeNull();
    }
    await ana.setViewportSize({ width: 390, height: 844 });
    // The name form too, before anyone joined.
    const fresh = await phone(320, 740);
    await fresh.getByTestId('student-name-form').waitFor();
    const seen = await layout(fresh);
    expect(seen.scrollWidth).toBeLessThanOrEqual(seen.innerWidth);
    expect(seen.smallestText).toBeNull();
    expect(seen.smallestTarget).toBeNull();
    await fresh.context().close();
  });

  it('speaks Chinese to a phone set to Chinese, fits 320–390 px in it, and switches to English and back, remembered', async () => {
    const mei = await phone(320, 740, { locale: 'zh-CN' });
    await mei.getByTestId('student-name-form').waitFor();
    expect(await mei.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await mei.locator('label[for="st-name-input"]').textContent()).toBe('你的名字');
    await mei.getByTestId('student-name-input').fill(`Mei ${stamp}`);
    await mei.getByTestId('student-name-save').click();
    await mei.getByTestId('student-name').getByText(`你的名字：Mei ${stamp}`, { exact: true }).waitFor();
    await waitStatus(mei, 'open');
    expect(await mei.getByTestId('student-status').textContent()).toBe('已连接');
    await mei.getByTestId('student-input').fill(`你好 ${stamp}`);
    await mei.getByTestId('student-send').click();
    await seesMessage(mei, `你好 ${stamp}`);
    await seesMessage(ana, `你好 ${stamp}`);
    for (const language of ['zh-CN', 'en'] as const) {
      if (language === 'en') {
        await mei.getByTestId('language-switch').selectOption('en');
        await mei.getByTestId('student-status').getByText('connected', { exact: true }).waitFor();
        expect(await mei.evaluate(() => document.documentElement.lang)).toBe('en');
      }
      for (const width of [320, 360, 390]) {
        await mei.setViewportSize({ width, height: 740 });
        await mei.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
        const seen = await layout(mei);
        expect(seen.scrollWidth, `${language} scrollWidth at ${width}px`).toBeLessThanOrEqual(seen.innerWidth);
        expect(seen.smallestText, `${language} text under 16px at ${width}px`).toBeNull();
        expect(seen.smallestTarget, `${language} tap target under 44px at ${width}px`).toBeNull();
      }
    }
    // The choice outlives a reload, whatever the browser's language says.
    await mei.reload();
    await mei.getByTestId('student-status').getByText('connected', { exact: true }).waitFor({ timeout: 15_000 });
    expect(await mei.getByTestId('language-switch').inputValue()).toBe('en');
    await mei.getByTestId('language-switch').selectOption('zh-CN');
    await mei.getByTestId('student-name-change').getByText('改名', { exact: true }).waitFor();
    await mei.context().close();
  });

  it('follows a dark system theme, with readable text, and stays light on a light one', async () => {
    const colours = (page: Page) =>
      page.evaluate(() => {
        const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
        const luminance = (css: string) => {
          const [r, g, b] = rgb(css).map((v) => {
            const c = v / 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
        };
        const contrast = (a: string, b: string) => {
          const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
          return (hi! + 0.05) / (lo! + 0.05);
        };
        /** The first non-transparent background at or above the element. */
        const background = (el: Element | null): string => {
          for (; el; el = el.parentElement) {
            const bg = getComputedStyle(el).backgroundColor;
            if (!/rgba\(.*, 0\)$|transparent/.test(bg)) return bg;
          }
          return 'rgb(255, 255, 255)';
        };
        const pairs: Record<string, number> = {};
        for (const selector of ['.st-you-are', '.st-hint', '.st-lane h2', '.st-figures dt', '[data-testid="student-send"]', '.st-messages li .st-text']) {
          const el = document.querySelector(selector);
          if (el) pairs[selector] = contrast(getComputedStyle(el).color, background(el));
        }
        return { page: luminance(getComputedStyle(document.documentElement).backgroundColor), chat: luminance(background(document.querySelector('.st-chat'))), pairs };
      });
    for (const scheme of ['dark', 'light'] as const) {
      const page = await phone(360, 740, { colorScheme: scheme });
      await setName(page, `Theo ${scheme} ${stamp}`);
      await waitStatus(page, 'open');
      await page.getByTestId('student-input').fill(`in the ${scheme} ${stamp}`);
      await page.getByTestId('student-input').press('Enter');
      await seesMessage(page, `in the ${scheme} ${stamp}`);
      const seen = await colours(page);
      if (scheme === 'dark') {
        expect(seen.page, 'dark page background').toBeLessThan(0.05);
        expect(seen.chat, 'dark chat background').toBeLessThan(0.05);
      } else {
        expect(seen.page, 'light page background').toBeGreaterThan(0.8);
        expect(seen.chat, 'light chat background').toBeGreaterThan(0.8);
      }
      expect(Object.keys(seen.pairs)).toHaveLength(6);
      for (const [selector, ratio] of Object.entries(seen.pairs)) expect(ratio, `${scheme} contrast of ${selector}`).toBeGreaterThanOrEqual(4.5);
      await page.context().close();
    }
  });

  it('remembers the name across a reload, and is the same student afterwards', async () => {
    const before = await clientNamed(`Ana ${stamp}`);
    await ana.reload();
    await ana.getByTestId('student-name').getByText(`Ana ${stamp}`, { exact: false }).waitFor();
    expect(await ana.getByTestId('student-name-form').count()).toBe(0);
    await waitStatus(ana, 'open');
    await seesMessage(ana, `hello from Ben ${stamp}`);
    expect((await clientNamed(`Ana ${stamp}`)).clientId).toBe(before.clientId);
  });

  it('opens the docs and comes back to the same chat, still connected', async () => {
    await ben.getByTestId('student-docs').click();
    await ben.waitForFunction(() => location.hash.startsWith('#/docs') && !document.querySelector('[data-testid="student-page"]'));
    await ben.goBack();
    await ben.getByTestId('student-page').waitFor();
    await waitStatus(ben, 'open');
    await seesMessage(ben, `hello from Ana ${stamp}`);
    await ana.getByTestId('student-input').fill(`back from the docs ${stamp}`);
    await ana.getByTestId('student-input').press('Enter');
    await seesMessage(ben, `back from the docs ${stamp}`);
  });

  it("puts each phone on the transport the teacher's round-robin assigned, and says so", async () => {
    // Both pages have asked for their assignment by now (every 3 s once they have an identity).
    const nobody = await fetchJson(`${server.url}/api/class/assign`, { mode: 'round-robin' });
    expect(nobody.status).toBe(401);
    const answer = await fetchJson(`${server.url}/api/class/assign`, { mode: 'round-robin' }, asTeacher);
    expect(answer.status).toBe(200);
    const names = [`Ana ${stamp}`, `Ben ${stamp}`];
    const assigned = await Promise.all(names.map(async (n) => (await clientNamed(n)).assigned));
    expect(assigned.every((t) => t !== null && t in LABELS)).toBe(true);
    expect(assigned[0]).not.toBe(assigned[1]);
    for (const [i, page] of [ana, ben].entries()) {
      const t = assigned[i]!;
      await page.waitForFunction((id) => document.querySelector('[data-testid="student-lane"]')?.getAttribute('data-transport') === id, t, {
        timeout: 15_000,
      });
      await page.getByTestId('student-assigned').getByText(`Your teacher put you on ${LABELS[t as keyof typeof LABELS]}`, { exact: true }).waitFor();
      await waitStatus(page, 'open');
      // The student's own choice waits while the teacher's holds.
      expect(await page.getByTestId('student-picker').count()).toBe(0);
    }
    // Still one student each, and the chat goes on over the new lanes.
    for (const [i, n] of names.entries()) {
      const me = await clientNamed(n);
      expect(me.assigned).toBe(assigned[i]);
    }
    await ana.getByTestId('student-input').fill(`after the switch ${stamp}`);
    await ana.getByTestId('student-input').press('Enter');
    await seesMessage(ben, `after the switch ${stamp}`);
    await seesMessage(ana, `after the switch ${stamp}`);
    expect(await ben.getByTestId('student-messages').getByText(`hello from Ana ${stamp}`, { exact: true }).count()).toBe(1);
  });

  it('a removed student is told so plainly, and cannot send any more', async () => {
    const me = await clientNamed(`Ben ${stamp}`);
    const removed = await fetchJson(`${server.url}/api/clients/${me.clientId}/remove`, {}, asTeacher);
    expect(removed.status).toBe(200);
    await ben.getByTestId('student-removed').getByText('The teacher removed you from this room', { exact: true }).waitFor({ timeout: 10_000 });
    expect(await ben.getByTestId('student-input').isDisabled()).toBe(true);
    expect(await ben.getByTestId('student-send').isDisabled()).toBe(true);
    // The page's own identity no longer sends, whatever path it takes.
    const refused = await ben.evaluate(async () => {
      const seat = JSON.parse(sessionStorage.getItem('wirebench.student.seat')!) as { clientId: string; clientSecret: string };
      const res = await fetch('/api/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...seat, text: 'still here?' }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('CLIENT_REMOVED');
    // Ana's page goes on, and never sees it.
    await ana.getByTestId('student-input').fill(`Ana is still here ${stamp}`);
    await ana.getByTestId('student-input').press('Enter');
    await seesMessage(ana, `Ana is still here ${stamp}`);
    expect(await ana.getByTestId('student-messages').getByText('still here?', { exact: true }).count()).toBe(0);
    expect(await ben.getByTestId('student-messages').getByText(`Ana is still here ${stamp}`, { exact: true }).count()).toBe(0);
  });

  it('a new phone in a locked room is told to ask the teacher, and gets in once it is unlocked', async () => {
    const lock = await fetchJson(`${server.url}/api/room/lock`, { locked: true }, asTeacher);
    expect(lock.status).toBe(200);
    const late = await phone(360, 740);
    await setName(late, `Cleo ${stamp}`);
    await late.getByTestId('student-locked').getByText('The room is locked: ask your teacher', { exact: true }).waitFor({ timeout: 10_000 });
    expect((await layout(late)).scrollWidth).toBeLessThanOrEqual(360);
    expect(await late.getByTestId('student-input').isDisabled()).toBe(true);
    // Ana, already in, is not shut out by the lock.
    await ana.getByTestId('student-input').fill(`in a locked room ${stamp}`);
    await ana.getByTestId('student-input').press('Enter');
    await seesMessage(ana, `in a locked room ${stamp}`);
    expect(await ana.getByTestId('student-locked').count()).toBe(0);

    expect((await fetchJson(`${server.url}/api/room/lock`, { locked: false }, asTeacher)).status).toBe(200);
    await late.getByTestId('student-try-again').click();
    await waitStatus(late, 'open');
    expect(await late.getByTestId('student-locked').count()).toBe(0);
    expect(await late.getByTestId('student-input').isDisabled()).toBe(false);
    await seesMessage(late, `in a locked room ${stamp}`);
  });

  it('logged no console errors and opened no dialog', () => {
    // The refused handshake of a removed or locked-out client is the browser's own console line.
    const unexpected = problems.filter((p) => !/WebSocket connection to .* failed|status of (403|423)/.test(p));
    expect(unexpected).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});

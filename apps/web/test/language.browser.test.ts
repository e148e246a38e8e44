// Issue 12, the language switch for the whole product: the teacher dashboard (Lanes, Class,
// Docs) and the student page, each opened by a Chromium whose language is English and by one
// whose language is Chinese (the default follows the browser), and switched by the menu. Every
// visible string must change between the two, but for protocol terms, numbers, ids and names
// (ALLOWED below); the choice outlives a reload. What stayed English is written to
// test-results/language-untranslated.json and named in the failure.
// Needs a built dashboard: `pnpm --filter @wirebench/web build` (the root `pnpm test` builds).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../server/test/helpers/chromium.ts';
import { start, type Started } from '../../server/test/helpers/contract.ts';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const results = join(here, '..', '..', '..', 'test-results');
const TEACHER_KEY = 'language-browser-test-key-5d1e8b';
const STUDENT_NAME = 'Lin';

/** Strings that may read the same in both languages: protocol terms, ids, names, commands. */
const ALLOWED = new Set([
  'Wirebench',
  'WebSocket',
  'SSE',
  'HTTP',
  'JSON',
  'seq',
  'clientId',
  'Last-Event-ID',
  'ws-raw',
  'ws-lib',
  'short-poll',
  'long-poll',
  'sse',
  'VPN',
  // HTTP methods and RFC 6455's names for a frame's fields and opcodes (the inspector)
  'GET',
  'POST',
  'FIN',
  'RSV1',
  'RSV2',
  'RSV3',
  'MASK',
  'TEXT',
  'BINARY',
  'CLOSE',
  'PING',
  'PONG',
  'CONT',
  '0x',
  // the contract's default name
  'anon',
  'Ctrl+C',
  'HOST=0.0.0.0 pnpm start',
  'pnpm start',
  STUDENT_NAME,
]);
/** Numbers with their units, times, URLs, hex and ids: the same in any language. */
const ALLOWED_PATTERNS = [
  /^[-–—+±~≈×·•/|:;,.?!()[\]#%“”"'…\d\s]*$/, // numbers and punctuation
  /^[a-z?]$/i, // a key of a keyboard shortcut
  /^\/[\w/.?=&-]*$/, // a request path
  /^guest-\d+$/, // a lane's made-up name
  /^[\w.-]+:\d+$/, // a process's NODE_ID (host name:port)
  /^[-+~≈]?\d[\d,.]*\s*(ms|s|B|KiB|MiB|KB|MB|fps|%|px)?(\s*\/\s*\d[\d,.]*\s*(ms|s|B|KiB|MiB)?)?$/, // figures with units
  /^(p\d{2}|#\d+|seq\s*\d+)$/,
  /^https?:\/\/\S+$/, // addresses
  /^\d{1,2}:\d{2}(:\d{2})?(\s?[AP]M)?$/, // clock times
  /^([0-9a-f]{2}\s?)+$/i, // hex
  /^[0-9a-f-]{8,}…?$/i, // ids
];

function allowed(text: string): boolean {
  return ALLOWED.has(text) || ALLOWED_PATTERNS.some((p) => p.test(text));
}

let server: Started;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
/** view → strings that read the same in English and Chinese (not allowed). */
const untranslated: Record<string, string[]> = {};
const latinOnly: Record<string, string[]> = {};

async function open(locale: string, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${locale} ${url}: ${e.message}`));
  await page.goto(url);
  return page;
}

/** Every text a reader sees on the page now (code, diagrams and menu options aside), and placeholders. */
function visibleStrings(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out = new Set<string>();
    const seen = (el: Element) => {
      if (el.getClientRects().length === 0) return false;
      const style = getComputedStyle(el);
      return style.visibility !== 'hidden' && style.opacity !== '0';
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = (node.textContent ?? '').replace(/\s+/g, ' ').trim();
      const el = node.parentElement;
      if (text === '' || !el || el.closest('pre, code, kbd, samp, script, style, svg, option, .mermaid')) continue;
      if (seen(el)) out.add(text);
    }
    for (const input of document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input[placeholder], textarea[placeholder]')) {
      if (seen(input) && input.placeholder.trim() !== '') out.add(input.placeholder.trim());
    }
    return [...out];
  });
}

/** The page's strings once they stop changing (lanes connect, lists arrive): two equal samples in a row. */
async function settledStrings(page: Page): Promise<Set<string>> {
  let last = '';
  let strings: string[] = [];
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    strings = (await visibleStrings(page)).filter((s) => !allowed(s)).sort();
    // Settled once only figures change (a count of requests goes up every second).
    const now = JSON.stringify(strings.map((s) => s.replace(/\d[\d,.]*/g, '#')));
    if (now === last) break;
    last = now;
    await page.waitForTimeout(700);
  }
  return new Set(strings);
}

/** Shows a view in English and in Chinese; records and returns what stayed the same. */
async function compare(view: string, url: string, ready: (page: Page) => Promise<void>): Promise<string[]> {
  const en = await open('en-US', url);
  const zh = await open('zh-CN', url);
  await Promise.all([ready(en), ready(zh)]);
  // The Chinese page is Chinese by default: the browser's language.
  expect(await en.evaluate(() => document.documentElement.lang)).toBe('en');
  expect(await zh.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
  const [enStrings, zhStrings] = await Promise.all([settledStrings(en), settledStrings(zh)]);
  expect(enStrings.size, `${view}: English strings`).toBeGreaterThan(3);
  const same = [...zhStrings].filter((s) => enStrings.has(s)).sort();
  untranslated[view] = same;
  // For the record only: Chinese-page strings in Latin letters alone that English does not show.
  latinOnly[view] = [...zhStrings].filter((s) => !enStrings.has(s) && /[A-Za-z]{2}/.test(s) && !/[\u3400-\u9fff]/.test(s)).sort();
  await en.context().close();
  await zh.context().close();
  return same;
}

const teacherUrl = () => `${server.url}/#teacher=${TEACHER_KEY}`;

async function teacherView(page: Page, view: string): Promise<void> {
  // #teacher= becomes #/lanes; then the view by its tab.
  await page.getByTestId(`tab-${view}`).waitFor({ timeout: 15_000 });
  await page.getByTestId(`tab-${view}`).click();
  if (view === 'lanes') await page.getByTestId('lane-ws-raw-status').waitFor({ timeout: 15_000 });
  if (view === 'class') await page.getByTestId('join-url-primary').waitFor({ timeout: 15_000 });
  if (view === 'docs') await page.locator('[data-testid="docs-article"]').waitFor({ timeout: 15_000 });
}

describe('every visible string in English and in Chinese', () => {
  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) throw new Error('apps/web/dist is missing: run `pnpm --filter @wirebench/web build`');
    server = await start({ staticDir: dist, teacherKey: TEACHER_KEY });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, 'language-untranslated.json'), `${JSON.stringify({ untranslated, latinOnly }, null, 2)}\n`);
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    if (server) {
      const closing = server.app.close();
      server.app.server.closeAllConnections();
      await closing;
    }
  });

  for (const view of ['lanes', 'class', 'docs']) {
    it(`the teacher's ${view} view`, async () => {
      const same = await compare(`teacher ${view}`, teacherUrl(), (page) => teacherView(page, view));
      expect(same, `still the same in English and Chinese on the ${view} view`).toEqual([]);
    });
  }

  it('the student page (name form, then the chat and the lane)', async () => {
    const same = await compare('student', `${server.url}/`, async (page) => {
      await page.getByTestId('student-name-input').fill(STUDENT_NAME);
      await page.getByTestId('student-name-save').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="student-status"]')?.getAttribute('data-status') === 'open', null, {
        timeout: 15_000,
      });
    });
    const form = await compare('student name form', `${server.url}/`, (page) => page.getByTestId('student-name-form').waitFor());
    expect([...same, ...form], 'still the same in English and Chinese on the student page').toEqual([]);
  });

  it('the menu switches the teacher page both ways, and the choice outlives a reload', async () => {
    const page = await open('en-US', teacherUrl());
    await teacherView(page, 'class');
    const english = await settledStrings(page);
    await page.getByTestId('language-switch').selectOption('zh-CN');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    const chinese = await settledStrings(page);
    const same = [...chinese].filter((s) => english.has(s)).sort();
    untranslated['teacher class, switched'] = same;
    expect(same, 'still the same after switching the class view to Chinese').toEqual([]);
    await page.reload();
    await page.getByTestId('tab-class').waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await page.getByTestId('language-switch').inputValue()).toBe('zh-CN');
    await page.getByTestId('language-switch').selectOption('en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.reload();
    await page.getByTestId('tab-class').waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
  });

  it('the menu switches the student page, and the choice outlives a reload even against the browser language', async () => {
    const page = await open('zh-CN', `${server.url}/`);
    await page.getByTestId('student-name-form').waitFor();
    const chinese = await settledStrings(page);
    await page.getByTestId('language-switch').selectOption('en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    const english = await settledStrings(page);
    expect([...english].filter((s) => chinese.has(s))).toEqual([]);
    await page.reload();
    await page.getByTestId('student-name-form').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.getByTestId('language-switch').inputValue()).toBe('en');
  });

  it("the student's docs have one language switch, and it switches the chapter", async () => {
    const page = await open('en-US', `${server.url}/#/docs`);
    await page.locator('[data-testid="docs-article"]').waitFor({ timeout: 15_000 });
    // Any menu offering the languages counts, whatever it is called.
    const switches = page.locator('select:has(option[value="zh-CN"])');
    expect(await switches.count()).toBe(1);
    await page.getByTestId('language-switch').selectOption('zh-CN');
    await page.waitForFunction(() => document.querySelector('[data-testid="docs-article"]')?.getAttribute('data-language') === 'zh-CN', null, { timeout: 15_000 });
    expect(await switches.count()).toBe(1);
    await page.context().close();
  });

  it('threw no error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});

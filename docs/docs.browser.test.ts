// The Docs view in Chromium, served by the real server: every chapter renders in English and
// in Simplified Chinese (diagrams drawn), no console errors, every link between chapters
// resolves, the live widgets give the RFC's own examples, a 390 px phone never scrolls
// sideways, the sidebar collapses, diagrams follow a dark page, and mermaid is fetched only by
// a chapter that draws one. The view is built into a small harness page with Vite's JS API (an
// entry that renders <DocsView/> alone), so most of the test does not depend on how the
// dashboard wires its views; the same build also holds the real dashboard (index.html), for
// the lanes view's share of the mermaid check.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build, type Plugin } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../apps/server/src/app.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const webDir = join(root, 'apps', 'web');
const HARNESS = join(webDir, 'src', '__docs_harness__.tsx');

const TEACHER_KEY = 'docs-test-teacher-key-0123';

let outDir: string;
/** The build's files that only mermaid needs (not the dashboard, the harness or the docs page). */
let mermaidOnly: Set<string>;
let mermaidEntry: string;
let app: ReturnType<typeof buildApp>;
let browser: Browser;
let page: Page;
let base: string;
const consoleErrors: string[] = [];
const failedRequests: string[] = [];

function harnessPlugin(): Plugin {
  return {
    name: 'docs-harness',
    resolveId: (id) => (id === HARNESS ? HARNESS : null),
    load: (id) =>
      id === HARNESS
        ? [
            "import { createElement } from 'react';",
            "import { createRoot } from 'react-dom/client';",
            "import './ui/styles.css';",
            "import './i18n/index.ts';",
            "import { DocsView } from './features/docs/docs-view.tsx';",
            "if (!location.hash) location.hash = '#/docs';",
            "createRoot(document.getElementById('root')!).render(createElement(DocsView));",
          ].join('\n')
        : null,
  };
}

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

/**
 * Every chunk the given ones load: their static imports, and with `dynamic` their dynamic ones
 * too, through the chunks `enter` allows.
 */
function closure(manifest: Record<string, ManifestChunk>, keys: string[], dynamic: boolean, enter: (key: string) => boolean = () => true): Set<string> {
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key) || !manifest[key] || !enter(key)) return;
    seen.add(key);
    for (const k of manifest[key]!.imports ?? []) visit(k);
    if (dynamic) for (const k of manifest[key]!.dynamicImports ?? []) visit(k);
  };
  keys.forEach(visit);
  return seen;
}

/** The JS files a page fetched or was told to preload, by path. */
async function scriptsOf(p: Page, requested: string[]): Promise<Set<string>> {
  const preloads = await p.$$eval('link[rel="modulepreload"], script[src]', (els) => els.map((e) => (e as HTMLLinkElement).href || (e as HTMLScriptElement).src));
  return new Set([...requested, ...preloads].map((u) => new URL(u).pathname.slice(1)).filter((f) => f.endsWith('.js')));
}

async function chapterSlugs(): Promise<string[]> {
  return page.$$eval('[data-testid^="docs-toc-"]', (els) => els.map((e) => e.getAttribute('data-testid')!.slice('docs-toc-'.length)));
}

async function open(slug: string, p: Page = page, language = 'en'): Promise<void> {
  await p.evaluate((s) => (location.hash = `#/docs/${s}`), slug);
  await p.locator(`[data-testid="docs-article"][data-chapter="${slug}"][data-language="${language}"]`).waitFor({ timeout: 15_000 });
}

async function diagramsSettled(p: Page): Promise<void> {
  await p.waitForFunction(() => Array.from(document.querySelectorAll('[data-mermaid]')).every((b) => (b as HTMLElement).dataset.rendered), undefined, {
    timeout: 30_000,
  });
}

/** A page of its own (language, screen, colour scheme), with the shared error bookkeeping. */
async function newPage(options: Parameters<Browser['newContext']>[0]): Promise<{ context: BrowserContext; page: Page; requested: string[] }> {
  const context = await browser.newContext(options);
  const p = await context.newPage();
  const requested: string[] = [];
  p.on('request', (r) => requested.push(r.url()));
  p.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  p.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  p.on('response', (r) => {
    if (r.status() >= 400) failedRequests.push(`${r.status()} ${r.url()}`);
  });
  return { context, page: p, requested };
}

describe('Docs view in Chromium', () => {
  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'wirebench-docs-harness-'));
    await build({
      configFile: join(webDir, 'vite.config.ts'),
      root: webDir,
      logLevel: 'warn',
      plugins: [harnessPlugin()],
      build: { outDir, emptyOutDir: true, manifest: true, rollupOptions: { input: { harness: HARNESS, index: join(webDir, 'index.html') } } },
    });
    const manifest = JSON.parse(readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
    const entry = Object.values(manifest).find((m) => m.isEntry && m.src?.endsWith('__docs_harness__.tsx'))!;
    writeFileSync(
      join(outDir, 'harness.html'),
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>docs harness</title><link rel="icon" href="data:,">${(entry.css ?? []).map((c) => `<link rel="stylesheet" href="/${c}">`).join('')}</head><body><div id="root"></div><script type="module" src="/${entry.file}"></script></body></html>`,
    );
    // mermaid's own files: every library chunk it loads (its diagrams included), less anything
    // the app's own entries (the pages, the docs page, the chapters) load statically.
    const mermaidKey = Object.keys(manifest).find((k) => manifest[k]!.isDynamicEntry && /node_modules\/.*mermaid\/dist\/mermaid/.test(k));
    expect(mermaidKey, 'the build has mermaid as a dynamic entry').toBeDefined();
    mermaidEntry = manifest[mermaidKey!]!.file;
    const isApp = (k: string) => !k.includes('node_modules/') && (manifest[k]!.isEntry || manifest[k]!.isDynamicEntry);
    const ofMermaid = closure(manifest, [mermaidKey!], true, (k) => !isApp(k));
    const needed = closure(manifest, Object.keys(manifest).filter(isApp), false);
    mermaidOnly = new Set([...ofMermaid].filter((k) => !needed.has(k)).map((k) => manifest[k]!.file));
    expect(mermaidOnly.has(mermaidEntry)).toBe(true);
    app = buildApp({ staticDir: outDir, teacherKey: TEACHER_KEY });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) failedRequests.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${base}/harness.html#/docs`);
    await page.getByTestId('docs-article').waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (app) {
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
    }
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('renders every chapter with its diagrams drawn, and every chapter link resolves', async () => {
    const slugs = await chapterSlugs();
    expect(slugs).toContain('README');
    expect(slugs.filter((s) => /^\d\d-/.test(s)).length).toBeGreaterThanOrEqual(10);
    const links = new Set<string>();
    for (const slug of slugs) {
      await open(slug);
      const article = page.getByTestId('docs-article');
      await expect(article.locator('h1').first().textContent()).resolves.toMatch(/\S/);
      // No marker or raw HTML leaks into the page.
      const prose = await article.evaluate((el) => {
        const copy = el.cloneNode(true) as HTMLElement;
        copy.querySelectorAll('code, pre').forEach((c) => c.remove());
        return copy.textContent ?? '';
      });
      expect(prose).not.toMatch(/<!--|-->/);
      // Every mermaid block drawn (an <svg>), none failed.
      await page.waitForFunction(
        () => Array.from(document.querySelectorAll('[data-mermaid]')).every((b) => (b as HTMLElement).dataset.rendered),
        undefined,
        { timeout: 30_000 },
      );
      expect(await page.locator('[data-mermaid][data-rendered="failed"]').count(), `diagrams failed in ${slug}`).toBe(0);
      expect(await page.locator('[data-mermaid][data-rendered="true"] svg').count()).toBe(await page.locator('[data-mermaid]').count());
      for (const href of await article.locator('a[data-chapter]').evaluateAll((as) => as.map((a) => a.getAttribute('data-chapter')!))) {
        links.add(`${slug} -> ${href}`);
        expect(slugs, `${slug} links to ${href}`).toContain(href);
      }
    }
    expect(links.size).toBeGreaterThan(10);
    // Following a link routes inside the view.
    await open('01-why-real-time');
    await page.getByTestId('docs-article').locator('a[data-chapter="05-long-polling"]').first().click();
    await page.locator('[data-testid="docs-article"][data-chapter="05-long-polling"]').waitFor();
    expect(page.url()).toMatch(/#\/docs\/05-long-polling$/);
  }, 240_000);

  it('the handshake calculator gives the RFC 1.3 accept value', async () => {
    await open('02-handshake');
    const widget = page.getByTestId('handshake-calculator');
    await widget.getByTestId('hs-key').fill('');
    await widget.getByTestId('hs-key').fill('dGhlIHNhbXBsZSBub25jZQ==');
    await expect.poll(() => widget.getByTestId('hs-accept').textContent()).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(await widget.getByTestId('hs-sha1').textContent()).toBe('b37a4f2cc0624f1690f64606cf385945b2bec4ea');
  });

  it('the frame decoder decodes the RFC 5.7 frames', async () => {
    await open('03-frames');
    const widget = page.getByTestId('frame-decoder');
    await widget.getByTestId('fd-input').fill('81 05 48 65 6c 6c 6f');
    await expect.poll(() => widget.getByTestId('frame-0-text').textContent()).toBe('Hello');
    expect(await widget.getByTestId('frame-0-mask').textContent()).toBe('0');
    expect(await widget.getByTestId('frame-0-fin').textContent()).toBe('1');
    expect(await widget.getByTestId('frame-0-opcode').textContent()).toBe('0x1 TEXT');
    expect(await widget.getByTestId('frame-0-maskkey').textContent()).toContain('not masked');

    await widget.getByTestId('fd-input').fill('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    await expect.poll(() => widget.getByTestId('frame-0-mask').textContent()).toBe('1');
    expect(await widget.getByTestId('frame-0-maskkey').textContent()).toBe('37 fa 21 3d');
    expect(await widget.getByTestId('frame-0-unmasked').textContent()).toBe('48 65 6c 6c 6f');
    expect(await widget.getByTestId('frame-0-text').textContent()).toBe('Hello');

    // The same unmasked bytes, decoded by a server, are a protocol error.
    await widget.getByTestId('fd-input').fill('81 05 48 65 6c 6c 6f');
    await widget.getByTestId('fd-role').selectOption('server');
    await expect.poll(() => widget.getByTestId('fd-error').textContent()).toContain('WS_ERR_UNMASKED_FRAME');
    expect(await widget.getByTestId('fd-error').textContent()).toContain('1002');
  });

  it('the frame decoder inflates RFC 7692 compressed frames in the page, under its CSP (DecompressionStream)', async () => {
    await open('03-frames');
    const widget = page.getByTestId('frame-decoder');
    await widget.getByTestId('fd-role').selectOption('auto');
    // 7.2.3.1 then 7.2.3.2: the second message copies "Hello" from the first (context takeover).
    await widget.getByTestId('fd-input').fill('c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00');
    await expect.poll(() => widget.getByTestId('frame-1-inflated-text').textContent()).toBe('Hello');
    expect(await widget.getByTestId('frame-0-rsv1').textContent()).toBe('1');
    expect(await widget.getByTestId('frame-0-inflated').textContent()).toBe('48 65 6c 6c 6f');
    expect(await widget.getByTestId('frame-0-inflated-text').textContent()).toBe('Hello');
    // The second alone refers to a window the page never saw.
    await widget.getByTestId('fd-input').fill('c1 05 f2 00 11 00 00');
    await widget.getByTestId('frame-0-inflate-error').waitFor({ timeout: 10_000 });
    expect(await widget.getByTestId('fd-error').count()).toBe(0);
  });

  it('the live lane joins the real room and delivers a message', async () => {
    await open('08-dashboard');
    const widget = page.getByTestId('live-lane');
    await widget.getByTestId('live-lane-connect').click();
    await expect.poll(() => widget.getByTestId('live-lane-status').textContent(), { timeout: 15_000 }).toBe('open');
    await widget.getByTestId('live-lane-input').fill('hello from the docs');
    await widget.getByTestId('live-lane-send').click();
    await widget.getByTestId('live-lane-messages').getByText('hello from the docs').waitFor({ timeout: 15_000 });
    expect(app.room.head.lastSeq).toBeGreaterThanOrEqual(1);
  });

  it('every chapter in Simplified Chinese: its own prose, the same excerpts, diagrams (drawn) and widgets as the English', async () => {
    const zh = await newPage({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
    try {
      await zh.page.goto(`${base}/harness.html#/docs`);
      await zh.page.locator('[data-testid="docs-article"][data-language="zh-CN"]').waitFor({ timeout: 15_000 });
      expect(await zh.page.getByTestId('docs-toc-README').textContent()).toBe('目录');
      const skeleton = (p: Page) =>
        p.getByTestId('docs-article').evaluate((el) => ({
          excerpts: Array.from(el.querySelectorAll('pre.docs-code > code'), (c) => /^\/\/ \S+ \(region "[^"]+"\)/.exec(c.textContent ?? '')?.[0]).filter(Boolean),
          widgets: Array.from(el.querySelectorAll('[data-widget]'), (w) => w.getAttribute('data-widget')),
          diagrams: el.querySelectorAll('[data-mermaid]').length,
        }));
      for (const slug of await chapterSlugs()) {
        await open(slug);
        await open(slug, zh.page, 'zh-CN');
        const article = zh.page.getByTestId('docs-article');
        expect(await article.getAttribute('lang')).toBe('zh-CN');
        expect(await article.locator('h1').first().textContent(), `${slug} has a Chinese title`).toMatch(/[\u4e00-\u9fff]/);
        expect(await zh.page.getByTestId('docs-fallback').count()).toBe(0);
        expect(await skeleton(zh.page), `${slug}: the same excerpts, widgets and diagrams`).toEqual(await skeleton(page));
        await diagramsSettled(zh.page);
        expect(await zh.page.locator('[data-mermaid][data-rendered="failed"]').count(), `diagrams failed in zh-CN ${slug}`).toBe(0);
        // Chapter links stay in the reader's language.
        for (const target of await article.locator('a[data-chapter]').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
          expect(target).toMatch(/^#\/docs\/[\w-]+$/);
        }
      }
      // A widget, in Chinese, decoding for real.
      await open('03-frames', zh.page, 'zh-CN');
      const widget = zh.page.getByTestId('frame-decoder');
      expect(await widget.locator('h4').textContent()).toBe('帧解码器');
      await widget.getByTestId('fd-input').fill('81 05 48 65 6c 6c 6f');
      await expect.poll(() => widget.getByTestId('frame-0-text').textContent()).toBe('Hello');
      expect(await widget.getByTestId('frame-0-maskkey').textContent()).toBe('（无：没有加掩码）');
      expect(await widget.getByTestId('fd-summary').textContent()).toContain('7 个字节');
      await open('02-handshake', zh.page, 'zh-CN');
      const calc = zh.page.getByTestId('handshake-calculator');
      await expect.poll(() => calc.getByTestId('hs-accept').textContent()).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
      expect(await calc.locator('h4').textContent()).toBe('握手计算器');
      // Following a link keeps the language.
      await open('01-why-real-time', zh.page, 'zh-CN');
      await zh.page.getByTestId('docs-article').locator('a[data-chapter="05-long-polling"]').first().click();
      await zh.page.locator('[data-testid="docs-article"][data-chapter="05-long-polling"][data-language="zh-CN"]').waitFor();
    } finally {
      await zh.context.close();
    }
  }, 300_000);

  it('on a 390 px phone no chapter is wider than the screen, in either language, and the sidebar starts collapsed', async () => {
    for (const locale of ['en-US', 'zh-CN']) {
      const language = locale === 'zh-CN' ? 'zh-CN' : 'en';
      const phone = await newPage({ locale, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      try {
        await phone.page.goto(`${base}/harness.html#/docs`);
        const toggle = phone.page.getByTestId('docs-sidebar-toggle');
        await toggle.waitFor();
        expect(await toggle.getAttribute('aria-expanded')).toBe('false');
        expect(await phone.page.locator('#docs-toc-list').isHidden()).toBe(true);
        await toggle.click();
        expect(await toggle.getAttribute('aria-expanded')).toBe('true');
        await phone.page.getByTestId('docs-toc-03-frames').click();
        await phone.page.locator(`[data-testid="docs-article"][data-chapter="03-frames"][data-language="${language}"]`).waitFor();
        // Picking a chapter on a phone folds the list away again.
        await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('false');
        for (const slug of await chapterSlugs()) {
          await open(slug, phone.page, language);
          await diagramsSettled(phone.page);
          const width = await phone.page.evaluate(() => ({ page: document.scrollingElement!.scrollWidth, body: document.body.scrollWidth, screen: innerWidth }));
          expect(width.screen).toBe(390);
          expect(width.page, `${language} ${slug} is ${width.page} px wide`).toBeLessThanOrEqual(390);
          expect(width.body, `${language} ${slug} body`).toBeLessThanOrEqual(390);
        }
        // A frame decoded on the phone still fits: the table scrolls in its own box.
        await open('03-frames', phone.page, language);
        await phone.page.getByTestId('fd-input').fill(Array(80).fill('81 85 37 fa 21 3d 7f 9f 4d 51 58').join(' '));
        await phone.page.getByTestId('frame-79').waitFor();
        expect(await phone.page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(390);
      } finally {
        await phone.context.close();
      }
    }
  }, 300_000);

  it('the sidebar collapses on a wide screen too, giving the chapter the room', async () => {
    await open('02-handshake');
    const toggle = page.getByTestId('docs-sidebar-toggle');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const before = (await page.getByTestId('docs-article').boundingBox())!;
    await toggle.click();
    expect(await page.locator('#docs-toc-list').isHidden()).toBe(true);
    await expect.poll(async () => (await page.getByTestId('docs-article').boundingBox())!.x).toBeLessThan(before.x);
    await toggle.click();
    expect(await page.locator('#docs-toc-list').isVisible()).toBe(true);
  });

  it('diagrams follow the page: dark with a dark system, redrawn when the page switches theme', async () => {
    const dark = await newPage({ colorScheme: 'dark', viewport: { width: 1200, height: 900 } });
    try {
      await dark.page.goto(`${base}/harness.html#/docs/03-frames`);
      await dark.page.locator('[data-testid="docs-article"][data-chapter="03-frames"]').waitFor();
      await diagramsSettled(dark.page);
      const themes = () => dark.page.$$eval('[data-mermaid]', (els) => els.map((e) => (e as HTMLElement).dataset.theme));
      expect(await themes()).toEqual(['dark', 'dark']);
      await dark.page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
      await expect.poll(themes).toEqual(['neutral', 'neutral']);
      await dark.page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));
      await expect.poll(themes).toEqual(['dark', 'dark']);
      // The widgets take the page's dark panel colour, not a light box of their own.
      const background = await dark.page.getByTestId('frame-decoder').evaluate((el) => getComputedStyle(el).backgroundColor);
      const [r, g, b] = background.match(/\d+/g)!.map(Number);
      expect(r! + g! + b!, background).toBeLessThan(3 * 80);
    } finally {
      await dark.context.close();
    }
  }, 120_000);

  it('mermaid is neither fetched nor preloaded on the lanes view or a chapter without diagrams, and is with one', async () => {
    expect(mermaidOnly.size).toBeGreaterThan(0);
    const teacher = await newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await teacher.page.goto(`${base}/#teacher=${TEACHER_KEY}`);
      await teacher.page.waitForFunction(() => location.hash.startsWith('#/lanes') && document.readyState === 'complete', undefined, { timeout: 15_000 });
      await teacher.page.locator('main').waitFor();
      const fetched = async () => [...(await scriptsOf(teacher.page, teacher.requested))].filter((f) => mermaidOnly.has(f));
      expect(await fetched(), 'the lanes view').toEqual([]);
      await teacher.page.evaluate(() => (location.hash = '#/docs/10-running'));
      await teacher.page.locator('[data-testid="docs-article"][data-chapter="10-running"]').waitFor({ timeout: 15_000 });
      expect(await teacher.page.locator('[data-mermaid]').count()).toBe(0);
      await teacher.page.evaluate(() => (location.hash = '#/docs/08-dashboard'));
      await teacher.page.locator('[data-testid="docs-article"][data-chapter="08-dashboard"]').waitFor({ timeout: 15_000 });
      expect(await teacher.page.locator('[data-mermaid]').count()).toBe(0);
      expect(await fetched(), 'chapters without a diagram').toEqual([]);
      await teacher.page.evaluate(() => (location.hash = '#/docs/01-why-real-time'));
      await teacher.page.locator('[data-testid="docs-article"][data-chapter="01-why-real-time"]').waitFor({ timeout: 15_000 });
      await diagramsSettled(teacher.page);
      expect(await fetched(), 'a chapter with a diagram').toContain(mermaidEntry);
    } finally {
      await teacher.context.close();
    }
  }, 120_000);

  it('logged no console errors and no failed requests', () => {
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
  });
});

// The Docs view in Chromium, served by the real server: every chapter renders (diagrams
// drawn), no console errors, every link between chapters resolves, and the live widgets
// give the RFC's own examples. The view is built into a small harness page with Vite's JS
// API (an entry that renders <DocsView/> alone), so the test does not depend on how the
// dashboard wires its views.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, type Plugin } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../apps/server/src/app.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const webDir = join(root, 'apps', 'web');
const HARNESS = join(webDir, 'src', '__docs_harness__.tsx');

let outDir: string;
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
            "import { DocsView } from './features/docs/docs-view.tsx';",
            "if (!location.hash) location.hash = '#/docs';",
            "createRoot(document.getElementById('root')!).render(createElement(DocsView));",
          ].join('\n')
        : null,
  };
}

async function chapterSlugs(): Promise<string[]> {
  return page.$$eval('[data-testid^="docs-toc-"]', (els) => els.map((e) => e.getAttribute('data-testid')!.slice('docs-toc-'.length)));
}

async function open(slug: string): Promise<void> {
  await page.evaluate((s) => (location.hash = `#/docs/${s}`), slug);
  await page.locator(`[data-testid="docs-article"][data-chapter="${slug}"]`).waitFor({ timeout: 15_000 });
}

describe('Docs view in Chromium', () => {
  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'wirebench-docs-harness-'));
    await build({
      configFile: join(webDir, 'vite.config.ts'),
      root: webDir,
      logLevel: 'warn',
      plugins: [harnessPlugin()],
      build: { outDir, emptyOutDir: true, manifest: true, rollupOptions: { input: HARNESS } },
    });
    const manifest = JSON.parse(readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8')) as Record<string, { file: string; isEntry?: boolean; css?: string[] }>;
    const entry = Object.values(manifest).find((m) => m.isEntry)!;
    writeFileSync(
      join(outDir, 'index.html'),
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>docs harness</title><link rel="icon" href="data:,">${(entry.css ?? []).map((c) => `<link rel="stylesheet" href="/${c}">`).join('')}</head><body><div id="root"></div><script type="module" src="/${entry.file}"></script></body></html>`,
    );
    app = buildApp({ staticDir: outDir });
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
    await page.goto(`${base}/#/docs`);
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

  it('logged no console errors and no failed requests', () => {
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
  });
});

// The dashboard under the server's Content-Security-Policy, in Chromium: every tab, every
// docs chapter (so mermaid loads and draws), and a lane of every kind that opens its own
// connection (ws-raw, ws-lib, long-poll, SSE) must run without one violation.
// Needs a built dashboard: `pnpm --filter @wirebench/web build` (the root `pnpm test` builds).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../server/test/helpers/chromium.ts';
import { start, type Started } from '../../server/test/helpers/contract.ts';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
/** The dashboard is the teacher's page (the key in the fragment); `/` is the student page. */
const TEACHER_KEY = 'csp-test-teacher-key-0123';

interface Violation {
  directive: string;
  blocked: string;
  source: string;
  sample: string;
}

let server: Started;
let browser: Browser;
let page: Page;
const cspConsole: string[] = [];
/** URLs the server answered (a request the policy refused never gets an answer). */
const answered: string[] = [];

/** What the page's listener has collected so far; `clear` empties it. */
function violations(clear = false): Promise<Violation[]> {
  return page.evaluate((empty) => {
    const seen = (window as unknown as { __csp: Violation[] }).__csp;
    return empty ? seen.splice(0) : [...seen];
  }, clear);
}

async function waitOpen(lane: string): Promise<void> {
  await page.waitForFunction((id) => document.querySelector(`[data-testid="lane-${id}-status"]`)?.textContent === 'open', lane, {
    timeout: 15_000,
  });
}

describe('the dashboard under its Content-Security-Policy', () => {
  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) throw new Error('apps/web/dist is missing: run `pnpm --filter @wirebench/web build`');
    server = await start({ staticDir: dist, teacherKey: TEACHER_KEY });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Installed before any of the page's own scripts: every violation, in the page or in an SVG
    // mermaid inserts, bubbles up to the document.
    await page.addInitScript(() => {
      const seen: unknown[] = [];
      (window as unknown as { __csp: unknown[] }).__csp = seen;
      document.addEventListener('securitypolicyviolation', (e) => {
        seen.push({ directive: e.effectiveDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}`, sample: e.sample });
      });
    });
    page.on('response', (r) => answered.push(r.url()));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspConsole.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (server) {
      const closing = server.app.close();
      server.app.server.closeAllConnections();
      await closing;
    }
  });

  it('is enforced: an injected script, a string timer and a WebSocket to another host are refused', async () => {
    const answer = await page.goto(`${server.url}/#teacher=${TEACHER_KEY}`);
    const policy = answer?.headers()['content-security-policy'] ?? '';
    expect(policy).toMatch(/(^|;)script-src 'self'(;|$)/);
    expect(policy).not.toMatch(/unsafe-eval|upgrade-insecure-requests/);

    const ran = await page.evaluate(async (port) => {
      const w = window as unknown as Record<string, number>;
      const script = document.createElement('script');
      script.textContent = 'window.injected = 1';
      document.body.append(script);
      // A string given to setTimeout is compiled like eval.
      (setTimeout as (code: string, ms: number) => number)('window.compiled = 1', 0);
      // Nothing listens on 127.0.0.2: the policy refuses the socket before any connection.
      try {
        new WebSocket(`ws://127.0.0.2:${port}/ws/raw`).onerror = () => {};
      } catch {
        // Refused by throwing rather than by failing the socket: the violation is reported either way.
      }
      await new Promise((r) => setTimeout(r, 100));
      return { injected: w.injected, compiled: w.compiled };
    }, new URL(server.url).port);
    expect(ran).toEqual({ injected: undefined, compiled: undefined });
    await expect.poll(async () => (await violations()).map((v) => v.directive).sort()).toEqual(['connect-src', 'script-src', 'script-src-elem']);
    await expect.poll(() => cspConsole.length).toBeGreaterThanOrEqual(3);
    // These are the only violations this test causes on purpose.
    await violations(true);
    cspConsole.length = 0;
  });

  it('runs ws-raw, ws-lib, long-poll and SSE lanes, the charts and the inspector with no violation', async () => {
    for (const lane of ['ws-raw', 'short-poll', 'long-poll']) await waitOpen(lane);
    await page.getByTestId('add-lane-ws-lib').click();
    await page.getByTestId('add-lane-sse').click();
    for (const lane of ['ws-lib', 'sse']) await waitOpen(lane);
    // Both WebSocket lanes are open: connect-src 'self' let ws: to this host and port through.

    const text = `under the policy ${Date.now()}`;
    await page.getByTestId('lane-ws-lib-input').fill(text);
    await page.getByTestId('lane-ws-lib-send').click();
    for (const lane of ['ws-raw', 'ws-lib', 'short-poll', 'long-poll', 'sse']) {
      await page.getByTestId(`lane-${lane}-messages`).getByText(text, { exact: true }).waitFor({ timeout: 15_000 });
    }
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-latency"]')?.getAttribute('data-points')) >= 5, null, {
      timeout: 10_000,
    });
    // The inspector's event stream got past the policy to the server (what it shows is the dashboard test's).
    await page.getByTestId('ws-inspector').waitFor({ timeout: 10_000 });
    await expect.poll(() => answered.some((url) => new URL(url).pathname === '/api/inspect'), { timeout: 10_000 }).toBe(true);
    // Exports are downloads of blob: URLs made by the page.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(csv.suggestedFilename()).toMatch(/\.csv$/);
    await page.getByTestId('projector-toggle').check();
    await page.getByTestId('projector-toggle').uncheck();
    expect(await violations()).toEqual([]);
  });

  it('renders every docs chapter, diagrams drawn by mermaid, with no violation', async () => {
    await page.getByTestId('tab-docs').click();
    await page.getByTestId('docs-article').waitFor({ timeout: 10_000 });
    const slugs = await page.$$eval('[data-testid^="docs-toc-"]', (els) => els.map((e) => e.getAttribute('data-testid')!.slice('docs-toc-'.length)));
    expect(slugs.length).toBeGreaterThanOrEqual(10);
    let diagrams = 0;
    for (const slug of slugs) {
      await page.getByTestId(`docs-toc-${slug}`).click();
      await page.locator(`[data-testid="docs-article"][data-chapter="${slug}"]`).waitFor({ timeout: 10_000 });
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('[data-mermaid]')].every((b) => b.dataset.rendered), null, {
        timeout: 20_000,
      });
      expect(await page.locator('[data-mermaid][data-rendered="failed"]').count(), `diagrams failed in ${slug}`).toBe(0);
      diagrams += await page.locator('[data-mermaid][data-rendered="true"] svg').count();
    }
    expect(diagrams).toBeGreaterThan(0);
    expect(await violations()).toEqual([]);
  }, 60_000);

  it('shows the Class panel, its QR code (a data: image) and the student list with no violation', async () => {
    await page.getByTestId('tab-class').click();
    await page.getByTestId('join-urls').waitFor({ timeout: 10_000 });
    // The QR code drew: a data: image the policy let through, decoded by the browser.
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('[data-testid="join-qr"]')?.naturalWidth ?? 0) > 0, null, {
      timeout: 10_000,
    });
    await page.getByTestId('roster-row').first().waitFor({ state: 'attached', timeout: 10_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="class-clients"]')?.textContent) >= 1, null, {
      timeout: 10_000,
    });
    expect(await violations()).toEqual([]);
  });

  it('serves the student page at / with no violation', async () => {
    const student = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await student.addInitScript(() => {
        const seen: unknown[] = [];
        (window as unknown as { __csp: unknown[] }).__csp = seen;
        document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
      });
      await student.goto(`${server.url}/`);
      await student.getByTestId('student-name-input').fill('ana');
      await student.getByTestId('student-name-save').click();
      await student.waitForFunction(() => document.querySelector('[data-testid="student-status"]')?.getAttribute('data-status') === 'open', null, {
        timeout: 15_000,
      });
      expect(await student.evaluate(() => (window as unknown as { __csp: unknown[] }).__csp)).toEqual([]);
    } finally {
      await student.close();
    }
  });

  it('logged no Content Security Policy error in the console', () => {
    expect(cspConsole).toEqual([]);
  });
});

// Export spreadsheet in Chromium, under the server's Content-Security-Policy: the teacher
// presses the button, a .xlsx file downloads, and it opens as a spreadsheet with one sheet
// per table holding this run's numbers. The writer is fetched only when the button is pressed,
// and nothing breaks the policy (its asynchronous writer would need a blob: Worker).
// Needs a built dashboard: `pnpm --filter @wirebench/web build` (the root `pnpm test` builds).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../server/test/helpers/chromium.ts';
import { start, type Started } from '../../server/test/helpers/contract.ts';
import { readWorkbook, unzip } from './export-xlsx-reader.ts';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const TEACHER_KEY = 'export-browser-test-key-7c41';
const LANES = ['ws-raw', 'short-poll', 'long-poll'] as const;
const WAIT = { timeout: 20_000 };
const SHEETS = ['Run', 'Summary', 'Latency', 'Latency histogram', 'Requests', 'Requests per second', 'Bytes per message'];

let server: Started;
let browser: Browser;
let page: Page;
/** Every script the page fetched, by path, in order. */
const scripts: string[] = [];
const errors: string[] = [];

/** The build's chunks that hold the .xlsx writer: the ones that write a workbook's content types. */
function writerChunks(): string[] {
  const assets = join(dist, 'assets');
  return readdirSync(assets)
    .filter((f) => f.endsWith('.js') && readFileSync(join(assets, f), 'utf8').includes('[Content_Types].xml'))
    .map((f) => `/assets/${f}`);
}

function violations(): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
}

describe('Export spreadsheet in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) throw new Error('apps/web/dist is missing: run `pnpm --filter @wirebench/web build`');
    server = await start({ staticDir: dist, teacherKey: TEACHER_KEY });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true, locale: 'en-US' });
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __csp: string[] }).__csp = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    if (server) {
      const closing = server.app.close();
      server.app.server.closeAllConnections();
      await closing;
    }
  });

  it('downloads a .xlsx of this run with every sheet, the writer fetched only on the click, with no policy violation', async () => {
    const writer = writerChunks();
    expect(writer.length, 'the build has a chunk of its own for the .xlsx writer').toBeGreaterThan(0);
    const main = readFileSync(join(dist, 'index.html'), 'utf8');
    for (const chunk of writer) expect(main).not.toContain(chunk);

    await page.goto(`${server.url}/#teacher=${TEACHER_KEY}`);
    for (const t of LANES) {
      await page.waitForFunction((id) => document.querySelector(`[data-testid="lane-${id}-status"]`)?.classList.contains('open') === true, t, WAIT);
    }
    const text = `for the spreadsheet ${Date.now()}`;
    await page.getByTestId('lane-short-poll-input').fill(text);
    await page.getByTestId('lane-short-poll-send').click();
    for (const t of LANES) await page.getByTestId(`lane-${t}-messages`).getByText(text, { exact: true }).waitFor(WAIT);
    // A few whole seconds for the per-second sheets: four points for each of the three lanes.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-requests-rate"]')?.getAttribute('data-points')) >= 12, null, WAIT);
    expect(scripts.filter((s) => writer.includes(s)), 'the writer before the click').toEqual([]);

    const button = page.getByTestId('export-xlsx');
    expect(await button.textContent()).toBe('Export spreadsheet');
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), button.click()]);
    expect(download.suggestedFilename()).toMatch(/^wirebench-\d{4}-\d{2}-\d{2}T[\d-]+Z\.xlsx$/);
    expect(scripts.filter((s) => writer.includes(s)).length, 'the writer after the click').toBeGreaterThan(0);

    const chunks: Buffer[] = [];
    for await (const c of await download.createReadStream()) chunks.push(Buffer.from(c as Buffer));
    const book = readWorkbook(unzip(Buffer.concat(chunks)));
    expect([...book.keys()]).toEqual(SHEETS);
    // This run's lanes, and the message each of them measured.
    const [header, ...lanes] = book.get('Summary')!;
    expect(lanes.map((row) => row[header!.indexOf('lane')])).toEqual([...LANES]);
    for (const row of lanes) expect(row[header!.indexOf('delivered')]).toBeGreaterThanOrEqual(1);
    expect(book.get('Latency')!.slice(1).map((row) => row[1]).sort()).toEqual([...LANES].sort());
    const perSecond = book.get('Requests per second')!;
    expect(perSecond.length).toBeGreaterThanOrEqual(5); // its header and four seconds
    expect(perSecond[1]![0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    // A second export reuses the writer already loaded.
    const fetched = scripts.length;
    const [again] = await Promise.all([page.waitForEvent('download', WAIT), button.click()]);
    expect(again.suggestedFilename()).toMatch(/\.xlsx$/);
    expect(scripts.slice(fetched).filter((s) => writer.includes(s))).toEqual([]);

    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
  });
});

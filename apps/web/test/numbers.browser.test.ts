// Numbers that never mislead (issue #12), in Chromium: the built dashboard against the
// built server (`node apps/server/dist/main.js`, a child process, so it can be restarted).
// Needs both builds: the root `pnpm test` runs `pnpm build` first.
//
// What the page counted is read from its own JSON export (the lanes' counters, seq
// tracking and latency samples); what went over the wire from Chromium's requests;
// what the server counted from GET /api/stats.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import type { ClientCounters } from '@wirebench/transports/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../server/test/helpers/chromium.ts';
import { SERVER_JS, startServer, type ServerProcess } from '../../server/test/helpers/process.ts';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const TEACHER_KEY = 'numbers-test-teacher-key';
const LANES = ['ws-raw', 'short-poll', 'long-poll'] as const;
const WAIT = { timeout: 20_000 };

interface LaneExport {
  transport: string;
  counters: ClientCounters;
  seq: { duplicates: number; gaps: number; epoch: string | null; roomRestarts: number };
}
interface RunExport {
  lanes: LaneExport[];
  samples: Array<{ lane: string; seq: number; latencyMs: number; estimated: boolean }>;
}

let server: ServerProcess;
let browser: Browser;
let page: Page;
/** Every request the page made, with when the test saw it leave. */
const requests: Array<{ at: number; request: Request }> = [];
const consoleErrors: string[] = [];

async function serve(port = '0'): Promise<ServerProcess> {
  return startServer({ PORT: port, STATIC_DIR: dist, TEACHER_KEY });
}

async function openDashboard(): Promise<void> {
  await page.goto(`${server.url}/#teacher=${TEACHER_KEY}`);
  for (const t of LANES) await waitForStatus(t, 'open');
}

async function waitForStatus(lane: string, status: string): Promise<void> {
  await page.waitForFunction(
    // The badge's class names the status whatever the page's language.
    ([id, want]) => document.querySelector(`[data-testid="lane-${id}-status"]`)?.classList.contains(want) === true,
    [lane, status] as const,
    WAIT,
  );
}

async function send(lane: string, text: string): Promise<void> {
  await page.getByTestId(`lane-${lane}-input`).fill(text);
  await page.getByTestId(`lane-${lane}-send`).click();
}

async function expectInLanes(text: string, lanes: readonly string[] = LANES): Promise<void> {
  for (const t of lanes) await page.getByTestId(`lane-${t}-messages`).getByText(text, { exact: true }).waitFor(WAIT);
}

/** The page's own account of the run: its JSON export. */
async function exported(): Promise<RunExport> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
  const chunks: Buffer[] = [];
  for await (const c of await download.createReadStream()) chunks.push(Buffer.from(c as Buffer));
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as RunExport;
}

function laneOf(run: RunExport, transport: string): LaneExport {
  const lane = run.lanes.find((l) => l.transport === transport);
  if (!lane) throw new Error(`no ${transport} lane in the export`);
  return lane;
}

async function serverStats(): Promise<{ transports: Record<string, { requests: number }> }> {
  const res = await fetch(`${server.url}/api/stats`);
  return (await res.json()) as { transports: Record<string, { requests: number }> };
}

const numberIn = async (testId: string): Promise<number> => Number((await page.getByTestId(testId).textContent())?.match(/\d+/)?.[0]);
const textOf = async (testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? '';
/** A counter row of a lane card: its label and this lane's value. */
const counterRow = async (testId: string): Promise<{ label: string; value: string }> => {
  const value = page.getByTestId(testId);
  return { label: (await value.locator('xpath=preceding-sibling::span[1]').textContent()) ?? '', value: (await value.textContent()) ?? '' };
};

/** Requests the page made to `path` (GET unless said), after `since` (the test's clock). */
const madeTo = (path: string, since = 0, method = 'GET'): Array<{ at: number; request: Request }> =>
  requests.filter((r) => r.at >= since && r.request.method() === method && new URL(r.request.url()).pathname === path);

const stamp = (): string => Date.now().toString(36);

describe('numbers that never mislead, in Chromium', () => {
  beforeAll(async () => {
    for (const [what, path] of [
      ['apps/web/dist', join(dist, 'index.html')],
      ['apps/server/dist', SERVER_JS],
    ] as const) {
      if (!existsSync(path)) throw new Error(`${what} is missing: run \`pnpm build\` first (the root \`pnpm test\` does)`);
    }
    server = await serve();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
    page.on('request', (request) => requests.push({ at: Date.now(), request }));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    await openDashboard();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('pause/resume: what a paused lane catches up on, and what was typed into it, never become multi-second latencies', async () => {
    const before = await exported();
    const caughtUpBefore = await numberIn('lane-long-poll-caught-up');
    expect(await textOf('lane-long-poll-caught-up')).toBe(`caught up after pause: ${caughtUpBefore}`);
    expect(await page.getByTestId('lane-long-poll-waiting').count()).toBe(0);
    await page.getByTestId('lane-long-poll-pause').click();
    await waitForStatus('long-poll', 'paused');
    expect(await textOf('lane-long-poll-waiting')).toBe('waiting to send: 0');
    const s = stamp();
    await send('ws-raw', `while paused A ${s}`);
    await send('short-poll', `while paused B ${s}`);
    await send('long-poll', `typed into the paused lane ${s}`);
    await expect.poll(() => textOf('lane-long-poll-waiting'), WAIT).toBe('waiting to send: 1');
    await expectInLanes(`while paused B ${s}`, ['ws-raw', 'short-poll']);
    // The pause itself: long enough that a catch-up measured as latency would stand out.
    await page.waitForTimeout(4_000);
    await page.getByTestId('lane-long-poll-pause').click();
    await expectInLanes(`typed into the paused lane ${s}`);
    await expectInLanes(`while paused A ${s}`);
    // On the card: what it caught up on, counted and labelled as such, with no latency.
    await expect.poll(() => textOf('lane-long-poll-caught-up'), WAIT).toBe(`caught up after pause: ${caughtUpBefore + 2}`);
    expect(await page.getByTestId('lane-long-poll-waiting').count()).toBe(0);
    for (const text of [`while paused A ${s}`, `while paused B ${s}`]) {
      const row = page.getByTestId('lane-long-poll-messages').locator('li', { hasText: text });
      expect(await row.getAttribute('class')).toContain('caught-up');
      expect(await row.locator('.caught-up-tag').textContent()).toBe('caught up');
      expect(await row.locator('.lat').count()).toBe(0);
    }
    // The lanes that were not paused got them live, measured.
    const live = page.getByTestId('lane-ws-raw-messages').locator('li', { hasText: `while paused B ${s}` });
    expect(await live.locator('.caught-up-tag').count()).toBe(0);
    expect(await live.locator('.lat').textContent()).toMatch(/\d/);

    const run = await exported();
    const lp = laneOf(run, 'long-poll').counters;
    expect(lp.caughtUp - laneOf(before, 'long-poll').counters.caughtUp).toBe(2);
    const slow = run.samples.filter((x) => x.latencyMs > 2_500);
    expect(slow).toEqual([]);
    // The typed message was measured on every lane, from when it left the page.
    const typedSeq = Math.max(...run.samples.map((x) => x.seq));
    expect(run.samples.filter((x) => x.seq === typedSeq).map((x) => x.lane).sort()).toEqual([...LANES].sort());
  });

  it('short poll asks once in every second: counted by start time, no second is empty', async () => {
    const since = Date.now();
    await page.waitForTimeout(7_500);
    const starts = madeTo('/api/poll', since).map((r) => r.at);
    expect(starts.length).toBeGreaterThanOrEqual(6);
    // Seconds measured from half a second before the first poll: a steady 1 s cadence puts one start in each.
    const origin = starts[0]! - 500;
    const perSecond = new Map<number, number>();
    for (const at of starts) perSecond.set(Math.floor((at - origin) / 1000), (perSecond.get(Math.floor((at - origin) / 1000)) ?? 0) + 1);
    const last = Math.floor((starts.at(-1)! - origin) / 1000);
    for (let second = 0; second <= last; second++) expect(perSecond.get(second) ?? 0, `second ${second}`).toBeGreaterThanOrEqual(1);
  });

  it('Cut (server) on a held long poll shows on the lane, and the page and the server count the same requests', async () => {
    const reconnects = await numberIn('lane-long-poll-reconnects');
    await page.getByTestId('lane-long-poll-server-cut').click();
    await expect.poll(() => numberIn('lane-long-poll-reconnects'), WAIT).toBeGreaterThan(reconnects);
    await waitForStatus('long-poll', 'open');
    // No send went through the long-poll lane since the pause test's: the server's long-poll
    // count is its GETs and that one POST; Chromium resent nothing behind the page's back.
    await expect
      .poll(async () => (await serverStats()).transports['long-poll']!.requests - (madeTo('/api/longpoll').length + madeTo('/api/messages', 0, 'POST').filter((r) => r.request.postDataJSON()?.via === 'long-poll').length), WAIT)
      .toBe(0);
  });

  it('Cut (server) on a short-poll lane between two polls fails its next poll, visibly', async () => {
    const reconnects = await numberIn('lane-short-poll-reconnects');
    await page.getByTestId('lane-short-poll-server-cut').click();
    await expect.poll(() => numberIn('lane-short-poll-reconnects'), WAIT).toBeGreaterThan(reconnects);
    await waitForStatus('short-poll', 'open');
    const s = stamp();
    await send('ws-raw', `after the short-poll cut ${s}`);
    await expectInLanes(`after the short-poll cut ${s}`);
  });

  it('the long-poll timeout field takes the contract\'s range and says what 0 means', async () => {
    const field = page.getByTestId('longpoll-timeout');
    expect([await field.getAttribute('min'), await field.getAttribute('max')]).toEqual(['0', '60000']);
    expect(await textOf('longpoll-timeout-hint')).toBe('0 = answered at once; the lane still asks at most once a second');
    // Past the range: the workbench clamps, and the field shows what it kept.
    await field.fill('250000');
    await page.getByTestId('longpoll-timeout-apply').click();
    await expect.poll(() => field.inputValue()).toBe('60000');
    await field.fill('30000');
    await page.getByTestId('longpoll-timeout-apply').click();
    await expect.poll(() => field.inputValue()).toBe('30000');
  });

  it('a long-poll timeout of 0 does not make the page spin', async () => {
    await page.getByTestId('longpoll-timeout').fill('0');
    await page.getByTestId('longpoll-timeout-apply').click();
    await page.waitForTimeout(500);
    const since = Date.now();
    await page.waitForTimeout(5_000);
    const polls = madeTo('/api/longpoll', since).length;
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(polls).toBeLessThanOrEqual(7); // at most one a second (LONG_POLL_MIN_GAP_MS), not 75
    await page.getByTestId('longpoll-timeout').fill('30000');
    await page.getByTestId('longpoll-timeout-apply').click();
  });

  it('SSE: the browser reconnects a dropped stream itself, sending Last-Event-ID, and the lane misses nothing', async () => {
    await page.getByTestId('add-lane-sse').click();
    await waitForStatus('sse', 'open');
    const s = stamp();
    await send('ws-raw', `sse one ${s}`);
    await send('ws-raw', `sse two ${s}`);
    await expectInLanes(`sse two ${s}`, ['sse']);
    const lastSeq = Math.max(...(await exported()).samples.filter((x) => x.lane === 'sse').map((x) => x.seq));
    const since = Date.now();
    await page.getByTestId('lane-sse-server-cut').click();
    await send('ws-raw', `sse while down ${s}`);
    const lastEventIdSent = async (): Promise<string | null> => {
      for (const r of madeTo('/api/events', since)) {
        const id = (await r.request.allHeaders())['last-event-id'];
        if (id !== undefined) return id;
      }
      return null;
    };
    await expect.poll(lastEventIdSent, WAIT).not.toBeNull();
    expect(Number(await lastEventIdSent())).toBeGreaterThanOrEqual(lastSeq);
    await expectInLanes(`sse while down ${s}`, ['sse']);
    await waitForStatus('sse', 'open');
    const sse = laneOf(await exported(), 'sse');
    expect(sse.seq).toMatchObject({ duplicates: 0, gaps: 0 });
    // Its events are counted as SSE events, not WebSocket frames.
    expect(sse.counters.eventsDown).toBeGreaterThanOrEqual(4);
    expect(sse.counters.framesDown).toBe(0);
    // And the card says so: SSE events, never WebSocket frames; the polling lanes count neither.
    const row = await counterRow('lane-sse-frames');
    expect(row.label).toBe('SSE events ↓');
    expect(Number(row.value.replace(/\D/g, ''))).toBeGreaterThanOrEqual(4);
    expect(await page.getByTestId('lane-sse').textContent()).not.toContain('WS frames');
    expect(await counterRow('lane-ws-raw-frames')).toMatchObject({ label: 'WS frames ↑/↓', value: expect.stringMatching(/^[1-9][\d,]* \/ [1-9][\d,]*$/) });
    for (const t of ['short-poll', 'long-poll']) expect(await counterRow(`lane-${t}-frames`)).toEqual({ label: 'frames / events', value: '—' });
  });

  it('the auto-sender stops when its target lane is removed', async () => {
    await page.getByTestId('auto-interval').fill('300');
    await page.getByTestId('auto-target').selectOption('sse');
    await page.getByTestId('auto-start').click();
    await page.getByTestId('auto-stop').waitFor(WAIT);
    expect(await page.getByTestId('auto-stopped').count()).toBe(0);
    await page.getByTestId('lane-sse-remove').click();
    await page.getByTestId('auto-start').waitFor(WAIT);
    expect(await page.getByTestId('auto-stop').count()).toBe(0);
    expect(await textOf('auto-stopped')).toBe('stopped: its lane was removed');
    // The next start clears it.
    await page.getByTestId('auto-target').selectOption('ws-raw');
    await page.getByTestId('auto-start').click();
    await page.getByTestId('auto-stop').waitFor(WAIT);
    expect(await page.getByTestId('auto-stopped').count()).toBe(0);
    await page.getByTestId('auto-stop').click();
    await page.getByTestId('auto-start').waitFor(WAIT);
    expect(await page.getByTestId('auto-stopped').count()).toBe(0);
  });

  it('Reset: the history the new lanes are replayed is not delivered, so bytes per message stay honest', async () => {
    const s = stamp();
    for (let i = 0; i < 3; i++) await send('short-poll', `before reset ${i} ${s}`);
    await expectInLanes(`before reset 2 ${s}`);
    await page.getByTestId('reset').click();
    for (const t of LANES) await waitForStatus(t, 'open');
    await send('ws-raw', `after reset ${s}`);
    await expectInLanes(`after reset ${s}`);
    await page.waitForTimeout(3_000); // a few empty polls: what one message costs short polling
    const sp = laneOf(await exported(), 'short-poll').counters;
    expect(sp.history).toBeGreaterThanOrEqual(3);
    expect(sp.messages).toBe(1);
    // The card shows the replay apart from what it delivered.
    expect(await textOf('lane-short-poll-history')).toBe(`history replayed: ${sp.history}`);
    expect(await textOf('lane-short-poll-delivered')).toBe('1');
    // Join, polls and their headers, for one delivered message: well over a kilobyte, not ~270 B.
    expect((sp.headerBytesUp + sp.headerBytesDown) / sp.messages).toBeGreaterThan(1_000);
  });

  it('after a server restart no lane counts a duplicate: the seq tracking starts over with the new epoch', async () => {
    const s = stamp();
    await send('ws-raw', `before restart ${s}`);
    await expectInLanes(`before restart ${s}`);
    const port = String(server.port);
    await server.stop();
    server = await serve(port);
    for (const t of LANES) await waitForStatus(t, 'open');
    await send('short-poll', `after restart ${s}`);
    await expectInLanes(`after restart ${s}`);
    for (const t of LANES) expect(await numberIn(`lane-${t}-dups`), t).toBe(0);
    for (const t of LANES) await expect.poll(() => textOf(`lane-${t}-room-restarts`), WAIT).toBe('room restarted 1×');
    const run = await exported();
    for (const t of LANES) expect(laneOf(run, t).seq, t).toMatchObject({ duplicates: 0, roomRestarts: 1 });
  });

  it('logged no page errors', () => {
    expect(consoleErrors.filter((e) => !/Failed to load resource|net::ERR_/.test(e))).toEqual([]);
  });
});

// The teacher page in Chromium against the real server started with a known teacher key:
// the key leaves the address bar and never goes on the wire but as a header, the Class panel
// shows the join URL and a QR code that decodes to it (the student opens what it says), the
// student list follows the class, Remove closes a client's WebSocket with 1008 `removed`,
// Lock turns new joins away with 423 (the teacher's own lanes still get in), and the
// assignment shows; at desktop and phone widths. A wrong key is said plainly.
// Needs a built dashboard: `pnpm --filter @wirebench/web build` (the root `pnpm test` builds).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jsQR from 'jsqr';
import pngjs from 'pngjs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../server/test/helpers/chromium.ts';
import { start, type Started } from '../../server/test/helpers/contract.ts';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const results = join(here, '..', '..', '..', 'test-results');
const TEACHER_KEY = 'teacher-browser-test-key-7f3a9c';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const OWN_LANES = ['ws-raw', 'short-poll', 'long-poll'];

let server: Started;
let browser: Browser;
let teacherContext: BrowserContext;
let teacher: Page;
const contexts: BrowserContext[] = [];
const sockets: WebSocket[] = [];
const pageErrors: string[] = [];
/** Every request the teacher page made: where, and with which Authorization header. */
const wire: Array<{ url: string; method: string; authorization: string | undefined; body: string | null }> = [];
const socketUrls: string[] = [];
const stamp = Date.now().toString(36);

async function newPage(viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  return page;
}

/** The QR code as Chromium drew it, read back by jsQR from a screenshot of the image alone. */
async function decodeQr(page: Page): Promise<string | null> {
  const qr = page.getByTestId('join-qr');
  await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('[data-testid="join-qr"]')?.naturalWidth ?? 0) > 0);
  const png = pngjs.PNG.sync.read(await qr.screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

function rosterRow(page: Page, name: string) {
  return page.getByTestId('roster-row').filter({ has: page.getByTestId('roster-name').getByText(name, { exact: true }) });
}

async function post(path: string, body: unknown): Promise<{ status: number; body: { error?: { code: string } } & Record<string, unknown> }> {
  const answer = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: answer.status, body: (await answer.json()) as { error?: { code: string } } & Record<string, unknown> };
}

/** A client from outside the browser: join by HTTP, then hold a WebSocket with that identity. */
async function outsideClient(name: string): Promise<{ clientId: string; clientSecret: string; socket: WebSocket; closed: Promise<[number, string]> }> {
  const joined = await post('/api/join', { name });
  expect(joined.status).toBe(201);
  const { clientId, clientSecret } = joined.body as unknown as { clientId: string; clientSecret: string };
  const query = `clientId=${encodeURIComponent(clientId)}&clientSecret=${encodeURIComponent(clientSecret)}`;
  const socket = new WebSocket(`${server.url.replace('http:', 'ws:')}/ws/lib?${query}`);
  sockets.push(socket);
  const closed = new Promise<[number, string]>((resolve) => socket.once('close', (code, reason) => resolve([code, reason.toString()])));
  await new Promise<void>((resolve, reject) => {
    socket.once('message', () => resolve());
    socket.once('error', reject);
  });
  return { clientId, clientSecret, socket, closed };
}

/** A WebSocket handshake without an identity: the status the server answered it with. */
function handshakeStatus(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace('http:', 'ws:')}/ws/raw`);
    sockets.push(socket);
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.close();
    });
    socket.once('error', (e) => {
      if (!/Unexpected server response/.test(e.message)) reject(e);
    });
  });
}

async function waitLanesOpen(page: Page): Promise<void> {
  for (const t of OWN_LANES) {
    await page.waitForFunction((id) => document.querySelector(`[data-testid="lane-${id}-status"]`)?.textContent === 'open', t, { timeout: 20_000 });
  }
}

describe('the teacher page in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) throw new Error('apps/web/dist is missing: run `pnpm --filter @wirebench/web build`');
    mkdirSync(results, { recursive: true });
    server = await start({ staticDir: dist, teacherKey: TEACHER_KEY });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    teacherContext = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    teacher = await teacherContext.newPage();
    teacher.on('pageerror', (e) => pageErrors.push(`teacher pageerror: ${e.message}`));
    teacher.on('request', (r) => {
      // headers() holds what the page set (Authorization included) without waiting for an answer.
      wire.push({ url: r.url(), method: r.method(), authorization: r.headers().authorization, body: r.postData() });
    });
    teacher.on('websocket', (ws) => socketUrls.push(ws.url()));
  });

  afterAll(async () => {
    for (const s of sockets) s.terminate();
    for (const c of contexts) await c.close().catch(() => undefined);
    await teacherContext?.close().catch(() => undefined);
    await browser?.close();
    if (server) {
      const closing = server.app.close();
      server.app.server.closeAllConnections();
      await closing;
    }
  });

  it('takes the key out of the address bar at once and keeps it in sessionStorage', async () => {
    await teacher.goto(`${server.url}/#teacher=${TEACHER_KEY}`);
    expect(teacher.url()).toBe(`${server.url}/#/lanes`);
    expect(await teacher.evaluate(() => sessionStorage.getItem('wirebench.teacherKey'))).toBe(TEACHER_KEY);
    await waitLanesOpen(teacher);
    // A reload of the tab is still the teacher's page, with nothing in the address bar.
    await teacher.reload();
    await teacher.getByTestId('tab-class').waitFor();
    expect(teacher.url()).not.toContain(TEACHER_KEY);
    await waitLanesOpen(teacher);
  });

  it('shows the primary join URL, labelled, with the loopback warning and a QR code that decodes to exactly it', async () => {
    await teacher.getByTestId('tab-class').click();
    const info = (await (await fetch(`${server.url}/api/info`)).json()) as { joinUrls: Array<{ url: string; primary: boolean; label: string }>; loopbackOnly: boolean };
    const primary = info.joinUrls.find((u) => u.primary)!;
    expect(primary.url).toBe(server.url);
    await teacher.getByTestId('join-url-primary').getByText(primary.url, { exact: true }).waitFor({ timeout: 10_000 });
    expect(await teacher.getByTestId('join-url-primary-label').textContent()).toBe(primary.label);
    expect(info.loopbackOnly).toBe(true);
    expect(await teacher.getByTestId('join-loopback-warning').textContent()).toMatch(/Students cannot reach this address.*HOST=0\.0\.0\.0 pnpm start/);
    expect(await decodeQr(teacher)).toBe(primary.url);
  });

  it('lists a student who joined by the QR code within 3 s, and marks this page’s own lanes', async () => {
    const url = await decodeQr(teacher);
    const phone = await newPage(PHONE);
    await phone.goto(url!);
    await phone.getByTestId('student-name-input').fill(`zoe-${stamp}`);
    await phone.getByTestId('student-name-save').click();
    await phone.waitForFunction(() => document.querySelector('[data-testid="student-status"]')?.getAttribute('data-status') === 'open', null, {
      timeout: 15_000,
    });
    // In the list within 3 s of joining. A WebSocket identity has no name until its first
    // message carries one (the student page joins over its WebSocket), so it is counted first.
    await teacher.getByTestId('class-student-count').getByText('1', { exact: true }).waitFor({ timeout: 3_000 });
    await phone.getByTestId('student-input').fill('hello from zoe');
    await phone.getByTestId('student-send').click();
    await rosterRow(teacher, `zoe-${stamp}`).waitFor({ timeout: 3_000 });
    expect(await rosterRow(teacher, `zoe-${stamp}`).getByTestId('roster-sent').textContent()).toBe('1');
    // The teacher page's own lanes, those of its earlier load included, are marked, cannot be
    // removed from here, and are not counted as students.
    const own = teacher.getByTestId('roster-row').filter({ hasText: '(this page)' });
    await expect.poll(() => own.count(), { timeout: 5_000 }).toBeGreaterThanOrEqual(OWN_LANES.length);
    expect(await own.getByTestId('roster-remove').count()).toBe(0);
    expect(await teacher.getByTestId('class-student-count').textContent()).toBe('1');
    const row = rosterRow(teacher, `zoe-${stamp}`);
    expect(await row.getByTestId('roster-transports').textContent()).toMatch(/ws-raw|ws-lib|short-poll|long-poll|sse/);
    expect(await row.getByTestId('roster-assigned').textContent()).toBe('no assignment');
  });

  it('counts people from one class list, says what each figure counts, and the figures add up', async () => {
    await teacher.getByTestId('class-students').getByText('1', { exact: true }).waitFor({ timeout: 5_000 });
    // Read in one go: every people figure is drawn from the same answer of GET /api/clients.
    const seen = await teacher.evaluate((ids) => {
      const n = (id: string) => Number(document.querySelector(`[data-testid="${id}"]`)?.textContent);
      const switched = /\d+/.exec(document.querySelector('[data-testid="class-students-switched"]')?.textContent ?? '0')![0];
      return {
        students: n('class-students'),
        heading: n('class-student-count'),
        teacherLanes: n('class-teacher-lanes'),
        clients: n('class-clients'),
        byTransport: ids.map((t) => n(`class-${t}-students`)),
        switched: Number(switched),
        text: document.querySelector('[data-testid="class-stats"]')?.textContent ?? '',
      };
    }, [...TRANSPORT_IDS]);
    expect(seen.students).toBe(1);
    expect(seen.heading).toBe(seen.students);
    expect(seen.teacherLanes).toBeGreaterThanOrEqual(OWN_LANES.length);
    expect(seen.clients).toBe(seen.students + seen.teacherLanes);
    expect(seen.byTransport.reduce((a, b) => a + b, 0) - seen.switched).toBe(seen.students);
    // Each figure says what it counts.
    expect(seen.text).toContain('students in the room: student pages connected now or active in the last minute');
    expect(seen.text).toContain('clients the server counts: one per student page, one per teacher lane');
    expect(seen.text).toMatch(/teacher lanes: \d+ of this page, \d+ of other teacher pages/);
  });

  it('removes a client: its WebSocket closes with 1008 removed, its secret is dead, its row goes', async () => {
    const name = `outside-${stamp}`;
    const client = await outsideClient(name);
    const row = rosterRow(teacher, name);
    await row.waitFor({ timeout: 3_000 });
    await row.getByTestId('roster-remove').click();
    // One click only asks; the second removes.
    await row.getByTestId('roster-remove-cancel').click();
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    await row.getByTestId('roster-remove').click();
    await row.getByTestId('roster-remove-confirm').click();
    expect(await client.closed).toEqual([1008, 'removed']);
    const send = await post('/api/messages', { clientId: client.clientId, clientSecret: client.clientSecret, text: 'still here?' });
    expect({ status: send.status, code: send.body.error?.code }).toEqual({ status: 403, code: 'CLIENT_REMOVED' });
    await row.waitFor({ state: 'detached', timeout: 3_000 });
  });

  it('locks the room: a new join gets 423, a new WebSocket is refused, and the teacher’s own page still gets in', async () => {
    await teacher.getByTestId('class-lock').click();
    await teacher.getByTestId('class-lock-state').getByText('Locked: no one new can join.').waitFor({ timeout: 5_000 });
    expect(await teacher.getByTestId('class-lock').textContent()).toBe('Unlock room');
    const join = await post('/api/join', { name: `late-${stamp}` });
    expect({ status: join.status, code: join.body.error?.code }).toEqual({ status: 423, code: 'ROOM_LOCKED' });
    expect(await handshakeStatus()).toBe(423);
    // A reload makes new identities for every lane: the HTTP lanes' joins carry the key, and the
    // hand-rolled WebSocket lane, refused, starts again with a teacher identity made over HTTP.
    await teacher.reload();
    await teacher.getByTestId('tab-lanes').click();
    await waitLanesOpen(teacher);
    await teacher.getByTestId('tab-class').click();
    await teacher.getByTestId('class-lock-state').getByText('Locked: no one new can join.').waitFor({ timeout: 5_000 });
    await teacher.getByTestId('class-lock').click();
    await teacher.getByTestId('class-lock-state').getByText('Open: anyone with the address can join.').waitFor({ timeout: 5_000 });
    expect((await post('/api/join', { name: `late-${stamp}` })).status).toBe(201);
  });

  it("assigns transports round-robin and shows each student's, then stops", async () => {
    const row = rosterRow(teacher, `zoe-${stamp}`);
    await teacher.getByTestId('class-assign').click();
    await teacher.getByTestId('class-assign-state').getByText(/^Round-robin/).waitFor({ timeout: 5_000 });
    // The student's page asks for its assignment every few seconds; the list shows it on its next poll.
    await expect.poll(async () => (await row.getByTestId('roster-assigned').textContent()) ?? '', { timeout: 12_000 }).toMatch(/^assigned /);
    const assigned = ((await row.getByTestId('roster-assigned').textContent()) ?? '').replace(/^assigned /, '');
    expect(TRANSPORT_IDS).toContain(assigned);
    // This page's lanes are the teacher's: never given a transport.
    for (const own of await teacher.getByTestId('roster-row').filter({ hasText: '(this page)' }).all()) {
      expect(await own.getByTestId('roster-assigned').textContent()).toBe('no assignment');
    }
    await teacher.getByTestId('class-assign').click();
    await teacher.getByTestId('class-assign-state').getByText(/^Not assigned/).waitFor({ timeout: 5_000 });
    await expect.poll(async () => row.getByTestId('roster-assigned').textContent(), { timeout: 5_000 }).toBe('no assignment');
  });

  it('fits a phone-sized screen: no sideways scrolling, the URL, the QR code and Remove within reach', async () => {
    await teacher.setViewportSize(PHONE);
    try {
      const row = rosterRow(teacher, `zoe-${stamp}`);
      await row.waitFor();
      // Charts follow the new width on their next resize observation: wait for the layout to settle.
      const overflow = () => teacher.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await expect.poll(overflow, { timeout: 5_000 }).toBeLessThanOrEqual(0);
      for (const el of [teacher.getByTestId('join-url-primary'), teacher.getByTestId('join-qr'), row.getByTestId('roster-remove')]) {
        const box = (await el.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      }
      expect(await decodeQr(teacher)).toBe(server.url);
      await teacher.screenshot({ path: join(results, 'teacher-class-phone.png'), fullPage: true });
    } finally {
      await teacher.setViewportSize(DESKTOP);
    }
    await teacher.screenshot({ path: join(results, 'teacher-class-desktop.png'), fullPage: true });
  });

  it('sent the key only as a Bearer header, to this server, never in a URL or a body', async () => {
    const requests = wire;
    expect(requests.length).toBeGreaterThan(10);
    for (const r of requests) {
      expect(r.url).not.toContain(TEACHER_KEY);
      expect(r.body ?? '').not.toContain(TEACHER_KEY);
      if (r.authorization !== undefined) {
        expect(r.authorization).toBe(`Bearer ${TEACHER_KEY}`);
        expect(new URL(r.url).origin).toBe(server.url);
      }
    }
    for (const url of socketUrls) expect(url).not.toContain(TEACHER_KEY);
    const keyed = requests.filter((r) => r.authorization !== undefined).map((r) => `${r.method} ${new URL(r.url).pathname}`);
    expect(keyed).toContain('GET /api/clients');
    expect(keyed).toContain('POST /api/join');
    expect(keyed).toContain('POST /api/room/lock');
    // Polls, streams and sends of the lanes go without it.
    expect(keyed.filter((k) => /\/api\/(poll|longpoll|events|messages|stats)/.test(k))).toEqual([]);
  });

  it('a wrong key is said plainly, and the student page is one click away', async () => {
    const page = await newPage(DESKTOP);
    await page.goto(`${server.url}/#teacher=not-the-key-of-this-server`);
    await page.getByTestId('teacher-key-rejected').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('teacher-key-rejected').textContent()).toContain('401 TEACHER_ONLY');
    expect(page.url()).toBe(`${server.url}/#/lanes`);
    await page.getByTestId('open-student-page').click();
    await page.getByTestId('student-name-form').waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => sessionStorage.getItem('wirebench.teacherKey'))).toBeNull();
    expect(page.url()).toBe(`${server.url}/`);
  });

  it('a student page can read the docs and go back to the chat', async () => {
    const page = await newPage(PHONE);
    await page.goto(`${server.url}/#/docs/02-handshake`);
    await page.locator('[data-testid="docs-article"][data-chapter="02-handshake"]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('tab-class').count()).toBe(0);
    await page.getByTestId('back-to-chat').click();
    await page.getByTestId('student-page').waitFor({ timeout: 10_000 });
  });

  it('threw no error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});

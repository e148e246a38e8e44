// CONTRACT v2 "lessons": "Students see a new step within 2 s on whichever transport their page
// uses." The teacher's POST /api/lesson against the built app on a real socket, heard by each
// transport's real client (the browser clients, on Node's ws and eventsource), by a held long
// poll, by a stream opened mid-lesson, and late by a lane with a debug delay.
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ChatMessage, LessonSignal, TransportId } from '@wirebench/transports/contract';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { appPool, asTeacher, openChat, SseReader, until, type Json } from './helpers/contract.ts';

/** What these tests use of a browser client (packages/transports/src/client). */
interface Client {
  connect(): void;
  close(): void;
  on(event: 'lesson', fn: (signal: LessonSignal, at: number) => void): unknown;
  on(event: 'message', fn: (m: ChatMessage) => void): unknown;
  on(event: 'error', fn: (e: { code: string }) => void): unknown;
  identity(): { clientId: string; clientSecret: string } | null;
  getSnapshot(): { status: string; counters: { messages: number } };
}
// Loaded by name: the clients are typechecked by their own package (DOM types), not again here.
const clientModule = '@wirebench/transports/client';
const { createClient } = (await import(clientModule)) as { createClient(transport: TransportId, options: object): Client };

const pool = appPool();
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await pool.closeAll();
});

interface Lane {
  transport: TransportId;
  client: Client;
  heard: Array<{ signal: LessonSignal; at: number }>;
  errors: string[];
}

/** A student's page on one transport, with the page's own defaults (short poll every second, 30 s holds). */
function lane(transport: TransportId, url: string): Lane {
  const client = createClient(transport, {
    baseUrl: url,
    name: transport,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: EventSource as unknown as typeof globalThis.EventSource,
    now: () => performance.now(),
  });
  clients.push(client);
  const heard: Lane['heard'] = [];
  const errors: string[] = [];
  client.on('lesson', (signal, at) => heard.push({ signal, at }));
  client.on('error', (e) => errors.push(e.code));
  return { transport, client, heard, errors };
}

async function control(url: string, body: unknown): Promise<Json> {
  const res = await fetch(`${url}/api/lesson`, { method: 'POST', headers: { ...asTeacher, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.json();
}

async function getJson(url: string): Promise<Json> {
  return (await fetch(url)).json();
}

describe('the lesson signal on every transport', () => {
  it("each transport's client hears a new step within 2 s of POST /api/lesson, and again for the next step", async () => {
    const { url } = await pool.listening();
    const lanes = TRANSPORT_IDS.map((t) => lane(t, url));
    for (const l of lanes) l.client.connect();
    await until(() => lanes.every((l) => l.client.getSnapshot().status === 'open'), 'every lane open');
    // The long poll's first hold follows its probe: let every lane settle into its loop.
    await new Promise((r) => setTimeout(r, 1_200));

    for (const stepIndex of [0, 1]) {
      const sentAt = performance.now();
      const view = await control(url, { lessonId: 'asking-costs', step: stepIndex });
      await until(
        () => lanes.every((l) => l.heard.some((h) => h.signal.step === stepIndex && h.signal.revision === view.revision)),
        `step ${stepIndex} on every lane`,
      );
      for (const l of lanes) {
        const got = l.heard.find((h) => h.signal.step === stepIndex && h.signal.revision === view.revision)!;
        expect(got.signal, l.transport).toEqual({ type: 'lesson', revision: view.revision, lessonId: 'asking-costs', step: stepIndex, revealed: false, answers: 0 });
        expect(got.at - sentAt, `${l.transport}: ms from the POST to the signal`).toBeLessThan(2_000);
      }
    }
    for (const l of lanes) {
      expect(l.errors, l.transport).toEqual([]);
      expect(l.client.getSnapshot().counters.messages, `${l.transport}: a signal is not a message`).toBe(0);
    }
    // Nor is it a delivered message in the server's stats.
    const stats = await getJson(`${url}/api/stats`);
    for (const t of TRANSPORT_IDS) expect(stats.transports[t].delivered, t).toBe(0);
  }, 30_000);

  it('a held long poll is answered at once with the lesson field; a poll that missed the signal is not held', async () => {
    const { url } = await pool.listening();
    const joined = await (await fetch(`${url}/api/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();
    const poll = (timeout = 30_000) => fetch(`${url}/api/longpoll?after=0&timeout=${timeout}&clientId=${joined.clientId}`).then((r) => r.json());

    // No lesson has run: answers carry no lesson field, and a poll is held.
    expect((await getJson(`${url}/api/poll?after=0`)).lesson).toBeUndefined();
    const held = poll();
    await new Promise((r) => setTimeout(r, 300));
    const sentAt = performance.now();
    const view = await control(url, { lessonId: 'asking-costs', step: 0 });
    const answer = await held;
    expect(performance.now() - sentAt).toBeLessThan(500);
    expect(answer).toMatchObject({ messages: [], lastSeq: 0, lesson: { type: 'lesson', revision: view.revision, lessonId: 'asking-costs', step: 0 } });

    // Heard: the next poll is held again (nothing new for this client).
    let settled = false;
    const next = poll().then((a) => ((settled = true), a));
    await new Promise((r) => setTimeout(r, 400));
    expect(settled).toBe(false);
    const two = await control(url, { lessonId: 'asking-costs', step: 1 });
    expect((await next).lesson).toMatchObject({ revision: two.revision, step: 1 });

    // A signal while this client had no poll held: its next poll is answered at once with it.
    const three = await control(url, { lessonId: 'asking-costs', step: 2 });
    const missed = performance.now();
    expect((await poll()).lesson).toMatchObject({ revision: three.revision, step: 2 });
    expect(performance.now() - missed).toBeLessThan(500);

    // The lesson ends: poll answers go on carrying the signal, so polling pages hear the end too.
    const ended = await control(url, { lessonId: null, step: 0 });
    expect((await getJson(`${url}/api/poll?after=0`)).lesson).toMatchObject({ revision: ended.revision, lessonId: null });
  }, 20_000);

  it('a stream opened mid-lesson gets the signal right after its greeting (WebSocket and SSE)', async () => {
    const { url } = await pool.listening();
    const view = await control(url, { lessonId: 'what-travels', step: 1 });
    const signal = { type: 'lesson', revision: view.revision, lessonId: 'what-travels', step: 1, revealed: false, answers: 0 };
    for (const path of ['/ws/raw', '/ws/lib']) {
      const { peer, welcome, frames } = await openChat(`${url.replace('http', 'ws')}${path}`, 1);
      expect(welcome.type).toBe('welcome');
      expect(frames[0], path).toEqual(signal);
      await peer.close();
    }
    const reader = new SseReader(`${url}/api/events`);
    const events = await reader.waitFor(2);
    expect(events.map((e) => e.event)).toEqual(['state', 'lesson']);
    expect(JSON.parse(events[1]!.data)).toEqual(signal);
    reader.req.destroy();
  }, 20_000);

  it('a lane with a debug delay hears the signal that much later (WebSocket and SSE)', async () => {
    const { url } = await pool.listening();
    const delayed = [lane('ws-raw', url), lane('sse', url)];
    const prompt = lane('ws-lib', url);
    for (const l of [...delayed, prompt]) l.client.connect();
    await until(() => [...delayed, prompt].every((l) => l.client.getSnapshot().status === 'open'), 'lanes open');
    for (const l of delayed) {
      const res = await fetch(`${url}/api/debug/delay`, {
        method: 'POST',
        headers: { ...asTeacher, 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: l.client.identity()!.clientId, ms: 1_500 }),
      });
      expect(res.status).toBe(200);
    }
    const sentAt = performance.now();
    await control(url, { lessonId: 'asking-costs', step: 0 });
    await until(() => [...delayed, prompt].every((l) => l.heard.length === 1), 'the signal on every lane', 4_000);
    expect(prompt.heard[0]!.at - sentAt).toBeLessThan(1_000);
    for (const l of delayed) expect(l.heard[0]!.at - sentAt, l.transport).toBeGreaterThanOrEqual(1_400);
  }, 20_000);
});

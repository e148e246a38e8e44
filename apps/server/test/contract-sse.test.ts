// CONTRACT.md GET /api/events: "200 text/event-stream, headers sent at once;
// each message is an unnamed event (data: the JSON, id: its seq); a : comment
// every 15 s; Last-Event-ID wins over after"; plus the extension's opening
// `state` event { lastSeq, truncated }.
import { afterEach, describe, expect, it } from 'vitest';
import { EventSource } from 'eventsource';
import { appPool, join, send, SseReader, type Json } from './helpers/contract.ts';

const pool = appPool();
const readers: SseReader[] = [];
afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await pool.closeAll();
});
const open = (url: string, headers: Record<string, string> = {}): SseReader => {
  const reader = new SseReader(url, headers);
  readers.push(reader);
  return reader;
};

describe('GET /api/events', () => {
  it('sends 200 text/event-stream headers at once, on an empty room', async () => {
    const { url } = await pool.listening();
    const reader = open(`${url}/api/events`);
    const res = await reader.response;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('opens with a state event, then the history as unnamed events whose id is the seq', async () => {
    const { app, url } = await pool.listening({ historyLimit: 3 });
    const { clientId } = await join(app);
    const sent = [];
    for (let i = 1; i <= 5; i++) sent.push(await send(app, clientId, `m${i}`));
    const reader = open(`${url}/api/events`);
    const events = await reader.waitFor(4);
    expect(events[0]!.event).toBe('state');
    expect(JSON.parse(events[0]!.data)).toEqual({ lastSeq: 5, epoch: expect.any(String), truncated: false, node: expect.any(String) });
    const history = events.slice(1);
    expect(history.map((e) => e.event)).toEqual([undefined, undefined, undefined]);
    expect(history.map((e) => e.id)).toEqual(['3', '4', '5']);
    expect(history.map((e) => JSON.parse(e.data))).toEqual(sent.slice(2));
  });

  it('delivers live messages from any lane, in order', async () => {
    const { app, url } = await pool.listening();
    const { clientId } = await join(app);
    const reader = open(`${url}/api/events`);
    await reader.waitFor(1); // state
    const a = await send(app, clientId, 'live 1', { via: 'sse' });
    const b = await send(app, clientId, 'live 2', { via: 'long-poll' });
    const events = await reader.waitFor(3);
    expect(events.slice(1).map((e) => e.id)).toEqual([String(a.seq), String(b.seq)]);
    expect(reader.messages()).toEqual([a, b]);
  });

  it('?after=N streams seq > N instead of the history', async () => {
    const { app, url } = await pool.listening({ historyLimit: 1 });
    const { clientId } = await join(app);
    const sent = [];
    for (let i = 1; i <= 4; i++) sent.push(await send(app, clientId, `m${i}`));
    const reader = open(`${url}/api/events?after=1`);
    await reader.waitFor(4);
    expect(reader.messages()).toEqual(sent.slice(1));
  });

  it('Last-Event-ID wins over after', async () => {
    const { app, url } = await pool.listening();
    const { clientId } = await join(app);
    const sent = [];
    for (let i = 1; i <= 4; i++) sent.push(await send(app, clientId, `m${i}`));
    const reader = open(`${url}/api/events?after=0`, { 'last-event-id': '3' });
    await reader.waitFor(2);
    const m5 = await send(app, clientId, 'm5');
    await reader.waitFor(3);
    expect(reader.messages()).toEqual([sent[3], m5]);
  });

  it('a cursor older than the retained window says truncated in the state event', async () => {
    const { app, url } = await pool.listening({ historyLimit: 2, retainLimit: 3 });
    const { clientId } = await join(app);
    for (let i = 1; i <= 6; i++) await send(app, clientId, `m${i}`);
    const reader = open(`${url}/api/events?after=1`);
    const events = await reader.waitFor(4);
    expect(JSON.parse(events[0]!.data)).toEqual({ lastSeq: 6, epoch: expect.any(String), truncated: true, node: expect.any(String) });
    expect(reader.messages().map((m: Json) => m.seq)).toEqual([4, 5, 6]);
  });

  it('a cursor above lastSeq (a restarted server): no messages, the state event has the current lastSeq', async () => {
    const { app, url } = await pool.listening();
    const { clientId } = await join(app);
    await send(app, clientId, 'one');
    const reader = open(`${url}/api/events?after=40`);
    const [state] = await reader.waitFor(1);
    expect(JSON.parse(state!.data)).toMatchObject({ lastSeq: 1 });
    const m = await send(app, clientId, 'two');
    // What comes next is live: seq 2 is above the server's lastSeq of the opening, not above 40.
    await reader.waitFor(2);
    expect(reader.messages()).toEqual([m]);
  });

  it('sends a comment every SSE heartbeat', async () => {
    const { url } = await pool.listening({ sseHeartbeatMs: 30 });
    const reader = open(`${url}/api/events`);
    await reader.waitFor(1);
    for (let i = 0; i < 400 && reader.comments === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(reader.comments).toBeGreaterThan(0);
    expect(reader.events.length).toBe(1);
  });

  it('a standard EventSource client gets history, live messages and lastEventId = seq', async () => {
    const { app, url } = await pool.listening();
    const { clientId } = await join(app);
    const first = await send(app, clientId, 'history');
    const es = new EventSource(`${url}/api/events`);
    try {
      const got: Array<{ data: Json; lastEventId: string }> = [];
      const twoMessages = new Promise<void>((resolve, reject) => {
        es.onmessage = (e) => {
          got.push({ data: JSON.parse(e.data), lastEventId: e.lastEventId });
          if (got.length === 2) resolve();
        };
        es.onerror = () => reject(new Error('EventSource error'));
      });
      await new Promise<void>((resolve) => (es.onopen = () => resolve()));
      const second = await send(app, clientId, 'live');
      await twoMessages;
      expect(got).toEqual([
        { data: first, lastEventId: '1' },
        { data: second, lastEventId: '2' },
      ]);
    } finally {
      es.close();
    }
  });
});

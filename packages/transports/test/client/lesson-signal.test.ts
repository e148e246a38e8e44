// The lesson signal (CONTRACT v2 "lessons") on each client: a WebSocket frame, a named SSE
// event, a poll answer's field. It is handed on as the `lesson` event once per new signal,
// never fails a connection, is not a chat message, and a held long poll it answers is news.
import { describe, expect, it } from 'vitest';
import type { LessonSignal } from '../../src/contract.ts';
import { createClient } from '../../src/client/index.ts';
import type { TransportClient } from '../../src/client/types.ts';
import { FakeEventSource, FakeRoom, FakeWebSocket, harness, msg, observe, secretOf } from './fakes.ts';

const step = (revision: number, extra: Partial<LessonSignal> = {}): LessonSignal => ({
  type: 'lesson',
  revision,
  lessonId: 'asking-costs',
  step: 0,
  revealed: false,
  answers: 0,
  ...extra,
});

function lessons(client: TransportClient): Array<{ signal: LessonSignal; at: number }> {
  const seen: Array<{ signal: LessonSignal; at: number }> = [];
  client.on('lesson', (signal, at) => seen.push({ signal, at }));
  return seen;
}

describe('the lesson signal over a WebSocket', () => {
  it('a lesson frame is handed on, the socket stays open, messages go on, nothing counts it as a message', () => {
    const h = harness();
    const client = createClient('ws-raw', h.options);
    const seen = observe(client);
    const heard = lessons(client);
    client.connect();
    const ws = FakeWebSocket.last();
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', clientId: 'me', clientSecret: secretOf('me'), lastSeq: 0, epoch: 'e1' });
    ws.serverSend(step(7));
    ws.serverSend(msg(1));
    ws.serverSend(step(7)); // the same signal again (a reconnect's greeting): not news
    ws.serverSend(step(7, { answers: 3 }));
    expect(heard.map((l) => l.signal)).toEqual([step(7), step(7, { answers: 3 })]);
    expect(heard[0]!.at).toBe(h.clock.now());
    expect(seen.errors).toEqual([]);
    expect(seen.seqs()).toEqual([1]);
    const snapshot = client.getSnapshot();
    expect(snapshot.status).toBe('open');
    expect(snapshot.counters.messages).toBe(1);
    // Its bytes are wire bytes: three lesson frames, a welcome and a message came down.
    const lessonBytes = JSON.stringify(step(7)).length * 2 + JSON.stringify(step(7, { answers: 3 })).length;
    const frames = seen.records.filter((r) => r.kind === 'ws-frame-in');
    expect(frames).toHaveLength(5);
    expect(frames.filter((r) => r.messages === 1)).toHaveLength(1);
    expect(snapshot.counters.payloadBytesDown).toBeGreaterThanOrEqual(lessonBytes);
    client.close();
  });

  it('a malformed lesson frame is ignored, not handed on', () => {
    const h = harness();
    const client = createClient('ws-lib', h.options);
    const heard = lessons(client);
    const seen = observe(client);
    client.connect();
    const ws = FakeWebSocket.last();
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', clientId: 'me', clientSecret: secretOf('me'), lastSeq: 0, epoch: 'e1' });
    ws.serverSend({ type: 'lesson', revision: 'x' });
    expect(heard).toEqual([]);
    expect(client.getSnapshot().status).toBe('open');
    expect(seen.errors).toEqual([]);
    client.close();
  });
});

describe('the lesson signal over SSE', () => {
  it('a named `lesson` event is handed on and recorded as an event carrying no message', async () => {
    const h = harness();
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('sse', h.options);
    const seen = observe(client);
    const heard = lessons(client);
    client.connect();
    await h.clock.advance(0);
    const es = FakeEventSource.last();
    es.serverOpen();
    es.serverNamed('state', { lastSeq: 0, epoch: 'e1', truncated: false, node: 'n1' });
    es.serverNamed('lesson', step(3));
    es.serverNamed('lesson', step(3));
    es.serverNamed('lesson', step(4, { step: 1 }));
    expect(heard.map((l) => l.signal)).toEqual([step(3), step(4, { step: 1 })]);
    const events = seen.records.filter((r) => r.kind === 'sse-event');
    expect(events).toHaveLength(4);
    expect(events.every((r) => r.messages === 0 && r.error === undefined)).toBe(true);
    expect(client.getSnapshot()).toMatchObject({ status: 'open', counters: { messages: 0, eventsDown: 4 } });
    client.close();
  });
});

describe('the lesson signal in poll answers', () => {
  it('short poll: the answer field is handed on once per new signal', async () => {
    const h = harness({ pollIntervalMs: 1000 });
    const room = new FakeRoom();
    let lesson: LessonSignal | undefined;
    const base = room.handler();
    h.fetch.handler = (call) => {
      const reply = base(call);
      if (call.url.pathname === '/api/poll' && reply && lesson) return { ...reply, body: { ...(reply.body as object), lesson } };
      return reply;
    };
    const client = createClient('short-poll', h.options);
    const heard = lessons(client);
    client.connect();
    await h.clock.advance(0);
    expect(heard).toEqual([]);
    lesson = step(10);
    await h.clock.advance(1000);
    await h.clock.advance(1000);
    lesson = step(10, { revealed: true });
    await h.clock.advance(1000);
    expect(heard.map((l) => l.signal)).toEqual([step(10), step(10, { revealed: true })]);
    expect(client.getSnapshot().counters.messages).toBe(0);
    client.close();
  });

  it('long poll: a held poll answered by a new signal is news, the next poll leaves at once (no floor, no backoff)', async () => {
    const h = harness({ longPollTimeoutMs: 30_000 });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('long-poll', h.options);
    const heard = lessons(client);
    client.connect();
    await h.clock.advance(0);
    const polls = () => h.fetch.to('/api/longpoll');
    // The probe (timeout=0) came back empty; the held poll follows after the floor.
    await h.clock.advance(1000);
    const [held] = h.fetch.open('/api/longpoll');
    expect(held!.url.searchParams.get('timeout')).toBe('30000');
    const before = polls().length;
    for (let i = 1; i <= 3; i++) {
      const [open] = h.fetch.open('/api/longpoll');
      open!.respond(200, { messages: [], lastSeq: 0, epoch: 'e1', lesson: step(20, { answers: i }) });
      await h.clock.advance(0);
      expect(polls().length, `poll after signal ${i}`).toBe(before + i);
    }
    expect(heard.map((l) => l.signal.answers)).toEqual([1, 2, 3]);
    // The same signal again is an empty answer: the one-second floor holds the next poll back.
    const [open] = h.fetch.open('/api/longpoll');
    open!.respond(200, { messages: [], lastSeq: 0, epoch: 'e1', lesson: step(20, { answers: 3 }) });
    await h.clock.advance(0);
    expect(polls().length).toBe(before + 3);
    await h.clock.advance(1000);
    expect(polls().length).toBe(before + 4);
    expect(heard).toHaveLength(3);
    client.close();
  });
});

// Numbers that never mislead (issue #12), at the client: how each message arrived (history,
// caught up, live), what counts as delivered, aborted versus failed records, SSE events apart
// from WebSocket frames, the SSE stream as the long-lived request it is, the browser's own
// reconnection with Last-Event-ID, the long-poll floor and the short-poll cadence.
import { describe, expect, it } from 'vitest';
import { createClient, LONG_POLL_GRACE_MS, LONG_POLL_MIN_GAP_MS, type DeliveryInfo, type TransportClient } from '../../src/client/index.ts';
import type { TransportId } from '../../src/contract.ts';
import { FakeEventSource, FakeRoom, FakeWebSocket, harness, observe, secretOf, type Harness } from './fakes.ts';

/** Every delivery as [seq, kind]. */
function kinds(client: TransportClient): Array<[number, DeliveryInfo['kind']]> {
  const out: Array<[number, DeliveryInfo['kind']]> = [];
  client.on('message', (m, _at, info) => out.push([m.seq, info.kind]));
  return out;
}

/** Plays the server side of a socket or stream the client just opened, from the room. */
function serve(transport: TransportId, room: FakeRoom): void {
  if (transport === 'ws-raw' || transport === 'ws-lib') {
    const ws = FakeWebSocket.last();
    const q = ws.url.searchParams;
    const identity = q.has('clientId') ? { clientId: q.get('clientId')!, clientSecret: secretOf(q.get('clientId')!) } : room.join();
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', ...identity, ...room.position() });
    for (const m of room.answer(q).messages) ws.serverSend(m);
  }
  if (transport === 'sse') {
    const es = FakeEventSource.last();
    es.serverOpen();
    es.serverNamed('state', room.position());
    for (const m of room.answer(es.url.searchParams).messages) es.serverEvent(m);
  }
}

/** A live message: posted to the room and pushed to the socket, the stream or the held poll (short polls fetch it themselves). */
function push(transport: TransportId, room: FakeRoom, text: string, h?: Harness): void {
  const { message } = room.post('other', text, null, 'ws-raw');
  if (transport === 'long-poll') for (const held of h!.fetch.open('/api/longpoll')) held.respond(200, room.answer(held.url.searchParams));
  if (transport === 'ws-raw' || transport === 'ws-lib') FakeWebSocket.last().serverSend(message);
  if (transport === 'sse') FakeEventSource.last().serverEvent(message);
}

async function connected(transport: TransportId, h: Harness, room: FakeRoom): Promise<TransportClient> {
  const client = createClient(transport, h.options);
  client.connect();
  await h.clock.advance(0);
  serve(transport, room);
  await h.clock.advance(0);
  expect(client.getSnapshot().status).toBe('open');
  return client;
}

describe('how each message arrived: history, caught up, live', () => {
  for (const transport of ['ws-raw', 'short-poll', 'long-poll', 'sse'] as const) {
    it(`${transport}: the first join's history is not delivered; what came during a pause is caught up, not live`, async () => {
      const h = harness({ backoff: { jitter: 0 }, pollIntervalMs: 1_000 });
      const room = new FakeRoom();
      h.fetch.handler = room.handler();
      room.post('x', 'old 1', null, 'sse');
      room.post('x', 'old 2', null, 'sse');
      const client = await connected(transport, h, room);
      const seen = kinds(client);
      // history arrives during connected(), before `kinds` listens: count it from the snapshot
      expect(client.getSnapshot().counters).toMatchObject({ history: 2, messages: 0, caughtUp: 0 });
      expect(client.getSnapshot().perMessage).toBeNull();

      push(transport, room, 'live 3', h);
      await h.clock.advance(1_000);
      client.pause();
      room.post('x', 'while paused 4', null, 'sse');
      room.post('x', 'while paused 5', null, 'sse');
      await h.clock.advance(8_000);
      client.resume();
      await h.clock.advance(0);
      serve(transport, room);
      await h.clock.advance(0);
      push(transport, room, 'live 6', h);
      await h.clock.advance(1_000);

      expect(seen).toEqual([
        [3, 'live'],
        [4, 'catch-up'],
        [5, 'catch-up'],
        [6, 'live'],
      ]);
      expect(client.getSnapshot().counters).toMatchObject({ history: 2, messages: 4, caughtUp: 2 });
      client.close();
    });
  }

  it('a new room (another epoch) starts the seq numbering again: its messages are caught up under the new epoch, not history', async () => {
    const h = harness({ backoff: { jitter: 0 }, pollIntervalMs: 1_000 });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    room.post('x', 'old', null, 'sse');
    const client = await connected('short-poll', h, room);
    const infos: Array<[number, DeliveryInfo]> = [];
    client.on('message', (m, _at, info) => infos.push([m.seq, info]));
    expect(client.getSnapshot().epoch).toBe('e1');
    room.restart();
    room.post('y', 'new room 1', null, 'sse');
    await h.clock.advance(1_000);
    await h.clock.advance(0);
    expect(infos).toEqual([[1, { kind: 'catch-up', epoch: 'e2' }]]);
    expect(client.getSnapshot().epoch).toBe('e2');
    client.close();
  });
});

describe('aborted is not an error', () => {
  it('pause aborts the held long poll: recorded aborted, without error; a network failure is an error', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('long-poll', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const held = h.fetch.open('/api/longpoll')[0]!;
    client.pause();
    await h.clock.advance(0);
    const paused = seen.records.filter((r) => r.url === held.url.pathname + held.url.search).at(-1)!;
    expect(paused).toMatchObject({ aborted: true });
    expect(paused.error).toBeUndefined();
    expect(paused.endedAt).toBeDefined();

    client.resume();
    await h.clock.advance(0);
    h.fetch.open('/api/longpoll')[0]!.fail(new TypeError('Failed to fetch'));
    await h.clock.advance(0);
    const failed = seen.records.filter((r) => r.kind === 'http').at(-1)!;
    expect(failed).toMatchObject({ error: 'Failed to fetch' });
    expect(failed.aborted).toBeUndefined();
    client.close();
  });

  it('a held poll the watchdog gives up on is a failure, not an abort', async () => {
    const h = harness({ backoff: { jitter: 0 }, longPollTimeoutMs: 1_000 });
    h.fetch.handler = new FakeRoom().handler();
    const client = createClient('long-poll', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    await h.clock.advance(1_000 + LONG_POLL_GRACE_MS);
    const dead = seen.records.filter((r) => r.kind === 'http' && r.endedAt !== undefined).at(-1)!;
    expect(dead.error).toBe(`long poll not answered within ${1_000 + LONG_POLL_GRACE_MS} ms`);
    expect(dead.aborted).toBeUndefined();
    client.close();
  });

  it('a WebSocket handshake ended by close() and an SSE stream ended by cut() are aborted', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const ws = createClient('ws-raw', h.options);
    const wsSeen = observe(ws);
    ws.connect();
    ws.close();
    expect(wsSeen.records.at(-1)).toMatchObject({ kind: 'ws-handshake', aborted: true });
    expect(wsSeen.records.at(-1)!.error).toBeUndefined();

    const sse = await connected('sse', h, room);
    const sseSeen = observe(sse);
    sse.cut();
    const stream = sseSeen.records.filter((r) => r.kind === 'sse-open').at(-1)!;
    expect(stream).toMatchObject({ status: 200, aborted: true });
    expect(stream.error).toBeUndefined();
    expect(stream.endedAt).toBeDefined();
    sse.close();
  });
});

describe('SSE: the stream is a long-lived request, and the browser reconnects it with Last-Event-ID', () => {
  it('the stream record stays open while the stream is, and ends with the drop', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('sse', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    serve('sse', room);
    const openedAt = h.clock.now();
    await h.clock.advance(60_000);
    push('sse', room, 'a minute later');
    const open = seen.records.filter((r) => r.kind === 'sse-open');
    expect(open.at(-1)).toMatchObject({ status: 200, startedAt: openedAt - 0 });
    expect(open.at(-1)!.endedAt).toBeUndefined();
    expect(client.getSnapshot().counters).toMatchObject({ eventsDown: 2, framesDown: 0, requests: 2 }); // the state event and one message; join + stream

    FakeEventSource.last().serverDrop();
    const ended = seen.records.filter((r) => r.id === open.at(-1)!.id).at(-1)!;
    expect(ended).toMatchObject({ error: 'event stream dropped', endedAt: h.clock.now() });
    client.close();
  });

  it('a dropped stream is reconnected by the EventSource itself (Last-Event-ID), not closed and reopened with ?after=', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('sse', h.options);
    const seen = observe(client);
    const delivered = kinds(client);
    client.connect();
    await h.clock.advance(0);
    serve('sse', room);
    push('sse', room, 'one');
    push('sse', room, 'two');
    const es = FakeEventSource.last();

    es.serverDrop();
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', counters: expect.objectContaining({ reconnects: 1 }) });
    expect(es.closed).toBe(false);
    // The browser's reconnection is a request of its own, with the header: 2 is the last event id.
    const attempt = seen.records.filter((r) => r.kind === 'sse-open').at(-1)!;
    expect(attempt.endedAt).toBeUndefined();
    expect(attempt.status).toBeUndefined();
    const first = seen.records.find((r) => r.kind === 'sse-open')!;
    expect(attempt.headerBytesUp - first.headerBytesUp).toBe('Last-Event-ID: 2\r\n'.length);

    // A failed attempt: the browser tries again; still no stream of ours.
    es.serverDrop();
    await h.clock.advance(30_000);
    expect(FakeEventSource.instances).toHaveLength(1);
    expect(client.getSnapshot().status).toBe('reconnecting');

    // The server answers the reconnection after Last-Event-ID: 2; 3 came while the stream was down.
    room.post('x', 'while down', null, 'sse');
    es.serverOpen();
    es.serverNamed('state', room.position());
    es.serverEvent(room.messages[2]!);
    push('sse', room, 'live again');
    expect(client.getSnapshot().status).toBe('open');
    expect(delivered).toEqual([
      [1, 'live'],
      [2, 'live'],
      [3, 'catch-up'],
      [4, 'live'],
    ]);
    // join, the stream, two attempts of the browser: every request the server saw
    expect(client.getSnapshot().counters.requests).toBe(4);
    client.close();
  });

  it('an EventSource that gives up (readyState CLOSED) is replaced after the backoff, from lastSeq', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('sse', h.options);
    client.connect();
    await h.clock.advance(0);
    serve('sse', room);
    push('sse', room, 'one');
    FakeEventSource.last().serverError();
    expect(client.getSnapshot().status).toBe('reconnecting');
    await h.clock.advance(250);
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(FakeEventSource.last().url.searchParams.get('after')).toBe('1');
    client.close();
  });
});

describe('pacing', () => {
  it(`long poll with timeout 0 asks at most once per LONG_POLL_MIN_GAP_MS (${LONG_POLL_MIN_GAP_MS} ms), and at once when messages flow`, async () => {
    const h = harness({ backoff: { jitter: 0 }, longPollTimeoutMs: 0 });
    const room = new FakeRoom();
    const base = room.handler();
    // Answered at once, in a later turn (a loop without a floor then spins on the fake clock
    // until the test times out, instead of starving the event loop).
    h.fetch.handler = (call) => {
      const reply = base(call);
      if (reply) h.clock.setTimeout(() => call.respond(reply.status, reply.body), 0);
      return undefined;
    };
    const client = createClient('long-poll', h.options);
    client.connect();
    await h.clock.advance(0);
    const polls = () => h.fetch.to('/api/longpoll').length;
    const start = polls();
    await h.clock.advance(10_000);
    expect(polls() - start).toBeLessThanOrEqual(10_000 / LONG_POLL_MIN_GAP_MS);
    expect(polls() - start).toBeGreaterThanOrEqual(10_000 / LONG_POLL_MIN_GAP_MS - 1);
    // An answer with a message: the next poll leaves at once.
    const before = polls();
    room.post('x', 'news', null, 'sse');
    await h.clock.advance(LONG_POLL_MIN_GAP_MS);
    expect(polls() - before).toBe(2);
    client.close();
  });

  it('short poll: the interval runs from one poll start to the next, so slow answers do not stretch it', async () => {
    const h = harness({ pollIntervalMs: 1_000 });
    const room = new FakeRoom();
    const base = room.handler();
    // Every poll is answered 20 ms after it was asked.
    const starts: number[] = [];
    h.fetch.handler = (call) => {
      if (call.url.pathname !== '/api/poll') return base(call);
      starts.push(h.clock.now());
      h.clock.setTimeout(() => call.respond(200, room.answer(call.url.searchParams)), 20);
      return undefined;
    };
    const client = createClient('short-poll', h.options);
    client.connect();
    await h.clock.advance(10_000);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(9);
    expect(new Set(gaps)).toEqual(new Set([1_000])); // not 1 020
    client.close();
  });
});

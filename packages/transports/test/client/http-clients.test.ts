import { describe, expect, it } from 'vitest';
import { createClient, LONG_POLL_GRACE_MS } from '../../src/client/index.ts';
import { FakeEventSource, FakeRoom, harness, msg, observe } from './fakes.ts';

function params(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams);
}

describe('short polling', () => {
  it('joins, delivers the history, then polls every pollIntervalMs from its cursor', async () => {
    const h = harness({ pollIntervalMs: 1000 });
    const room = new FakeRoom();
    room.post('x', 'before', null, 'sse');
    h.fetch.handler = room.handler();
    const client = createClient('short-poll', { ...h.options, name: 'ana' });
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const [join] = h.fetch.to('/api/join');
    expect(join).toMatchObject({ method: 'POST', body: { name: 'ana' } });
    expect(seen.seqs()).toEqual([1]);
    expect(client.getSnapshot()).toMatchObject({ status: 'open', clientId: 'c1', lastSeq: 1 });
    expect(h.fetch.to('/api/poll')).toHaveLength(1);
    expect(params(h.fetch.to('/api/poll')[0]!.url)).toEqual({ after: '1', epoch: 'e1', clientId: 'c1' });

    await h.clock.advance(999);
    expect(h.fetch.to('/api/poll')).toHaveLength(1);
    room.post('x', 'two', null, 'sse');
    await h.clock.advance(1);
    expect(h.fetch.to('/api/poll')).toHaveLength(2);
    expect(seen.seqs()).toEqual([1, 2]);
    await h.clock.advance(1000);
    expect(params(h.fetch.to('/api/poll')[2]!.url).after).toBe('2');
    client.close();
  });

  it('a new pollIntervalMs applies to the wait in progress', async () => {
    const h = harness({ pollIntervalMs: 10_000 });
    h.fetch.handler = new FakeRoom().handler();
    const client = createClient('short-poll', h.options);
    client.connect();
    await h.clock.advance(0);
    expect(h.fetch.to('/api/poll')).toHaveLength(1);
    await h.clock.advance(3000);
    client.setOptions({ pollIntervalMs: 5000 });
    await h.clock.advance(1999);
    expect(h.fetch.to('/api/poll')).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.fetch.to('/api/poll')).toHaveLength(2);
    client.setOptions({ pollIntervalMs: 100 });
    await h.clock.advance(100);
    expect(h.fetch.to('/api/poll')).toHaveLength(3);
    client.close();
  });

  it('marks empty polls and counts bytes: exact payloads, estimated heads', async () => {
    const h = harness();
    h.fetch.handler = new FakeRoom().handler();
    const client = createClient('short-poll', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const done = seen.records.filter((r) => r.endedAt !== undefined);
    const poll = done.find((r) => r.url?.startsWith('/api/poll'))!;
    const body = JSON.stringify({ messages: [], lastSeq: 0, epoch: 'e1' });
    expect(poll).toMatchObject({ kind: 'http', method: 'GET', status: 200, empty: true, messages: 0, estimated: true, payloadBytesDown: body.length, payloadBytesUp: 0 });
    expect(poll.headerBytesUp).toBe(`GET ${poll.url} HTTP/1.1\r\nHost: chat.test:3000\r\n\r\n`.length);
    expect(poll.headerBytesDown).toBe(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n`.length);

    client.send('héllo', { clientMsgId: 'a' });
    await h.clock.advance(0);
    const post = seen.records.filter((r) => r.url === '/api/messages' && r.endedAt !== undefined)[0]!;
    const sent = h.fetch.to('/api/messages')[0]!.rawBody!;
    expect(post.payloadBytesUp).toBe(new TextEncoder().encode(sent).length);
    expect(post.status).toBe(201);
    expect(post.empty).toBeUndefined();
    const pending = seen.records.find((r) => r.id === post.id && r.endedAt === undefined);
    expect(pending?.status).toBeUndefined();

    const c = client.getSnapshot().counters;
    expect(c.requests).toBe(h.fetch.calls.length);
    const last = new Map(seen.records.map((r) => [r.id, r]));
    expect(c.bytesUp).toBe([...last.values()].reduce((s, r) => s + r.headerBytesUp + r.payloadBytesUp, 0));
    expect(c.bytesDown).toBe([...last.values()].reduce((s, r) => s + r.headerBytesDown + r.payloadBytesDown, 0));
    client.close();
  });

  it('404 UNKNOWN_CLIENT on send: rejoins and resends the same clientMsgId', async () => {
    const h = harness();
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('short-poll', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    room.clients.clear(); // the server forgot us (e.g. evicted)
    client.send('hi', { clientMsgId: 'k' });
    await h.clock.advance(0);
    const sends = h.fetch.to('/api/messages');
    expect(sends.map((s) => (s.body as { clientMsgId: string }).clientMsgId)).toEqual(['k', 'k']);
    expect(sends.map((s) => (s.body as { clientId: string }).clientId)).toEqual(['c1', 'c2']);
    expect(h.fetch.to('/api/join')).toHaveLength(2);
    expect(seen.errors.map((e) => e.code)).toEqual(['UNKNOWN_CLIENT']);
    expect(seen.acks).toEqual([{ clientMsgId: 'k', seq: 1 }]);
    expect(client.getSnapshot()).toMatchObject({ clientId: 'c2', pendingSends: 0 });
    expect(room.messages).toHaveLength(1);
    client.close();
  });

  it('a send that fails on the network is resent after the reconnect, same id, stored once', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    const base = room.handler();
    let failNext = true;
    h.fetch.handler = (call) => {
      if (call.url.pathname === '/api/messages' && failNext) {
        failNext = false;
        base(call); // the server stored it, but the answer is lost
        queueMicrotask(() => call.fail());
        return undefined;
      }
      return base(call);
    };
    const client = createClient('short-poll', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    client.send('once', { clientMsgId: 'k' });
    await h.clock.advance(0);
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', pendingSends: 1 });
    await h.clock.advance(250);
    expect(client.getSnapshot()).toMatchObject({ status: 'open', pendingSends: 0 });
    const sends = h.fetch.to('/api/messages');
    expect(sends).toHaveLength(2);
    expect(sends[1]!.body).toMatchObject({ clientMsgId: 'k', via: 'short-poll' });
    expect(room.messages).toHaveLength(1);
    await h.clock.advance(1000);
    expect(seen.seqs()).toEqual([1]);
    client.close();
  });

  it('keeps sends in order, drops 400s, retries 429s after a delay', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    const base = room.handler();
    let limited = 1;
    h.fetch.handler = (call) => {
      const text = (call.body as { text?: string } | undefined)?.text;
      if (text === '') return { status: 400, body: { error: { code: 'INVALID_TEXT', message: 'empty' } } };
      if (text === 'b' && limited-- > 0) return { status: 429, body: { error: { code: 'RATE_LIMITED', message: 'slow' } } };
      return base(call);
    };
    const client = createClient('long-poll', h.options);
    const seen = observe(client);
    client.send('a');
    client.send('');
    client.send('b');
    client.send('c');
    client.connect();
    await h.clock.advance(0);
    expect(room.messages.map((m) => m.text)).toEqual(['a']);
    expect(seen.errors.map((e) => e.code)).toEqual(['INVALID_TEXT', 'RATE_LIMITED']);
    expect(client.getSnapshot().pendingSends).toBe(2);
    await h.clock.advance(250);
    expect(room.messages.map((m) => m.text)).toEqual(['a', 'b', 'c']);
    expect(room.messages.every((m) => m.via === 'long-poll')).toBe(true);
    expect(client.getSnapshot().pendingSends).toBe(0);
    client.close();
  });

  it('a server without epochs: a lower lastSeq still means a restart; rejoins and follows the new room from its start', async () => {
    const h = harness();
    const room = new FakeRoom();
    room.epoch = undefined;
    h.fetch.handler = room.handler();
    const client = createClient('short-poll', h.options);
    const seen = observe(client);
    client.connect();
    for (let i = 0; i < 5; i++) room.post('x', `m${i}`, null, 'sse');
    await h.clock.advance(0);
    await h.clock.advance(1000);
    expect(client.getSnapshot().lastSeq).toBe(5);
    room.restart();
    room.post('y', 'after restart', null, 'sse');
    await h.clock.advance(1000);
    expect(seen.errors.map((e) => e.code)).toEqual(['SERVER_RESTARTED']);
    expect(h.fetch.to('/api/join')).toHaveLength(2);
    expect(client.getSnapshot()).toMatchObject({ clientId: 'c2', lastSeq: 1, status: 'open' });
    room.post('y', 'next', null, 'sse');
    await h.clock.advance(1000);
    expect(seen.messages.map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'after restart', 'next']);
    expect(seen.seqs()).toEqual([1, 2, 3, 4, 5, 1, 2]);
    client.close();
  });

  it('a rejoin whose history does not continue the cursor leaves the gap to the next poll', async () => {
    const h = harness();
    const room = new FakeRoom();
    room.historyLimit = 2;
    h.fetch.handler = room.handler();
    const client = createClient('short-poll', { ...h.options, clientId: 'gone', after: 1 });
    const seen = observe(client);
    for (let i = 0; i < 6; i++) room.post('x', `m${i}`, null, 'sse');
    client.send('hi', { clientMsgId: 'k' }); // 404 UNKNOWN_CLIENT -> join (history 5..6, cursor 1)
    client.connect();
    await h.clock.advance(0);
    expect(h.fetch.to('/api/join')).toHaveLength(1);
    await h.clock.advance(1000);
    expect(seen.seqs()).toEqual([2, 3, 4, 5, 6, 7]);
    client.close();
  });

  it('surfaces a truncated answer as an error and still delivers it', async () => {
    const h = harness();
    h.fetch.handler = (call) =>
      call.url.pathname === '/api/poll' ? { status: 200, body: { messages: [msg(90), msg(91)], lastSeq: 91, truncated: true } } : undefined;
    const client = createClient('short-poll', { ...h.options, clientId: 'me', after: 3 });
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    expect(h.fetch.to('/api/join')).toHaveLength(0);
    expect(params(h.fetch.to('/api/poll')[0]!.url)).toEqual({ after: '3', clientId: 'me' });
    expect(seen.errors.map((e) => e.code)).toEqual(['TRUNCATED']);
    expect(seen.seqs()).toEqual([90, 91]);
    client.close();
  });

  it('pause aborts the request in flight and stops polling; resume picks up the cursor', async () => {
    const h = harness();
    const room = new FakeRoom();
    const base = room.handler();
    let hold = false;
    h.fetch.handler = (call) => (hold && call.url.pathname === '/api/poll' ? undefined : base(call));
    const client = createClient('short-poll', h.options);
    client.connect();
    room.post('x', 'a', null, 'sse');
    await h.clock.advance(0);
    hold = true;
    await h.clock.advance(1000);
    const held = h.fetch.open('/api/poll');
    expect(held).toHaveLength(1);
    client.pause();
    await h.clock.advance(0);
    expect(held[0]!.aborted).toBe(true);
    expect(h.clock.pending()).toEqual([]);
    await h.clock.advance(10_000);
    const count = h.fetch.calls.length;
    hold = false;
    client.resume();
    await h.clock.advance(0);
    expect(h.fetch.calls.length).toBe(count + 1);
    expect(params(h.fetch.calls.at(-1)!.url).after).toBe('1');
    expect(client.getSnapshot().status).toBe('open');
    client.close();
  });
});

describe('long polling', () => {
  it('probes with timeout=0, then holds with longPollTimeoutMs and re-polls at once after each answer', async () => {
    const h = harness({ longPollTimeoutMs: 30_000 });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('long-poll', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const polls = () => h.fetch.to('/api/longpoll');
    expect(polls().map((p) => p.url.searchParams.get('timeout'))).toEqual(['0', '30000']);
    expect(client.getSnapshot().status).toBe('open');
    const held = h.fetch.open('/api/longpoll');
    expect(held).toHaveLength(1);
    room.post('x', 'hi', null, 'ws-raw');
    held[0]!.respond(200, room.answer(held[0]!.url.searchParams));
    await h.clock.advance(0);
    expect(seen.seqs()).toEqual([1]);
    expect(polls()).toHaveLength(3);
    expect(params(polls()[2]!.url)).toEqual({ after: '1', epoch: 'e1', timeout: '30000', clientId: 'c1' });
    client.close();
  });

  it('a new longPollTimeoutMs replaces the held poll at once', async () => {
    const h = harness();
    h.fetch.handler = new FakeRoom().handler();
    const client = createClient('long-poll', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const [held] = h.fetch.open('/api/longpoll');
    client.setOptions({ longPollTimeoutMs: 5000 });
    await h.clock.advance(0);
    expect(held!.aborted).toBe(true);
    const open = h.fetch.open('/api/longpoll');
    expect(open).toHaveLength(1);
    expect(open[0]!.url.searchParams.get('timeout')).toBe('5000');
    expect(client.getSnapshot().status).toBe('open');
    expect(seen.errors).toEqual([]);
    client.close();
  });

  it('an unanswered hold is declared dead after timeout + grace, then resumed', async () => {
    const h = harness({ longPollTimeoutMs: 1000, backoff: { jitter: 0 } });
    h.fetch.handler = new FakeRoom().handler();
    const client = createClient('long-poll', h.options);
    client.connect();
    await h.clock.advance(0);
    await h.clock.advance(1000 + LONG_POLL_GRACE_MS);
    expect(client.getSnapshot().status).toBe('reconnecting');
    await h.clock.advance(250);
    expect(client.getSnapshot()).toMatchObject({ status: 'open', counters: expect.objectContaining({ reconnects: 1 }) });
    client.close();
  });

  it('empty answers far ahead of their timeout do not spin: the next poll waits the floor, then growing backoff steps', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    const base = room.handler();
    h.fetch.handler = (call) => (call.url.pathname === '/api/longpoll' ? { status: 200, body: { messages: [], lastSeq: 0 } } : base(call));
    const client = createClient('long-poll', h.options);
    client.connect();
    await h.clock.advance(0);
    const polls = () => h.fetch.to('/api/longpoll').length;
    expect(polls()).toBe(2); // probe, then one hold answered at once
    // Backoff steps of 250, 500 and 1000 ms wait no less than LONG_POLL_MIN_GAP_MS; 2000 does.
    for (const wait of [1000, 1000, 1000, 2000]) {
      expect(h.clock.pending()).toEqual([wait]);
      await h.clock.advance(wait);
    }
    expect(polls()).toBe(6);
    client.close();
  });

  it('cut aborts the held poll and resumes from lastSeq without a gap or a duplicate', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('long-poll', h.options);
    const seen = observe(client);
    client.connect();
    room.post('x', 'a', null, 'sse');
    await h.clock.advance(0);
    const [held] = h.fetch.open('/api/longpoll');
    client.cut();
    await h.clock.advance(0);
    expect(held!.aborted).toBe(true);
    room.post('x', 'b', null, 'sse');
    room.post('x', 'c', null, 'sse');
    await h.clock.advance(250);
    expect(seen.seqs()).toEqual([1, 2, 3]);
    expect(h.fetch.to('/api/join')).toHaveLength(1);
    client.close();
  });
});

describe('Server-Sent Events', () => {
  it('joins, opens the stream after lastSeq, sends via POST with via sse', async () => {
    const h = harness();
    const room = new FakeRoom();
    room.post('x', 'old', null, 'sse');
    h.fetch.handler = room.handler();
    const client = createClient('sse', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const es = FakeEventSource.last();
    expect(es.url.pathname).toBe('/api/events');
    expect(params(es.url)).toEqual({ after: '1', epoch: 'e1', clientId: 'c1' });
    es.serverOpen();
    client.send('yo', { clientMsgId: 'k' });
    await h.clock.advance(0);
    expect(h.fetch.to('/api/messages')[0]!.body).toMatchObject({ via: 'sse', clientMsgId: 'k', clientId: 'c1' });
    es.serverEvent(room.messages[1]!);
    es.serverEvent(room.messages[1]!);
    expect(seen.seqs()).toEqual([1, 2]);
    const events = seen.records.filter((r) => r.kind === 'sse-event');
    const data = JSON.stringify(room.messages[1]);
    expect(events[0]).toMatchObject({ messages: 1, estimated: true, payloadBytesDown: `id: 2\ndata: ${data}\n\n`.length });
    // SSE events are counted apart from WebSocket frames.
    expect(client.getSnapshot().counters).toMatchObject({ eventsDown: 2, framesDown: 0 });
    const open = seen.records.filter((r) => r.kind === 'sse-open');
    expect(open.map((r) => r.status)).toEqual([undefined, 200]);
    expect(open.every((r) => r.endedAt === undefined)).toBe(true); // the stream is still open
    client.close();
    expect(es.closed).toBe(true);
  });

  it('on error closes the stream itself and reopens after its backoff from lastSeq', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('sse', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const first = FakeEventSource.last();
    first.serverOpen();
    first.serverEvent(msg(1));
    first.serverEvent(msg(2));
    first.serverError();
    expect(first.closed).toBe(true);
    expect(client.getSnapshot().status).toBe('reconnecting');
    await h.clock.advance(249);
    expect(FakeEventSource.instances).toHaveLength(1);
    await h.clock.advance(1);
    const second = FakeEventSource.last();
    expect(params(second.url)).toEqual({ after: '2', epoch: 'e1', clientId: 'c1' });
    second.serverOpen();
    second.serverEvent(msg(3));
    expect(seen.seqs()).toEqual([1, 2, 3]);
    expect(client.getSnapshot().counters.requests).toBe(3); // join + two stream openings
    client.close();
  });

  it('a server without state events or epochs: an event at or below the opening cursor means it restarted', async () => {
    const h = harness();
    const room = new FakeRoom();
    room.epoch = undefined;
    h.fetch.handler = room.handler();
    const client = createClient('sse', { ...h.options, clientId: 'me', after: 40 });
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    expect(h.fetch.to('/api/join')).toHaveLength(0);
    const es = FakeEventSource.last();
    es.serverOpen();
    const fresh = room.post('y', 'first after restart', null, 'ws-raw').message;
    es.serverEvent(fresh);
    await h.clock.advance(0);
    expect(seen.errors.map((e) => e.code)).toEqual(['SERVER_RESTARTED']);
    expect(es.closed).toBe(true);
    expect(h.fetch.to('/api/join')).toHaveLength(1);
    expect(seen.messages.map((m) => m.text)).toEqual(['first after restart']);
    expect(params(FakeEventSource.last().url)).toEqual({ after: '1', clientId: 'c1' });
    client.close();
  });

  it('a server without epochs: a restart found by a rejoin (404 on send) reopens the stream from the new cursor', async () => {
    const h = harness();
    const room = new FakeRoom();
    room.epoch = undefined;
    h.fetch.handler = room.handler();
    const client = createClient('sse', h.options);
    const seen = observe(client);
    for (let i = 0; i < 5; i++) room.post('x', `old${i}`, null, 'sse');
    client.connect();
    await h.clock.advance(0);
    const first = FakeEventSource.last();
    first.serverOpen();
    expect(client.getSnapshot().lastSeq).toBe(5);
    room.restart();
    room.post('y', 'new', null, 'ws-raw');
    client.send('mine', { clientMsgId: 'k' });
    await h.clock.advance(0);
    expect(seen.errors.map((e) => e.code)).toEqual(['UNKNOWN_CLIENT', 'SERVER_RESTARTED']);
    expect(first.closed).toBe(true);
    const second = FakeEventSource.last();
    expect(second).not.toBe(first);
    expect(params(second.url)).toEqual({ after: '1', clientId: 'c2' });
    expect(seen.messages.map((m) => m.text)).toEqual(['old0', 'old1', 'old2', 'old3', 'old4', 'new']);
    // The send waits for the reopened stream, then goes once, under the new id.
    expect(room.messages.map((m) => m.text)).toEqual(['new']);
    second.serverOpen();
    await h.clock.advance(0);
    expect(room.messages.map((m) => m.text)).toEqual(['new', 'mine']);
    expect(h.fetch.to('/api/messages').map((c) => (c.body as { clientId: string }).clientId)).toEqual(['c1', 'c2']);
    client.close();
  });

  it('a state event without epoch reports a restart (lastSeq below the cursor) and truncation', async () => {
    const h = harness();
    const room = new FakeRoom();
    room.epoch = undefined;
    h.fetch.handler = room.handler();
    const client = createClient('sse', { ...h.options, clientId: 'me', after: 30 });
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const first = FakeEventSource.last();
    first.serverOpen();
    first.serverNamed('state', { lastSeq: 30, truncated: true });
    expect(seen.errors.map((e) => e.code)).toEqual(['TRUNCATED']);
    first.serverError();
    await h.clock.advance(1000);
    const second = FakeEventSource.last();
    expect(params(second.url)).toEqual({ after: '30', clientId: 'me' });
    room.post('y', 'new room', null, 'ws-lib');
    second.serverOpen();
    second.serverNamed('state', { lastSeq: 1, truncated: false });
    await h.clock.advance(0);
    expect(seen.errors.map((e) => e.code)).toEqual(['TRUNCATED', 'NETWORK', 'SERVER_RESTARTED']);
    expect(second.closed).toBe(true);
    expect(h.fetch.to('/api/join')).toHaveLength(1);
    expect(seen.messages.map((m) => m.text)).toEqual(['new room']);
    expect(params(FakeEventSource.last().url)).toEqual({ after: '1', clientId: 'c1' });
    const stateRecords = seen.records.filter((r) => r.kind === 'sse-event' && r.messages === 0);
    expect(stateRecords[0]!.payloadBytesDown).toBe(`event: state\ndata: ${JSON.stringify({ lastSeq: 30, truncated: true })}\n\n`.length);
    client.close();
  });
});

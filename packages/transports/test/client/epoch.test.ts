// CONTRACT "the epoch": every answer carrying lastSeq carries the room's epoch; polls and
// streams send `?epoch=` with `after=`; another epoch means the room started again and
// the client follows the new room from its start. The restarts here all give the new
// room MORE messages than the client's old cursor, the case a lastSeq-below-cursor rule
// misses (it would skip the new room's first seqs without a word).
import { describe, expect, it } from 'vitest';
import type { TransportId } from '../../src/contract.ts';
import { judgeCursorAnswer } from '../../src/client/cursor.ts';
import { createClient } from '../../src/client/index.ts';
import { FakeEventSource, FakeRoom, FakeWebSocket, harness, msg, observe } from './fakes.ts';

function params(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Posts `count` messages from someone else. */
function fill(room: FakeRoom, count: number, label: string): void {
  for (let i = 0; i < count; i++) room.post('other', `${label}${i}`, null, 'ws-raw');
}

/** The app saw the old room up to `oldLast`, one SERVER_RESTARTED, then the new room from 1 to `newLast`. */
function expectFollowedNewRoom(seen: ReturnType<typeof observe>, oldLast: number, newLast: number): void {
  expect(seen.seqs()).toEqual([...range(1, oldLast), ...range(1, newLast)]);
  expect(seen.errors.filter((e) => e.code === 'SERVER_RESTARTED')).toHaveLength(1);
}

describe('judgeCursorAnswer: the one place that tells a new room', () => {
  const at = (lastSeq: number, epoch: string | null) => ({ known: true, lastSeq, epoch });

  it('another epoch is a new room even when its lastSeq is above the cursor', () => {
    expect(judgeCursorAnswer(at(3, 'e1'), { lastSeq: 844, epoch: 'e2' })).toEqual({ room: 'new', reason: 'epoch', epoch: 'e2' });
  });

  it('the same epoch: the cursor stands, truncation is reported; a cursor above lastSeq is a new room', () => {
    expect(judgeCursorAnswer(at(3, 'e1'), { lastSeq: 9, epoch: 'e1' })).toEqual({ room: 'same', truncated: false, epoch: 'e1' });
    expect(judgeCursorAnswer(at(3, 'e1'), { lastSeq: 9, epoch: 'e1', truncated: true })).toMatchObject({ room: 'same', truncated: true });
    expect(judgeCursorAnswer(at(3, 'e1'), { lastSeq: 2, epoch: 'e1' })).toEqual({ room: 'new', reason: 'ahead', epoch: 'e1' });
  });

  it('without an epoch on either side, the lastSeq rule is the fallback', () => {
    expect(judgeCursorAnswer(at(3, 'e1'), { lastSeq: 2 })).toEqual({ room: 'new', reason: 'ahead', epoch: null });
    expect(judgeCursorAnswer(at(3, 'e1'), { lastSeq: 5 })).toEqual({ room: 'same', truncated: false, epoch: 'e1' });
    expect(judgeCursorAnswer(at(3, null), { lastSeq: 5, epoch: 'e7' })).toEqual({ room: 'same', truncated: false, epoch: 'e7' });
  });

  it('a client that does not know where it stands yet only learns the epoch', () => {
    expect(judgeCursorAnswer({ known: false, lastSeq: 0, epoch: 'e1' }, { lastSeq: 0, epoch: 'e2' })).toEqual({
      room: 'same',
      truncated: false,
      epoch: 'e2',
    });
  });
});

describe('a new room found on a join', () => {
  it('a cursor resumed from another epoch: the join tells, the new room is followed from seq 1', async () => {
    const h = harness();
    const room = new FakeRoom();
    fill(room, 7, 'new');
    h.fetch.handler = room.handler();
    const client = createClient('short-poll', { ...h.options, after: 3, epoch: 'e0' });
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    expect(h.fetch.to('/api/join')).toHaveLength(1);
    expect(seen.errors.map((e) => e.code)).toEqual(['SERVER_RESTARTED']);
    expect(seen.errors[0]!.message).toContain('e0');
    expect(params(h.fetch.to('/api/poll')[0]!.url)).toEqual({ after: '7', epoch: 'e1', clientId: 'c1' });
    room.post('other', 'next', null, 'sse');
    await h.clock.advance(1000);
    expect(seen.seqs()).toEqual(range(1, 8));
    expect(seen.messages.map((m) => m.text)).toEqual([...range(0, 6).map((i) => `new${i}`), 'next']);
  });

  it('a rejoin after UNKNOWN_CLIENT lands in a new room above the cursor: history from 1, the send kept', async () => {
    const h = harness();
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('long-poll', h.options);
    const seen = observe(client);
    fill(room, 3, 'old');
    client.connect();
    await h.clock.advance(0);
    expect(seen.seqs()).toEqual([1, 2, 3]);
    const [oldHeld] = h.fetch.open('/api/longpoll');
    room.restart();
    fill(room, 5, 'new');
    client.send('mine', { clientMsgId: 'k' });
    await h.clock.advance(0);
    expect(seen.errors.map((e) => e.code)).toEqual(['UNKNOWN_CLIENT', 'SERVER_RESTARTED']);
    expect(h.fetch.to('/api/join')).toHaveLength(2);
    expect(seen.acks).toEqual([{ clientMsgId: 'k', seq: 6 }]);
    // The poll held with the old room's cursor is dropped: its answer could only mislead.
    expect(oldHeld!.aborted).toBe(true);
    const open = h.fetch.open('/api/longpoll');
    expect(open).toHaveLength(1);
    expect(params(open[0]!.url)).toMatchObject({ epoch: 'e2', clientId: 'c2' });
    open[0]!.respond(200, room.answer(open[0]!.url.searchParams));
    await h.clock.advance(0);
    expectFollowedNewRoom(seen, 3, 6);
    expect(seen.messages.at(-1)).toMatchObject({ text: 'mine', clientMsgId: 'k' });
    client.close();
  });

  it('SSE: a rejoin that finds a new room reopens the stream with the new epoch', async () => {
    const h = harness();
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    fill(room, 3, 'old');
    const client = createClient('sse', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const first = FakeEventSource.last();
    first.serverOpen();
    room.restart();
    fill(room, 5, 'new');
    client.send('mine', { clientMsgId: 'k' });
    await h.clock.advance(0);
    expect(first.closed).toBe(true);
    const second = FakeEventSource.last();
    expect(params(second.url)).toEqual({ after: '5', epoch: 'e2', clientId: 'c2' });
    second.serverOpen();
    second.serverNamed('state', { ...room.position(), truncated: false });
    await h.clock.advance(0);
    expect(room.messages.at(-1)).toMatchObject({ seq: 6, text: 'mine', clientId: 'c2' });
    second.serverEvent(room.messages[5]!);
    expectFollowedNewRoom(seen, 3, 6);
    client.close();
  });
});

describe('a new room found on a poll answer', () => {
  for (const honourEpoch of [true, false]) {
    it(`short poll${honourEpoch ? '' : ', server answering the old cursor anyway'}: rejoins, follows the new room from seq 1`, async () => {
      const h = harness();
      const room = new FakeRoom();
      room.honourEpoch = honourEpoch;
      h.fetch.handler = room.handler();
      const client = createClient('short-poll', h.options);
      const seen = observe(client);
      fill(room, 3, 'old');
      client.connect();
      await h.clock.advance(0);
      room.restart();
      fill(room, 5, 'new');
      await h.clock.advance(1000);
      const polls = h.fetch.to('/api/poll');
      expect(params(polls[1]!.url)).toEqual({ after: '3', epoch: 'e1', clientId: 'c1' });
      expect(h.fetch.to('/api/join')).toHaveLength(2);
      expect(params(polls.at(-1)!.url)).toEqual({ after: '5', epoch: 'e2', clientId: 'c2' });
      room.post('other', 'later', null, 'sse');
      await h.clock.advance(1000);
      expectFollowedNewRoom(seen, 3, 6);
      expect(seen.messages.slice(3).map((m) => m.text)).toEqual(['new0', 'new1', 'new2', 'new3', 'new4', 'later']);
      expect(client.getSnapshot()).toMatchObject({ status: 'open', clientId: 'c2', lastSeq: 6 });
      client.close();
    });
  }

  it('long poll: a held poll answered from the new room rejoins and follows it from seq 1', async () => {
    const h = harness();
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('long-poll', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    fill(room, 3, 'old');
    let [held] = h.fetch.open('/api/longpoll');
    held!.respond(200, room.answer(held!.url.searchParams));
    await h.clock.advance(0);
    [held] = h.fetch.open('/api/longpoll');
    expect(params(held!.url)).toEqual({ after: '3', epoch: 'e1', timeout: '30000', clientId: 'c1' });
    room.restart();
    fill(room, 5, 'new');
    held!.respond(200, room.answer(held!.url.searchParams));
    await h.clock.advance(0);
    expect(h.fetch.to('/api/join')).toHaveLength(2);
    [held] = h.fetch.open('/api/longpoll');
    expect(params(held!.url)).toEqual({ after: '5', epoch: 'e2', timeout: '30000', clientId: 'c2' });
    room.post('other', 'later', null, 'sse');
    held!.respond(200, room.answer(held!.url.searchParams));
    await h.clock.advance(0);
    expectFollowedNewRoom(seen, 3, 6);
    client.close();
  });
});

describe('a new room found on the SSE state event', () => {
  it('the reconnected stream keeps the epoch in its URL; a state of another epoch rejoins and replays from 1', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    fill(room, 3, 'old');
    const client = createClient('sse', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const first = FakeEventSource.last();
    expect(params(first.url)).toEqual({ after: '3', epoch: 'e1', clientId: 'c1' });
    first.serverOpen();
    first.serverNamed('state', { ...room.position(), truncated: false });
    room.restart();
    fill(room, 5, 'new');
    first.serverError();
    await h.clock.advance(250);
    const second = FakeEventSource.last();
    expect(params(second.url)).toEqual({ after: '3', epoch: 'e1', clientId: 'c1' });
    second.serverOpen();
    second.serverNamed('state', { ...room.position(), truncated: false });
    await h.clock.advance(0);
    expect(second.closed).toBe(true);
    expect(h.fetch.to('/api/join')).toHaveLength(2);
    const third = FakeEventSource.last();
    expect(params(third.url)).toEqual({ after: '5', epoch: 'e2', clientId: 'c2' });
    third.serverOpen();
    third.serverNamed('state', { ...room.position(), truncated: false });
    third.serverEvent(room.post('other', 'later', null, 'ws-lib').message);
    expectFollowedNewRoom(seen, 3, 6);
    expect(seen.errors.map((e) => e.code)).toEqual(['NETWORK', 'SERVER_RESTARTED']);
    client.close();
  });
});

describe('a new room found on the WebSocket welcome', () => {
  it('reconnects without the old id, with after=0 in the new epoch, and takes the replay from seq 1', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const client = createClient('ws-raw', h.options);
    const seen = observe(client);
    client.connect();
    let ws = FakeWebSocket.last();
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', clientId: 'me', lastSeq: 3, epoch: 'e1' });
    for (const seq of [1, 2, 3]) ws.serverSend(msg(seq));
    ws.serverDrop();
    await h.clock.advance(250);
    ws = FakeWebSocket.last();
    expect(params(ws.url)).toEqual({ clientId: 'me', after: '3', epoch: 'e1' });
    ws.serverOpen();
    // The restarted server does not know `me` and replays nothing for another epoch.
    ws.serverSend({ type: 'welcome', clientId: 'stranger', lastSeq: 5, epoch: 'e2' });
    expect(ws.closedWith).toEqual({ code: 1000, reason: undefined });
    const fresh = FakeWebSocket.last();
    expect(fresh).not.toBe(ws);
    expect(params(fresh.url)).toEqual({ after: '0', epoch: 'e2' });
    fresh.serverOpen();
    fresh.serverSend({ type: 'welcome', clientId: 'new', lastSeq: 5, epoch: 'e2' });
    for (const seq of [1, 2, 3, 4, 5, 6]) fresh.serverSend(msg(seq, { text: `new${seq}` }));
    expectFollowedNewRoom(seen, 3, 6);
    expect(client.getSnapshot()).toMatchObject({ status: 'open', clientId: 'new', lastSeq: 6 });
    fresh.serverDrop();
    await h.clock.advance(250);
    expect(params(FakeWebSocket.last().url)).toEqual({ clientId: 'new', after: '6', epoch: 'e2' });
    client.close();
  });

  it('a truncated welcome is reported like a truncated poll answer', () => {
    const h = harness();
    const client = createClient('ws-lib', { ...h.options, after: 2, epoch: 'e1', clientId: 'me' });
    const seen = observe(client);
    client.connect();
    const ws = FakeWebSocket.last();
    expect(params(ws.url)).toEqual({ clientId: 'me', after: '2', epoch: 'e1' });
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', clientId: 'me', lastSeq: 20_000, epoch: 'e1', truncated: true });
    expect(seen.errors.map((e) => e.code)).toEqual(['TRUNCATED']);
    expect(FakeWebSocket.instances).toHaveLength(1);
    client.close();
  });
});

describe('every cursor carries the epoch once it is known', () => {
  const httpPaths: Partial<Record<TransportId, string>> = { 'short-poll': '/api/poll', 'long-poll': '/api/longpoll' };

  for (const transport of ['short-poll', 'long-poll', 'sse'] as const) {
    it(`${transport}: every poll or stream after the join, reconnects included`, async () => {
      const h = harness({ backoff: { jitter: 0 } });
      const room = new FakeRoom();
      room.epoch = 'epoch-A';
      h.fetch.handler = room.handler();
      const client = createClient(transport, { ...h.options, pollIntervalMs: 100 });
      client.connect();
      await h.clock.advance(0);
      for (let round = 0; round < 3; round++) {
        room.post('other', `r${round}`, null, 'sse');
        if (transport === 'sse') FakeEventSource.last().serverError();
        else client.cut();
        await h.clock.advance(2000);
      }
      const urls =
        transport === 'sse' ? FakeEventSource.instances.map((es) => es.url) : h.fetch.to(httpPaths[transport]!).map((c) => c.url);
      expect(urls.length).toBeGreaterThanOrEqual(4);
      for (const url of urls) {
        expect(url.searchParams.getAll('epoch')).toEqual(['epoch-A']);
        expect(url.searchParams.getAll('after')).toHaveLength(1);
      }
      client.close();
    });
  }

  for (const transport of ['ws-raw', 'ws-lib'] as const) {
    it(`${transport}: every socket after the first welcome`, async () => {
      const h = harness({ backoff: { jitter: 0 } });
      const client = createClient(transport, h.options);
      client.connect();
      const sockets = () => FakeWebSocket.instances;
      for (let round = 0; round < 4; round++) {
        const ws = FakeWebSocket.last();
        ws.serverOpen();
        ws.serverSend({ type: 'welcome', clientId: 'me', lastSeq: round, epoch: 'epoch-A' });
        if (round > 0) ws.serverSend(msg(round));
        ws.serverDrop();
        await h.clock.advance(250);
      }
      expect(params(sockets()[0]!.url)).toEqual({}); // nothing known yet: the history, no epoch
      for (const ws of sockets().slice(1)) {
        expect(ws.url.searchParams.getAll('epoch')).toEqual(['epoch-A']);
        expect(ws.url.searchParams.getAll('after')).toHaveLength(1);
      }
      expect(sockets().length).toBe(5);
      client.close();
    });
  }
});

describe('an epoch that keeps changing (processes that do not share a room)', () => {
  it('rejoins back off instead of looping', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    let n = 0;
    h.fetch.handler = (call) => {
      const epoch = `flip${n++}`;
      if (call.url.pathname === '/api/join') return { status: 201, body: { clientId: `c${n}`, lastSeq: 0, epoch, messages: [] } };
      return { status: 200, body: { messages: [], lastSeq: 0, epoch } };
    };
    const client = createClient('short-poll', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(10_000);
    const joins = h.fetch.to('/api/join').length;
    // 250, 500, 1000, 2000, 4000 ms between rounds after the first: a handful, not thousands.
    expect(joins).toBeGreaterThanOrEqual(3);
    expect(joins).toBeLessThanOrEqual(8);
    expect(seen.errors.every((e) => e.code === 'SERVER_RESTARTED')).toBe(true);
    client.close();
  });
});

describe('WebSocket UNKNOWN_CLIENT on a send', () => {
  it('reconnects with a new identity and resends every unacknowledged send with its clientMsgId: acked once each', async () => {
    const h = harness();
    const client = createClient('ws-raw', h.options);
    const seen = observe(client);
    client.connect();
    const old = FakeWebSocket.last();
    old.serverOpen();
    old.serverSend({ type: 'welcome', clientId: 'me', lastSeq: 4, epoch: 'e1' });
    for (const seq of [1, 2, 3, 4]) old.serverSend(msg(seq));
    client.send('first', { clientMsgId: 'a' });
    client.send('second', { clientMsgId: 'b' });
    expect(old.sentFrames().map((f) => f.clientMsgId)).toEqual(['a', 'b']);
    old.serverSend({ type: 'error', code: 'UNKNOWN_CLIENT', message: 'who are you?' });
    expect(seen.errors.map((e) => e.code)).toEqual(['UNKNOWN_CLIENT']);
    expect(old.closedWith).toEqual({ code: 1000, reason: undefined });
    old.serverSend({ type: 'ack', clientMsgId: 'b', seq: 5 }); // a late frame of the old socket
    expect(seen.acks).toEqual([]);
    const ws = FakeWebSocket.last();
    expect(ws).not.toBe(old);
    expect(params(ws.url)).toEqual({ after: '4', epoch: 'e1' }); // same room, same cursor, no forgotten id
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', clientId: 'me-again', lastSeq: 4, epoch: 'e1' });
    expect(ws.sentFrames()).toEqual([
      { type: 'send', text: 'first', clientMsgId: 'a' },
      { type: 'send', text: 'second', clientMsgId: 'b' },
    ]);
    ws.serverSend(msg(5, { clientId: 'me-again', clientMsgId: 'a', text: 'first' }));
    ws.serverSend({ type: 'ack', clientMsgId: 'a', seq: 5 });
    ws.serverSend(msg(6, { clientId: 'me-again', clientMsgId: 'b', text: 'second' }));
    ws.serverSend({ type: 'ack', clientMsgId: 'b', seq: 6 });
    ws.serverSend({ type: 'ack', clientMsgId: 'b', seq: 6 });
    expect(seen.acks).toEqual([
      { clientMsgId: 'a', seq: 5 },
      { clientMsgId: 'b', seq: 6 },
    ]);
    expect(seen.seqs()).toEqual(range(1, 6));
    expect(client.getSnapshot()).toMatchObject({ clientId: 'me-again', pendingSends: 0, status: 'open' });
    client.close();
  });

  it('a server that keeps forgetting the client is left to the backoff after a few rejoins', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const client = createClient('ws-lib', h.options);
    const seen = observe(client);
    client.connect();
    client.send('hello', { clientMsgId: 'k' });
    for (let i = 0; i < 4; i++) {
      const ws = FakeWebSocket.last();
      ws.serverOpen();
      ws.serverSend({ type: 'welcome', clientId: `id${i}`, lastSeq: 0, epoch: 'e1' });
      expect(ws.sentFrames().map((f) => f.clientMsgId)).toEqual(['k']);
      ws.serverSend({ type: 'error', code: 'UNKNOWN_CLIENT', message: 'forgotten' });
    }
    expect(FakeWebSocket.instances).toHaveLength(4);
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', pendingSends: 1 });
    await h.clock.advance(250);
    const ws = FakeWebSocket.last();
    expect(FakeWebSocket.instances).toHaveLength(5);
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', clientId: 'kept', lastSeq: 0, epoch: 'e1' });
    ws.serverSend({ type: 'ack', clientMsgId: 'k', seq: 1 });
    expect(seen.acks).toEqual([{ clientMsgId: 'k', seq: 1 }]);
    expect(client.getSnapshot().pendingSends).toBe(0);
    client.close();
  });
});

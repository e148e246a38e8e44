import { describe, expect, it } from 'vitest';
import { createClient, WebSocketClient } from '../../src/client/index.ts';
import { FakeWebSocket, harness, msg, observe, secretOf, TerminableFakeWebSocket } from './fakes.ts';

/** Opens the newest socket and welcomes it with an id and its secret; `epoch` undefined plays a server from before epochs. */
function welcomed(lastSeq = 0, clientId = 'me', epoch?: string): FakeWebSocket {
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  const welcome = { type: 'welcome', clientId, clientSecret: secretOf(clientId), lastSeq };
  ws.serverSend(epoch === undefined ? welcome : { ...welcome, epoch });
  return ws;
}

describe('WebSocket client: connect and resume', () => {
  it('first connect asks for the history, a reconnect resumes after lastSeq with its id', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const client = createClient('ws-raw', h.options);
    const seen = observe(client);
    expect(client.getSnapshot().status).toBe('idle');
    client.connect();
    expect(client.getSnapshot().status).toBe('connecting');
    const first = FakeWebSocket.last();
    expect(first.url.href).toBe('ws://chat.test:3000/ws/raw');

    const ws = welcomed(3, 'me');
    for (const seq of [1, 2, 3]) ws.serverSend(msg(seq));
    expect(client.getSnapshot()).toMatchObject({ status: 'open', clientId: 'me', lastSeq: 3 });

    ws.serverDrop();
    await h.clock.advance(250);
    const second = FakeWebSocket.last();
    expect(second).not.toBe(first);
    expect(second.url.pathname).toBe('/ws/raw');
    expect(Object.fromEntries(second.url.searchParams)).toEqual({ clientId: 'me', clientSecret: secretOf('me'), after: '3' });

    // The replay overlaps and arrives with a stale and an out-of-order frame: only new seqs pass.
    welcomed(6, 'me');
    for (const seq of [2, 3, 4, 5, 4, 6, 5]) second.serverSend(msg(seq));
    expect(seen.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    // 1-3: the history before this client joined; 4-6: posted while it was away, caught up.
    expect(client.getSnapshot().counters).toMatchObject({ messages: 3, history: 3, caughtUp: 3 });
    expect(client.getSnapshot().counters.reconnects).toBe(1);
    client.close();
  });

  it('uses /ws/lib for ws-lib and honours options.after and options.clientId', () => {
    const h = harness();
    const client = new WebSocketClient('ws-lib', { ...h.options, after: 41, clientId: 'old', clientSecret: 'old-secret', baseUrl: 'https://x.test' });
    client.connect();
    const ws = FakeWebSocket.last();
    expect(ws.url.protocol).toBe('wss:');
    expect(ws.url.pathname).toBe('/ws/lib');
    expect(Object.fromEntries(ws.url.searchParams)).toEqual({ clientId: 'old', clientSecret: 'old-secret', after: '41' });
    expect(client.identity()).toEqual({ clientId: 'old', clientSecret: 'old-secret' });
    client.close();
  });

  it('a dropped first connect with nothing delivered asks for the history again', async () => {
    const h = harness();
    const client = createClient('ws-raw', h.options);
    client.connect();
    welcomed(5, 'me'); // history of 5 not yet arrived
    FakeWebSocket.last().serverDrop();
    await h.clock.advance(250);
    expect(Object.fromEntries(FakeWebSocket.last().url.searchParams)).toEqual({ clientId: 'me', clientSecret: secretOf('me') });
    client.close();
  });

  it('a server without epochs: a welcome below our cursor is a restart, followed from the new room\'s start', async () => {
    const h = harness();
    const client = createClient('ws-raw', { ...h.options, after: 50, clientId: 'me' });
    const seen = observe(client);
    client.connect();
    const first = welcomed(2, 'new-id');
    expect(seen.errors.map((e) => e.code)).toEqual(['SERVER_RESTARTED']);
    // The new room already holds 2 messages this socket will not replay: reconnect with after=0.
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(first.closedWith).toEqual({ code: 1000, reason: undefined });
    const second = FakeWebSocket.last();
    expect(Object.fromEntries(second.url.searchParams)).toEqual({ after: '0' });
    welcomed(2, 'new-id');
    for (const seq of [1, 2, 3]) second.serverSend(msg(seq));
    expect(seen.seqs()).toEqual([1, 2, 3]);
    expect(client.getSnapshot()).toMatchObject({ lastSeq: 3, clientId: 'new-id', status: 'open' });
    expect(seen.errors).toHaveLength(1);
    client.close();
  });

  it('a restarted server with an empty room: a new socket without the old id, from 0', () => {
    const h = harness();
    const client = createClient('ws-lib', { ...h.options, after: 9, clientId: 'me' });
    const seen = observe(client);
    client.connect();
    welcomed(0, 'fresh');
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(Object.fromEntries(FakeWebSocket.last().url.searchParams)).toEqual({ after: '0' });
    const ws = welcomed(0, 'fresh2');
    ws.serverSend(msg(1));
    expect(client.getSnapshot().clientId).toBe('fresh2');
    expect(seen.seqs()).toEqual([1]);
    expect(seen.errors.map((e) => e.code)).toEqual(['SERVER_RESTARTED']);
    client.close();
  });
});

describe('WebSocket client: sends', () => {
  it('holds sends until the welcome, then writes them in order with their ids', () => {
    const h = harness();
    const client = createClient('ws-raw', { ...h.options, name: 'ana' });
    const a = client.send('one', { clientMsgId: 'a' });
    client.connect();
    const b = client.send('two');
    expect(b).toMatch(/^[0-9a-f]{32}$/);
    expect(client.getSnapshot().pendingSends).toBe(2);
    const ws = FakeWebSocket.last();
    ws.serverOpen();
    expect(ws.sent).toEqual([]);
    ws.serverSend({ type: 'welcome', clientId: 'me', clientSecret: secretOf('me'), lastSeq: 0 });
    expect(ws.sentFrames()).toEqual([
      { type: 'send', text: 'one', clientMsgId: a, name: 'ana' },
      { type: 'send', text: 'two', clientMsgId: b, name: 'ana' },
    ]);
    ws.serverSend({ type: 'ack', clientMsgId: a, seq: 1 });
    expect(client.getSnapshot().pendingSends).toBe(1);
    client.close();
  });

  it('resends an unacknowledged send with the same clientMsgId after a drop: delivered once', async () => {
    const h = harness();
    const client = createClient('ws-raw', h.options);
    const seen = observe(client);
    client.connect();
    let ws = welcomed(0);
    const id = client.send('hello', { clientMsgId: 'k1' });
    expect(ws.sentFrames()).toHaveLength(1);
    ws.serverDrop(); // lost before the ack; the server may or may not have stored it
    expect(client.getSnapshot().pendingSends).toBe(1);
    await h.clock.advance(250);
    ws = welcomed(1);
    expect(ws.sentFrames()).toEqual([{ type: 'send', text: 'hello', clientMsgId: 'k1' }]);
    // The server had stored it: the replay carries it, and the repeat is acked with the first seq.
    ws.serverSend(msg(1, { clientId: 'me', clientMsgId: 'k1', text: 'hello' }));
    ws.serverSend({ type: 'ack', clientMsgId: id, seq: 1 });
    expect(seen.acks).toEqual([{ clientMsgId: 'k1', seq: 1 }]);
    expect(seen.seqs()).toEqual([1]);
    expect(client.getSnapshot().pendingSends).toBe(0);
    client.close();
  });

  it('retries a rate-limited send later and drops one the server will never accept', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const client = createClient('ws-lib', h.options);
    const seen = observe(client);
    client.connect();
    const ws = welcomed(0);
    client.send('   ', { clientMsgId: 'blank' });
    client.send('ok', { clientMsgId: 'ok' });
    ws.serverSend({ type: 'error', code: 'INVALID_TEXT', message: 'empty' });
    expect(client.getSnapshot().pendingSends).toBe(1);
    ws.serverSend({ type: 'error', code: 'RATE_LIMITED', message: 'slow down' });
    expect(seen.errors.map((e) => e.code)).toEqual(['INVALID_TEXT', 'RATE_LIMITED']);
    expect(client.getSnapshot().pendingSends).toBe(1);
    expect(ws.sentFrames()).toHaveLength(2);
    await h.clock.advance(249);
    expect(ws.sentFrames()).toHaveLength(2);
    await h.clock.advance(1);
    expect(ws.sentFrames().map((f) => f.clientMsgId)).toEqual(['blank', 'ok', 'ok']);
    ws.serverSend({ type: 'ack', clientMsgId: 'ok', seq: 1 });
    expect(client.getSnapshot().pendingSends).toBe(0);
    client.close();
  });
});

describe('WebSocket client: pause, resume, cut, close', () => {
  it('pause closes cleanly and schedules nothing; resume continues from lastSeq', async () => {
    const h = harness();
    const client = createClient('ws-raw', h.options);
    client.connect();
    const ws = welcomed(2);
    ws.serverSend(msg(1));
    ws.serverSend(msg(2));
    client.pause();
    expect(ws.closedWith).toEqual({ code: 1000, reason: undefined });
    expect(client.getSnapshot().status).toBe('paused');
    client.send('while paused', { clientMsgId: 'p' });
    await h.clock.advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    client.resume();
    expect(client.getSnapshot().status).toBe('connecting');
    const again = welcomed(2);
    expect(again.url.searchParams.get('after')).toBe('2');
    expect(again.sentFrames().map((f) => f.clientMsgId)).toEqual(['p']);
    expect(client.getSnapshot().counters.reconnects).toBe(0);
    client.close();
  });

  it('cut drops the socket without a clean close and reconnects through the backoff', async () => {
    const h = harness();
    const client = createClient('ws-lib', { ...h.options, WebSocket: TerminableFakeWebSocket as unknown as typeof WebSocket });
    const seen = observe(client);
    client.connect();
    const ws = welcomed(0);
    client.cut();
    expect((ws as TerminableFakeWebSocket).terminated).toBe(true);
    expect(ws.closedWith).toBeNull();
    expect(seen.errors.at(-1)?.code).toBe('CUT');
    expect(client.getSnapshot().status).toBe('reconnecting');
    await h.clock.advance(250);
    expect(FakeWebSocket.instances).toHaveLength(2);
    client.close();
  });

  it('cut in a browser closes with a private code (no terminate there)', () => {
    const h = harness();
    const client = createClient('ws-raw', h.options);
    client.connect();
    const ws = welcomed(0);
    client.cut();
    expect(ws.closedWith).toEqual({ code: 4000, reason: 'cut' });
    client.close();
  });

  it('close is final: no timers, no reconnect, send throws', async () => {
    const h = harness();
    const client = createClient('ws-raw', h.options);
    client.connect();
    FakeWebSocket.last().serverDrop();
    client.close();
    expect(client.getSnapshot().status).toBe('closed');
    expect(h.clock.pending()).toEqual([]);
    await h.clock.advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(() => client.send('x')).toThrow();
    client.resume();
    client.connect();
    expect(client.getSnapshot().status).toBe('closed');
  });
});

describe('WebSocket client: records and snapshots', () => {
  it('counts frames with RFC 6455 header sizes (masked up, unmasked down) and the handshake as estimated', () => {
    const h = harness();
    const client = createClient('ws-raw', h.options);
    const seen = observe(client);
    client.connect();
    const ws = welcomed(0);
    const handshake = seen.records.filter((r) => r.kind === 'ws-handshake');
    expect(handshake).toHaveLength(2); // pending, then completed
    expect(handshake[0]!.id).toBe(handshake[1]!.id);
    expect(handshake[0]!.endedAt).toBeUndefined();
    expect(handshake[1]).toMatchObject({ status: 101, estimated: true, method: 'GET', url: '/ws/raw' });
    const requestHead =
      'GET /ws/raw HTTP/1.1\r\nHost: chat.test:3000\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${'x'.repeat(24)}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const responseHead = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${'x'.repeat(28)}\r\n\r\n`;
    expect(handshake[1]!.headerBytesUp).toBe(requestHead.length);
    expect(handshake[1]!.headerBytesDown).toBe(responseHead.length);

    const small = client.send('héllo', { clientMsgId: 's' });
    client.send('x'.repeat(200), { clientMsgId: 'm' });
    const out = seen.records.filter((r) => r.kind === 'ws-frame-out');
    const smallLen = new TextEncoder().encode(JSON.stringify({ type: 'send', text: 'héllo', clientMsgId: small })).length;
    expect(out[0]).toMatchObject({ payloadBytesUp: smallLen, headerBytesUp: 2 + 4, estimated: false });
    expect(out[1]!.headerBytesUp).toBe(4 + 4); // 126..65535: 16-bit length
    const big = 'y'.repeat(70_000);
    ws.serverSend(msg(1, { text: big }));
    const inbound = seen.records.filter((r) => r.kind === 'ws-frame-in');
    const welcomeLen = JSON.stringify({ type: 'welcome', clientId: 'me', clientSecret: secretOf('me'), lastSeq: 0 }).length;
    expect(inbound[0]).toMatchObject({ headerBytesDown: 2, payloadBytesDown: welcomeLen, messages: 0 });
    expect(inbound[1]).toMatchObject({ headerBytesDown: 10, messages: 1 });

    const c = client.getSnapshot().counters;
    expect(c.requests).toBe(1);
    expect(c.framesUp).toBe(2);
    expect(c.framesDown).toBe(2);
    const up = seen.records.filter((r) => r.endedAt !== undefined);
    const byId = new Map(up.map((r) => [r.id, r]));
    const sumUp = [...byId.values()].reduce((s, r) => s + r.headerBytesUp + r.payloadBytesUp, 0);
    const sumDown = [...byId.values()].reduce((s, r) => s + r.headerBytesDown + r.payloadBytesDown, 0);
    expect(c.bytesUp).toBe(sumUp);
    expect(c.bytesDown).toBe(sumDown);
    client.close();
  });

  it('getSnapshot returns the same frozen object until something changes', () => {
    const h = harness();
    const client = createClient('ws-raw', h.options);
    let notified = 0;
    const unsubscribe = client.subscribe(() => notified++);
    const s1 = client.getSnapshot();
    expect(client.getSnapshot()).toBe(s1);
    expect(Object.isFrozen(s1)).toBe(true);
    expect(Object.isFrozen(s1.counters)).toBe(true);
    client.connect();
    const s2 = client.getSnapshot();
    expect(s2).not.toBe(s1);
    expect(s1.status).toBe('idle');
    expect(s2.status).toBe('connecting');
    expect(client.getSnapshot()).toBe(s2);
    expect(notified).toBeGreaterThan(0);
    unsubscribe();
    const before = notified;
    welcomed(0);
    expect(notified).toBe(before);
    expect(client.getSnapshot()).not.toBe(s2);
    client.close();
  });
});

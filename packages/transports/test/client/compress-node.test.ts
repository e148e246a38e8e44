// Two things a lane shows beside its traffic: the WebSocket extension the server agreed to
// (issue #15: `compress` asks for permessage-deflate on a chat socket), and which server
// process served each record (issue #14: X-Wirebench-Node, the welcome's and the SSE
// `state` event's `node`).
import { describe, expect, it } from 'vitest';
import { createClient, type WireRecord } from '../../src/client/index.ts';
import { FakeEventSource, FakeRoom, FakeWebSocket, harness, msg, observe, secretOf } from './fakes.ts';

/** A browser socket: `extensions` is what the server's Sec-WebSocket-Extensions agreed to, '' until open. */
class BrowserLikeWebSocket extends FakeWebSocket {
  static agreed = '';
  extensions = '';
  override serverOpen(): void {
    this.extensions = BrowserLikeWebSocket.agreed;
    super.serverOpen();
  }
}

const AGREED = 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12';

function welcome(ws: FakeWebSocket, node: string | undefined, clientId = 'me', lastSeq = 0): void {
  ws.serverOpen();
  ws.serverSend({ type: 'welcome', clientId, clientSecret: secretOf(clientId), lastSeq, epoch: 'e1', ...(node ? { node } : {}) });
}

/** Each record as it was last emitted (a record that grows is emitted again under its id). */
function latest(records: WireRecord[]): WireRecord[] {
  const byId = new Map<number, WireRecord>();
  for (const r of records) byId.set(r.id, r);
  return [...byId.values()];
}

describe('compress: permessage-deflate on a chat socket', () => {
  for (const transport of ['ws-raw', 'ws-lib'] as const) {
    it(`${transport}: asks with ?compress=1 and says what was agreed, '' again once the socket is gone`, async () => {
      const h = harness({ WebSocket: BrowserLikeWebSocket as unknown as typeof WebSocket, backoff: { jitter: 0 } });
      BrowserLikeWebSocket.agreed = AGREED;
      const client = createClient(transport, { ...h.options, compress: true });
      client.connect();
      const ws = FakeWebSocket.last();
      expect(ws.url.pathname).toBe(transport === 'ws-raw' ? '/ws/raw' : '/ws/lib');
      expect(ws.url.searchParams.get('compress')).toBe('1');
      expect(client.getSnapshot().extensions).toBe('');
      welcome(ws, 'node-1');
      expect(client.getSnapshot().extensions).toBe(AGREED);

      // A reconnect keeps asking, with its identity and cursor beside the parameter.
      ws.serverDrop();
      expect(client.getSnapshot().extensions).toBe('');
      await h.clock.advance(250);
      expect(Object.fromEntries(FakeWebSocket.last().url.searchParams)).toEqual({ clientId: 'me', clientSecret: secretOf('me'), after: '0', epoch: 'e1', compress: '1' });
      client.close();
    });
  }

  it('without the option nothing is asked, and a server that declines leaves extensions empty', () => {
    const h = harness({ WebSocket: BrowserLikeWebSocket as unknown as typeof WebSocket });
    BrowserLikeWebSocket.agreed = '';
    const client = createClient('ws-raw', h.options);
    client.connect();
    expect(FakeWebSocket.last().url.searchParams.has('compress')).toBe(false);
    welcome(FakeWebSocket.last(), 'node-1');
    expect(client.getSnapshot()).toMatchObject({ status: 'open', extensions: '' });
    client.close();
  });

  it('polling clients have no extensions and send no compress parameter', async () => {
    const h = harness();
    h.fetch.handler = new FakeRoom().handler();
    const client = createClient('short-poll', { ...h.options, compress: true });
    client.connect();
    await h.clock.advance(0);
    expect(h.fetch.calls.every((c) => !c.url.searchParams.has('compress'))).toBe(true);
    expect(client.getSnapshot().extensions).toBe('');
    client.close();
  });
});

describe('node: which process served each record', () => {
  it('HTTP: every answer is marked with its X-Wirebench-Node; an answer without it is not', async () => {
    const h = harness({ pollIntervalMs: 100 });
    const room = new FakeRoom();
    const handle = room.handler();
    let n = 0;
    h.fetch.handler = (call) => {
      const answer = handle(call);
      if (answer === undefined) return undefined;
      n += 1;
      // Three processes behind a round-robin, and one answer from something that names none.
      return n === 4 ? answer : { ...answer, headers: { 'x-wirebench-node': `node-${(n % 3) + 1}` } };
    };
    const client = createClient('short-poll', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    for (let i = 0; i < 4; i++) await h.clock.advance(100);
    client.send('hi');
    await h.clock.advance(0);
    const http = latest(seen.records).filter((r) => r.kind === 'http' && r.endedAt !== undefined);
    expect(http.length).toBeGreaterThanOrEqual(6);
    expect(http.map((r) => r.node)).toEqual(http.map((_, i) => (i === 3 ? undefined : `node-${((i + 1) % 3) + 1}`)));
    expect(new Set(http.map((r) => r.node).filter(Boolean))).toEqual(new Set(['node-1', 'node-2', 'node-3']));
    client.close();
  });

  it('WebSocket: the welcome names the node; the handshake record is emitted again with it, and the frames carry it', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const client = createClient('ws-raw', h.options);
    const seen = observe(client);
    client.connect();
    const ws = FakeWebSocket.last();
    welcome(ws, 'node-2');
    ws.serverSend(msg(1));
    const records = latest(seen.records);
    const handshake = records.find((r) => r.kind === 'ws-handshake')!;
    expect(handshake).toMatchObject({ status: 101, node: 'node-2' });
    expect(handshake.endedAt).toBeDefined();
    expect(records.filter((r) => r.kind === 'ws-frame-in').map((r) => r.node)).toEqual(['node-2', 'node-2']);

    // The next socket lands on another process: its records say so, the old ones keep theirs.
    ws.serverDrop();
    await h.clock.advance(250);
    const next = FakeWebSocket.last();
    next.serverOpen();
    expect(latest(seen.records).at(-1)).toMatchObject({ kind: 'ws-handshake', status: 101 });
    expect(latest(seen.records).at(-1)!.node).toBeUndefined();
    next.serverSend({ type: 'welcome', clientId: 'me', clientSecret: secretOf('me'), lastSeq: 1, epoch: 'e1', node: 'node-3' });
    const after = latest(seen.records).filter((r) => r.kind === 'ws-handshake');
    expect(after.map((r) => r.node)).toEqual(['node-2', 'node-3']);
    client.close();
  });

  it('SSE: the state event names the node of the stream; its events carry it, its POSTs their own header', async () => {
    const h = harness();
    const room = new FakeRoom();
    const handle = room.handler();
    h.fetch.handler = (call) => {
      const answer = handle(call);
      return answer && { ...answer, headers: { 'x-wirebench-node': 'node-9' } };
    };
    const client = createClient('sse', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const es = FakeEventSource.last();
    es.serverOpen();
    es.serverNamed('state', { lastSeq: 0, epoch: 'e1', truncated: false, node: 'node-1' });
    es.serverEvent(msg(1));
    client.send('up');
    await h.clock.advance(0);
    const records = latest(seen.records);
    expect(records.find((r) => r.kind === 'sse-open')).toMatchObject({ status: 200, node: 'node-1' });
    expect(records.filter((r) => r.kind === 'sse-event').map((r) => r.node)).toEqual(['node-1', 'node-1']);
    expect(records.filter((r) => r.kind === 'http').map((r) => r.node)).toEqual(['node-9', 'node-9']);
    client.close();
  });
});

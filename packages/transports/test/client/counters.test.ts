// What a lane shows comes from the client's snapshot: requests, header and payload bytes
// both ways (each record counted once, however often it grows), and the bytes per
// delivered message. The page no longer needs to recount WireRecords to get them.
import { describe, expect, it } from 'vitest';
import { createClient, type ClientCounters, type TransportClient, type WireRecord } from '../../src/client/index.ts';
import { TRANSPORT_IDS, type TransportId } from '../../src/contract.ts';
import { FakeEventSource, FakeRoom, FakeWebSocket, flush, harness, msg, observe, secretOf } from './fakes.ts';

type ByteCounts = Pick<ClientCounters, 'headerBytesUp' | 'payloadBytesUp' | 'headerBytesDown' | 'payloadBytesDown'>;

/** The dashboard's old recount: the latest version of every record, summed field by field. */
function recount(records: readonly WireRecord[]): ByteCounts & { requests: number } {
  const latest = new Map(records.map((r) => [r.id, r]));
  const sum = { headerBytesUp: 0, payloadBytesUp: 0, headerBytesDown: 0, payloadBytesDown: 0, requests: 0 };
  for (const r of latest.values()) {
    sum.headerBytesUp += r.headerBytesUp;
    sum.payloadBytesUp += r.payloadBytesUp;
    sum.headerBytesDown += r.headerBytesDown;
    sum.payloadBytesDown += r.payloadBytesDown;
    if (r.kind === 'http' || r.kind === 'ws-handshake' || r.kind === 'sse-open') sum.requests += 1;
  }
  return sum;
}

function expectCountersMatch(client: TransportClient, records: readonly WireRecord[]): void {
  const c = client.getSnapshot().counters;
  const r = recount(records);
  expect({
    headerBytesUp: c.headerBytesUp,
    payloadBytesUp: c.payloadBytesUp,
    headerBytesDown: c.headerBytesDown,
    payloadBytesDown: c.payloadBytesDown,
    requests: c.requests,
  }).toEqual(r);
  expect(c.bytesUp).toBe(c.headerBytesUp + c.payloadBytesUp);
  expect(c.bytesDown).toBe(c.headerBytesDown + c.payloadBytesDown);
}

/** Drives one transport through a join or welcome, two deliveries, a send and a drop with its reconnect. */
async function drive(transport: TransportId): Promise<{ client: TransportClient; records: WireRecord[]; room: FakeRoom }> {
  const h = harness({ backoff: { jitter: 0 }, pollIntervalMs: 1_000, longPollTimeoutMs: 30_000 });
  const room = new FakeRoom();
  h.fetch.handler = room.handler();
  room.post('other', 'before', null, 'short-poll');
  const client = createClient(transport, h.options);
  const seen = observe(client);
  client.connect();
  await h.clock.advance(0);
  const welcome = (): void => {
    const ws = FakeWebSocket.last();
    const identity = ws.url.searchParams.has('clientId') ? { clientId: 'c1', clientSecret: secretOf('c1') } : room.join();
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', ...identity, ...room.position() });
    for (const m of room.after(Number(ws.url.searchParams.get('after') ?? 0))) ws.serverSend(m);
  };
  const openStream = (): void => {
    const es = FakeEventSource.last();
    es.serverOpen();
    es.serverNamed('state', room.position());
    for (const m of room.after(Number(es.url.searchParams.get('after')))) es.serverEvent(m);
  };
  if (transport === 'ws-raw' || transport === 'ws-lib') welcome();
  if (transport === 'sse') openStream();
  client.send('héllo, wire');
  await h.clock.advance(0);
  if (transport === 'ws-raw' || transport === 'ws-lib') {
    const ws = FakeWebSocket.last();
    const sent = ws.sentFrames()[0]!;
    const { message } = room.post('c1', sent.text, sent.clientMsgId, transport);
    ws.serverSend({ type: 'ack', clientMsgId: sent.clientMsgId, seq: message.seq });
    ws.serverSend(message);
    ws.serverDrop();
    await h.clock.advance(250);
    welcome();
  } else if (transport === 'sse') {
    for (const m of room.after(1)) FakeEventSource.last().serverEvent(m);
    FakeEventSource.last().serverError();
    await h.clock.advance(250);
    openStream();
  } else if (transport === 'long-poll') {
    // The held poll: a pending record that grows when the answer comes.
    const [held] = h.fetch.open('/api/longpoll');
    held!.respond(200, room.answer(held!.url.searchParams));
    await h.clock.advance(0);
    h.fetch.open('/api/longpoll')[0]!.fail();
    await h.clock.advance(250);
  } else {
    await h.clock.advance(1_000);
    await h.clock.advance(1_000); // an empty poll
  }
  await flush();
  expect(seen.seqs()).toEqual([1, 2]);
  return { client, records: seen.records, room };
}

describe('the snapshot counts what a lane shows', () => {
  for (const transport of TRANSPORT_IDS) {
    it(`${transport}: header and payload bytes both ways and requests equal the sum over its records, each counted once`, async () => {
      const { client, records } = await drive(transport);
      expect(client.getSnapshot().counters.reconnects).toBe(transport === 'short-poll' ? 0 : 1);
      expect(records.some((r) => r.endedAt === undefined)).toBe(true); // records that grew were seen pending too
      expectCountersMatch(client, records);
      const c = client.getSnapshot().counters;
      expect(c.headerBytesUp).toBeGreaterThan(0);
      expect(c.payloadBytesUp).toBeGreaterThan(0);
      expect(c.headerBytesDown).toBeGreaterThan(0);
      expect(c.payloadBytesDown).toBeGreaterThan(0);
      client.close();
    });

    it(`${transport}: perMessage divides every byte both ways by the new messages delivered, not the history`, async () => {
      const { client } = await drive(transport);
      const { counters: c, perMessage } = client.getSnapshot();
      // Seq 1 was in the room before the client joined: replayed, not delivered.
      expect(c).toMatchObject({ messages: 1, history: 1 });
      expect(perMessage).toEqual({
        headerBytes: c.headerBytesUp + c.headerBytesDown,
        payloadBytes: c.payloadBytesUp + c.payloadBytesDown,
        totalBytes: c.bytesUp + c.bytesDown,
      });
      client.close();
    });
  }

  it('WebSocket: the split follows RFC 6455 5.2 frame heads and the handshake, payloads exact', () => {
    const h = harness();
    const client = createClient('ws-raw', h.options);
    client.connect();
    const ws = FakeWebSocket.last();
    ws.serverOpen();
    const welcome = JSON.stringify({ type: 'welcome', clientId: 'me', clientSecret: secretOf('me'), lastSeq: 0 });
    ws.serverSend(welcome);
    const message = JSON.stringify(msg(1, { text: 'é'.repeat(100) })); // 200 bytes of text: a 16-bit length
    ws.serverSend(message);
    const id = client.send('hi', { clientMsgId: 'k' });
    const sent = ws.sent[0]!;
    const requestHead =
      'GET /ws/raw HTTP/1.1\r\nHost: chat.test:3000\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${'x'.repeat(24)}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const responseHead = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${'x'.repeat(28)}\r\n\r\n`;
    const bytes = (text: string): number => new TextEncoder().encode(text).length;
    expect(id).toBe('k');
    expect(client.getSnapshot().counters).toMatchObject({
      headerBytesUp: requestHead.length + 2 + 4, // a masked frame head of 2 bytes plus its 4-byte key
      payloadBytesUp: bytes(sent),
      headerBytesDown: responseHead.length + 2 + 4, // the welcome (<= 125 bytes), the message (126..65535)
      payloadBytesDown: bytes(welcome) + bytes(message),
    });
    expect(client.getSnapshot().perMessage).toEqual({
      headerBytes: requestHead.length + 6 + responseHead.length + 6,
      payloadBytes: bytes(sent) + bytes(welcome) + bytes(message),
      totalBytes: requestHead.length + 6 + responseHead.length + 6 + bytes(sent) + bytes(welcome) + bytes(message),
    });
    client.close();
  });

  it('perMessage is null until a message arrives, and empty polls raise it: the cost of asking', async () => {
    const h = harness({ pollIntervalMs: 1_000 });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('short-poll', h.options);
    client.connect();
    await h.clock.advance(0);
    expect(client.getSnapshot().counters.requests).toBe(2); // the join and the first poll
    expect(client.getSnapshot().perMessage).toBeNull();
    room.post('other', 'one', null, 'ws-raw');
    await h.clock.advance(1_000);
    const first = client.getSnapshot().perMessage!;
    expect(client.getSnapshot().counters.messages).toBe(1);
    await h.clock.advance(5_000); // five empty polls
    const later = client.getSnapshot();
    expect(later.counters.requests).toBe(8);
    expect(later.perMessage!.headerBytes).toBeGreaterThan(first.headerBytes);
    expect(later.perMessage!.totalBytes).toBe(later.counters.bytesUp + later.counters.bytesDown);
    client.close();
  });
});

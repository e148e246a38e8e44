// The inspector's memory is bounded by construction (CONTRACT v2: "nothing is
// kept per closed connection beyond a fixed, small window"), a late subscriber
// still sees what is kept, and no handshake it shows carries a secret.
import type { InspectEvent, InspectFrame, InspectHandshake } from '@wirebench/transports/contract';
import { encodeFrame, encodeHeader, FrameDecoder, MessageDeflate, OPCODES, WorkQueue, WsConnection, type DeflateParams, type Frame } from '@wirebench/transports/ws';
import { zlibEngine } from '@wirebench/transports/ws/zlib';
import { constants, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Inspector, type InspectorOptions } from '../src/inspect/inspector.ts';

const utf8 = new TextEncoder();

/** An inspector on a clock that moves only when the test says so. */
function fakeClocked(options: InspectorOptions = {}) {
  const clock = { t: 1_000 };
  const inspector = new Inspector({ ...options, now: () => clock.t });
  return { inspector, clock };
}

function handshakeOf(url: string, headers: Array<[string, string]> = [['Host', '127.0.0.1:3000']]) {
  return () => ({
    request: { method: 'GET', url, httpVersion: '1.1', headers },
    response: { status: 101, headers: [['Upgrade', 'websocket'] as [string, string]] },
    accept: { key: 'dGhlIHNhbXBsZSBub25jZQ==', guid: '', concatenated: '', sha1Hex: '', accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' },
  });
}

/** Client frames as the server's decoder hands them to the inspector (masked, cut from its slab). */
function receivedFrames(payloads: Uint8Array[], opcode: number = OPCODES.TEXT): Frame[] {
  const decoder = new FrameDecoder({ role: 'server', maxPayloadBytes: 1 << 20 });
  const mask = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
  const frames: Frame[] = [];
  for (const payload of payloads) frames.push(...decoder.push(encodeFrame({ opcode, payload, mask })));
  return frames;
}

function collect(inspector: Inspector, clientId: string) {
  const events: InspectEvent[] = [];
  const unsubscribe = inspector.subscribe(clientId, (event) => events.push(event));
  return { events, unsubscribe };
}

const frames = (events: InspectEvent[]) => events.filter((e): e is InspectFrame => e.kind === 'frame');

describe('closed connections: a fixed window of the most recently closed', () => {
  it('20,000 open/close cycles leave at most closedKept records and no entry for a client with nothing left', () => {
    const { inspector, clock } = fakeClocked();
    const hello = receivedFrames([utf8.encode('{"type":"send","text":"hi"}')])[0]!;
    const ack = encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode('{"type":"ack","clientMsgId":null,"seq":1}') });
    // A client that keeps one connection open all along, to see that it stays whole.
    const steady = inspector.open('steady', handshakeOf('/ws/raw'));
    inspector.received(steady, hello);
    for (let i = 0; i < 20_000; i++) {
      clock.t++;
      // Some clients come back many times, most come once.
      const clientId = i % 10 === 0 ? `again-${i % 7}` : `once-${i}`;
      const id = inspector.open(clientId, handshakeOf(`/ws/raw?after=0&n=${i}`));
      inspector.received(id, hello);
      inspector.sent(id, ack);
      inspector.close(id, 1000, '');
      expect(inspector.connectionsKept).toBeLessThanOrEqual(32 + 1);
    }
    expect(inspector.connectionsKept).toBe(32 + 1);
    expect(inspector.clientsKept).toBeLessThanOrEqual(32 + 1);
    expect(inspector.clientsWatched).toBe(0);

    // Long gone: nothing kept, nothing replayed, and a watcher that leaves leaves nothing.
    const gone = collect(inspector, 'once-1');
    expect(gone.events).toEqual([]);
    expect(inspector.clientsWatched).toBe(1);
    gone.unsubscribe();
    expect(inspector.clientsWatched).toBe(0);
    // Unsubscribing twice must not take a later watcher of the same client with it.
    const later = collect(inspector, 'once-1');
    gone.unsubscribe();
    inspector.close(inspector.open('once-1', handshakeOf('/ws/raw')), 1000, '');
    expect(later.events.map((e) => e.kind)).toEqual(['handshake', 'close']);
    later.unsubscribe();
    expect(inspector.clientsWatched).toBe(0);

    // The most recently closed: handshake, both frames and the close.
    const recent = collect(inspector, 'once-19999');
    expect(recent.events.map((e) => e.kind)).toEqual(['handshake', 'frame', 'frame', 'close']);
    recent.unsubscribe();
    // The open one keeps its record whatever closes around it.
    expect(collect(inspector, 'steady').events.map((e) => e.kind)).toEqual(['handshake', 'frame']);

    // Once the open one closes and 32 others close after it, nothing is left of 'steady' at all.
    inspector.close(steady, 1001, 'going away');
    for (let i = 0; i < 32; i++) inspector.close(inspector.open(`late-${i}`, handshakeOf('/ws/raw')), 1000, '');
    expect(collect(inspector, 'steady').events).toEqual([]);
    expect(inspector.connectionsKept).toBe(32);
    expect(inspector.clientsKept).toBe(32);
  });

  it('keeps at most closedPerClient closed connections of one client, the latest', () => {
    const { inspector } = fakeClocked({ closedPerClient: 2 });
    const ids = Array.from({ length: 5 }, () => inspector.open('c', handshakeOf('/ws/raw')));
    for (const id of ids) inspector.close(id, 1000, `bye ${id}`);
    const replayed = collect(inspector, 'c').events.filter((e) => e.kind === 'handshake').map((e) => e.connectionId);
    expect(replayed).toEqual(ids.slice(-2));
    expect(inspector.connectionsKept).toBe(2);
  });

  it('frames and close for a connection that is no longer kept are ignored', () => {
    const { inspector } = fakeClocked({ closedKept: 1 });
    const a = inspector.open('a', handshakeOf('/ws/raw'));
    inspector.close(a, 1000, '');
    inspector.close(inspector.open('b', handshakeOf('/ws/raw')), 1000, '');
    inspector.received(a, receivedFrames([utf8.encode('late')])[0]!);
    inspector.sent(a, encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode('late') }));
    inspector.close(a, 1006, '');
    expect(inspector.connectionsKept).toBe(1);
    expect(inspector.bytesKept).toBeLessThan(200);
    expect(collect(inspector, 'a').events).toEqual([]);
  });
});

describe('one connection: a ring bounded by count and by bytes', () => {
  it('10,000 received frames of 8 KiB keep at most bytesKept bytes, the newest ones', () => {
    const { inspector, clock } = fakeClocked({ payloadKept: 4096 });
    const id = inspector.open('big', handshakeOf('/ws/raw'));
    const payload = new Uint8Array(8 * 1024).fill(0x61);
    for (let i = 0; i < 10_000; i++) {
      clock.t = 10_000 + i;
      payload[0] = 0x30 + (i % 10);
      inspector.received(id, receivedFrames([payload])[0]!);
      expect(inspector.bytesKept).toBeLessThanOrEqual(256 * 1024);
    }
    const replay = frames(collect(inspector, 'big').events);
    // Each keeps its header (4 bytes, then the 4-byte mask) and 4096 payload bytes.
    expect(replay.length).toBe(Math.floor((256 * 1024) / (4 + 4 + 4096)));
    expect(replay.at(-1)!.at).toBe(10_000 + 9_999);
    expect(replay.map((f) => f.at)).toEqual(replay.map((_, i) => 10_000 + 10_000 - replay.length + i));
    expect(replay.at(-1)).toMatchObject({ direction: 'in', payloadLength: 8192, masked: true, truncated: true, lengthForm: 16 });
    expect(replay.at(-1)!.text).toBe('9' + 'a'.repeat(4095));
  });

  it('sent frames count their bytes whether they are shared or not, and whether the payload left apart', () => {
    const { inspector } = fakeClocked({ payloadKept: 4096 });
    const ids = Array.from({ length: 10 }, (_, i) => inspector.open(`peer-${i}`, handshakeOf('/ws/raw')));
    // A broadcast encoded once and sent to every peer, as the fan-out does.
    const broadcast = encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode(`{"type":"message","text":"${'x'.repeat(7000)}"}`) });
    // A large answer that leaves as header + payload chunks.
    const answer = new Uint8Array(60_000).fill(0x62);
    const answerHeader = encodeHeader(OPCODES.BINARY, answer.length);
    for (let i = 0; i < 1_000; i++) {
      for (const id of ids) {
        inspector.sent(id, broadcast);
        inspector.sent(id, answerHeader, answer);
      }
    }
    expect(inspector.bytesKept).toBeLessThanOrEqual(10 * 256 * 1024);
    expect(inspector.bytesKept).toBeGreaterThan(9 * 256 * 1024);
    const replay = frames(collect(inspector, 'peer-3').events);
    // Each entry is cut to its header and payloadKept bytes, so this many fit.
    expect(replay.length).toBeGreaterThanOrEqual(Math.floor((256 * 1024) / (4096 + 14)));
    expect(replay.at(-1)).toMatchObject({ direction: 'out', opcode: 2, payloadLength: 60_000, lengthForm: 16, truncated: true });
    expect(replay.at(-2)).toMatchObject({ direction: 'out', opcode: 1, payloadLength: broadcast.length - 4, lengthForm: 16 });
    // A whole sent frame is cut after 14 + payloadKept bytes: its 4-byte header leaves 10 more of payload.
    expect(replay.at(-2)!.text).toBe(`{"type":"message","text":"${'x'.repeat(4096 + 10 - 26)}`);
  });

  it('keeps at most framesKept small frames, and each entry payloadKept bytes', () => {
    const { inspector, clock } = fakeClocked({ framesKept: 5, payloadKept: 100, bytesKept: 1_000 });
    const id = inspector.open('c', handshakeOf('/ws/raw'));
    for (let i = 0; i < 20; i++) {
      clock.t = i;
      inspector.received(id, receivedFrames([utf8.encode(`m${i}`)])[0]!);
    }
    expect(frames(collect(inspector, 'c').events).map((f) => f.text)).toEqual(['m15', 'm16', 'm17', 'm18', 'm19']);
    inspector.received(id, receivedFrames([new Uint8Array(5_000)])[0]!);
    inspector.sent(id, encodeFrame({ opcode: OPCODES.BINARY, payload: new Uint8Array(3_000) }));
    inspector.sent(id, encodeHeader(OPCODES.BINARY, 5_000), new Uint8Array(5_000));
    // Two small frames (2 + 4 + 3 bytes each) and three cut to 100 payload bytes (+ at most 14).
    expect(inspector.bytesKept).toBeLessThanOrEqual(2 * 9 + 3 * 114);
    expect(() => new Inspector({ payloadKept: 4096, bytesKept: 4000 })).toThrow(RangeError);
  });

  it('keeps copies: bytes changed after they were recorded do not change what is shown', () => {
    const { inspector } = fakeClocked();
    const id = inspector.open('c', handshakeOf('/ws/raw'));
    const [received] = receivedFrames([utf8.encode('as received')]);
    const sent = encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode('as sent') });
    inspector.received(id, received!);
    inspector.sent(id, sent);
    received!.payload.fill(0x3f);
    received!.headerBytes.fill(0);
    sent.fill(0x3f, 2);
    expect(frames(collect(inspector, 'c').events).map((f) => f.text)).toEqual(['as received', 'as sent']);
  });
});

describe('a late subscriber', () => {
  it('gets the handshake and recent frames of open and recently closed connections, in order, then live events', () => {
    const { inspector, clock } = fakeClocked();
    const [hello, again] = receivedFrames([utf8.encode('hello'), utf8.encode('again')]);
    const first = inspector.open('ana', handshakeOf('/ws/raw?n=1'));
    clock.t = 1_001;
    inspector.received(first, hello!);
    const other = inspector.open('ben', handshakeOf('/ws/raw?n=9'));
    inspector.received(other, again!);
    clock.t = 1_002;
    inspector.sent(first, encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode('ack 1') }));
    clock.t = 1_003;
    inspector.close(first, 1006, '');
    clock.t = 1_004;
    const second = inspector.open('ana', handshakeOf('/ws/raw?n=2'));
    clock.t = 1_005;
    inspector.received(second, again!);

    const { events, unsubscribe } = collect(inspector, 'ana');
    const shown = events.map((e) => [e.kind, e.connectionId, e.at, e.kind === 'frame' ? `${e.direction} ${e.text}` : '']);
    expect(shown).toEqual([
      ['handshake', first, 1_000, ''],
      ['frame', first, 1_001, 'in hello'],
      ['frame', first, 1_002, 'out ack 1'],
      ['close', first, 1_003, ''],
      ['handshake', second, 1_004, ''],
      ['frame', second, 1_005, 'in again'],
    ]);
    expect((events[0] as InspectHandshake).request.url).toBe('/ws/raw?n=1');

    clock.t = 1_006;
    inspector.sent(second, encodeFrame({ opcode: OPCODES.PING, payload: new Uint8Array(0) }));
    const third = inspector.open('ana', handshakeOf('/ws/raw?n=3'));
    inspector.sent(other, encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode('not for ana') }));
    expect(events.slice(6).map((e) => [e.kind, e.connectionId])).toEqual([
      ['frame', second],
      ['handshake', third],
    ]);
    unsubscribe();
    inspector.received(second, hello!);
    expect(events).toHaveLength(8);
  });
});

describe('whole frames: header and wire bytes are the frame as it crossed the wire', () => {
  const hexOf = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

  it('the longest chat frame (2,000 astral characters) is shown whole, received (masked) and sent', () => {
    const { inspector } = fakeClocked();
    const id = inspector.open('c', handshakeOf('/ws/raw'));
    const text = JSON.stringify({ type: 'send', text: '😀'.repeat(2_000), clientMsgId: 'k1' });
    const mask = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
    const wireIn = encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode(text), mask });
    const [received] = new FrameDecoder({ role: 'server', maxPayloadBytes: 1 << 20 }).push(wireIn);
    inspector.received(id, received!);
    const out = encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode(JSON.stringify({ type: 'message', text: '😀'.repeat(2_000) })) });
    inspector.sent(id, out);

    const [shownIn, shownOut] = frames(collect(inspector, 'c').events);
    expect(shownIn).toMatchObject({ truncated: false, text, masked: true, payloadLength: utf8.encode(text).length });
    expect(`${shownIn!.headerHex} ${shownIn!.wireHex}`).toBe(hexOf(wireIn));
    expect(shownIn!.payloadHex).toBe(hexOf(utf8.encode(text)));
    expect(shownOut).toMatchObject({ truncated: false, masked: false });
    expect(`${shownOut!.headerHex} ${shownOut!.wireHex}`).toBe(hexOf(out));
  });

  it('a frame longer than payloadKept says so and shows the bytes it kept', () => {
    const { inspector } = fakeClocked({ payloadKept: 100, bytesKept: 1_000 });
    const id = inspector.open('c', handshakeOf('/ws/raw'));
    inspector.sent(id, encodeFrame({ opcode: OPCODES.BINARY, payload: new Uint8Array(300).fill(0xab) }));
    const [shown] = frames(collect(inspector, 'c').events);
    expect(shown).toMatchObject({ truncated: true, payloadLength: 300, headerHex: '82 7e 01 2c' });
    // Cut after 14 + payloadKept bytes, the 4-byte header included.
    expect(shown!.wireHex).toBe(Array(110).fill('ab').join(' '));
  });

  it('a late subscriber is sent at most replayBytes of frames, the newest, and every handshake and close', () => {
    const { inspector, clock } = fakeClocked({ replayBytes: 10_000 });
    const ids: number[] = [];
    for (let c = 0; c < 3; c++) {
      const id = inspector.open('busy', handshakeOf(`/ws/raw?n=${c}`));
      ids.push(id);
      for (let i = 0; i < 10; i++) {
        clock.t++;
        inspector.sent(id, encodeFrame({ opcode: OPCODES.BINARY, payload: new Uint8Array(996) }));
      }
      if (c < 2) inspector.close(id, 1000, '');
    }
    const { events } = collect(inspector, 'busy');
    // 1,000 bytes each (4 of header): the newest ten, all of the open connection.
    expect(events.map((e) => `${e.kind} ${e.connectionId}`)).toEqual([
      `handshake ${ids[0]}`,
      `close ${ids[0]}`,
      `handshake ${ids[1]}`,
      `close ${ids[1]}`,
      `handshake ${ids[2]}`,
      ...Array(10).fill(`frame ${ids[2]}`),
    ]);
    expect(frames(events).map((f) => f.at)).toEqual(Array.from({ length: 10 }, (_, i) => clock.t - 9 + i));

    // Live frames are sent whatever the replay left out.
    inspector.sent(ids[2]!, encodeFrame({ opcode: OPCODES.BINARY, payload: new Uint8Array(996) }));
    expect(events).toHaveLength(16);
  });

  it('with the defaults, a replay stays inside the feed\'s buffer limit (4 MiB) however large the frames', () => {
    const { inspector } = fakeClocked();
    for (let c = 0; c < 4; c++) {
      const id = inspector.open('big', handshakeOf('/ws/raw'));
      for (let i = 0; i < 40; i++) inspector.sent(id, encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode('"'.repeat(40_000)) }));
      if (c < 3) inspector.close(id, 1000, '');
    }
    let feed = 0;
    inspector.subscribe('big', (event) => (feed += JSON.stringify(event).length))();
    expect(feed).toBeGreaterThan(1_000_000);
    expect(feed).toBeLessThan(4 * 1024 * 1024);
  });
});

describe('CONTRACT v2 identity: the handshake shown never carries a secret', () => {
  const secret = 'f1d2c3b4a5968778695a4b3c2d1e0f00';
  const teacherKey = 'teacher-key-0123456789abcdef';

  function shownHandshake(url: string, headers?: Array<[string, string]>): InspectHandshake {
    const { inspector } = fakeClocked();
    inspector.open('c', handshakeOf(url, headers));
    const handshake = collect(inspector, 'c').events[0] as InspectHandshake;
    expect(JSON.stringify(handshake)).not.toContain(secret);
    expect(JSON.stringify(handshake)).not.toContain(teacherKey);
    return handshake;
  }

  it.each([
    ['in the middle of the query', `/ws/raw?clientId=abc&clientSecret=${secret}&after=0`, '/ws/raw?clientId=abc&clientSecret=[redacted]&after=0'],
    ['first', `/ws/raw?clientSecret=${secret}&clientId=abc`, '/ws/raw?clientSecret=[redacted]&clientId=abc'],
    ['last', `/ws/raw?clientId=abc&clientSecret=${secret}`, '/ws/raw?clientId=abc&clientSecret=[redacted]'],
    ['twice', `/ws/raw?clientSecret=${secret}&clientSecret=${secret}`, '/ws/raw?clientSecret=[redacted]&clientSecret=[redacted]'],
    ['with a percent-encoded name', `/ws/raw?client%53ecret=${secret}&after=1`, '/ws/raw?client%53ecret=[redacted]&after=1'],
    ['with a lower-case percent-encoded name', `/ws/raw?%63%6cient%53ecret=${secret}`, '/ws/raw?%63%6cient%53ecret=[redacted]'],
    ['with a percent-encoded value', `/ws/raw?clientSecret=%66${secret.slice(1)}`, '/ws/raw?clientSecret=[redacted]'],
    ['after an empty parameter', `/ws/raw?&&clientSecret=${secret}#x`, '/ws/raw?&&clientSecret=[redacted]'],
  ])('redacts clientSecret %s', (_, url, shown) => {
    expect(shownHandshake(url).request.url).toBe(shown);
  });

  it('leaves other parameters and paths alone', () => {
    const url = '/ws/raw?clientId=abc&clientSecretary=1&myclientSecret=2&after=0';
    expect(shownHandshake(url).request.url).toBe(url);
    expect(shownHandshake('/ws/raw').request.url).toBe('/ws/raw');
  });

  it('redacts the Authorization header, keeping its scheme', () => {
    const handshake = shownHandshake('/ws/raw', [
      ['Host', '127.0.0.1:3000'],
      ['authorization', `Bearer ${teacherKey}`],
      ['Upgrade', 'websocket'],
    ]);
    expect(handshake.request.headers).toEqual([
      ['Host', '127.0.0.1:3000'],
      ['authorization', 'Bearer [redacted]'],
      ['Upgrade', 'websocket'],
    ]);
    expect(shownHandshake('/ws/raw', [['Authorization', teacherKey]]).request.headers).toEqual([['Authorization', '[redacted]']]);
  });

  it('redacts what a subscriber already watching sees on open', () => {
    const { inspector } = fakeClocked();
    const { events } = collect(inspector, 'c');
    inspector.open('c', handshakeOf(`/ws/raw?clientSecret=${secret}`, [['Authorization', `Bearer ${teacherKey}`]]));
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(JSON.stringify(events)).not.toContain(teacherKey);
  });
});

describe('RFC 7692: a compressed frame shows RSV1, its compressed payload and what it inflated to', () => {
  const TAKEOVER: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 12, clientMaxWindowBits: 12 };
  const queue = new WorkQueue(4);
  const fromHex = (h: string) => new Uint8Array(h === '' ? [] : h.split(' ').map((b) => parseInt(b, 16)));
  /** What a browser would get back from the payload it sees: RFC 7692 7.2.2, the tail appended. */
  const inflate = (h: string) => new Uint8Array(inflateRawSync(new Uint8Array([...fromHex(h), 0x00, 0x00, 0xff, 0xff]), { finishFlush: constants.Z_SYNC_FLUSH }));

  /** A server connection wired to the inspector the way ws-raw.ts wires its chat sockets, and a compressing client. */
  function wired(inspector: Inspector, options: { secret?: string; engine?: typeof zlibEngine } = {}) {
    const id = inspector.open('c', handshakeOf('/ws/raw?compress=1'), options.secret);
    const engine = options.engine ?? zlibEngine;
    const server: WsConnection = new WsConnection({
      role: 'server',
      maxMessageBytes: 1 << 20,
      deflate: new MessageDeflate(TAKEOVER, 'server', engine, queue),
      onFrame: (frame) => inspector.received(id, frame),
      onSent: (encoded, payload, plain) => inspector.sent(id, encoded, payload, plain),
      onInflated: (frame, inflated) => inspector.inflated(id, frame, inflated),
    });
    const client = new WsConnection({ role: 'client', deflate: new MessageDeflate(TAKEOVER, 'client', zlibEngine, queue) });
    /** Nothing is being compressed or inflated any more (zlib answers from its thread pool). */
    const settled = () => until(() => server.pendingSendBytes === 0 && !server.inflating);
    return { id, server, client, settled };
  }

  /** Until `cond` holds (zlib answers from its thread pool), at most 5 s. */
  async function until(cond: () => boolean): Promise<void> {
    const end = Date.now() + 5_000;
    while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
    expect(cond()).toBe(true);
  }

  it('a received compressed frame is shown once, after inflating: RSV1, the masked compressed bytes, the inflated text', async () => {
    const { inspector } = fakeClocked();
    const live = collect(inspector, 'c');
    const { server, client } = wired(inspector);
    const text = JSON.stringify({ type: 'send', text: '你好 '.repeat(40), clientMsgId: 'k-1' });
    client.sendText(text);
    const events: string[] = [];
    await until(() => {
      for (const chunk of client.dataToSend()) server.receiveData(chunk);
      for (const e of server.events()) events.push(e.type);
      return events.includes('text');
    });
    const shown = frames(live.events);
    expect(shown).toHaveLength(1);
    const f = shown[0]!;
    expect(f).toMatchObject({ direction: 'in', rsv: [true, false, false], compressed: true, masked: true, opcode: 1, inflatedLength: utf8.encode(text).length });
    expect(f.payloadLength).toBeLessThan(utf8.encode(text).length / 3);
    // Both payloads are true: the one on the wire inflates to the one shown, and that is the text.
    expect(inflate(f.payloadHex)).toEqual(utf8.encode(text));
    expect(fromHex(f.inflatedHex!)).toEqual(utf8.encode(text));
    expect(f.text).toBe(text);
    // The wire bytes are the payload masked (copy as hex gives the frame as it crossed the wire).
    const mask = fromHex(f.maskKeyHex!);
    expect(fromHex(f.wireHex).map((b, i) => b ^ mask[i % 4]!)).toEqual(fromHex(f.payloadHex));
    // A late subscriber sees the same frame, once.
    expect(frames(collect(inspector, 'c').events)).toEqual(shown);
    live.unsubscribe();
  });

  it('a sent compressed message shows the compressed payload and the message it came from, context takeover and all', async () => {
    const { inspector } = fakeClocked();
    const { server, settled } = wired(inspector);
    const message = JSON.stringify({ type: 'message', seq: 7, name: '老师', text: 'the same words again and again', via: 'ws-raw' });
    server.sendText(message);
    server.sendText(message);
    await settled();
    const shown = frames(collect(inspector, 'c').events);
    expect(shown).toHaveLength(2);
    for (const f of shown) {
      expect(f).toMatchObject({ direction: 'out', rsv: [true, false, false], compressed: true, masked: false, text: message, inflatedLength: utf8.encode(message).length });
      expect(fromHex(f.inflatedHex!)).toEqual(utf8.encode(message));
      expect(f.wireHex).toBe(f.payloadHex);
    }
    // The second one refers back to the first (context takeover): far fewer bytes on the wire.
    expect(shown[1]!.payloadLength).toBeLessThan(shown[0]!.payloadLength / 2);
    expect(inflate(shown[0]!.payloadHex)).toEqual(utf8.encode(message));
  });

  it('plain frames on the same connection stay as they were: no compressed flag, no inflated payload', async () => {
    const { inspector } = fakeClocked();
    const { server, settled } = wired(inspector);
    server.ping(utf8.encode('hi'));
    server.receiveData(encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode('plain'), mask: new Uint8Array([1, 2, 3, 4]) }));
    await settled();
    const shown = frames(collect(inspector, 'c').events);
    expect(shown.map((f) => [f.opcodeName, f.rsv[0], f.compressed, f.inflatedHex, f.text])).toEqual([
      ['PING', false, undefined, undefined, undefined],
      ['TEXT', false, undefined, undefined, 'plain'],
    ]);
  });

  it('a frame that does not inflate is shown at the close, compressed bytes only', async () => {
    const { inspector } = fakeClocked();
    const live = collect(inspector, 'c');
    const { id, server, settled } = wired(inspector);
    // RSV1 on a text frame whose payload is no DEFLATE data (BTYPE 11 is reserved).
    server.receiveData(encodeFrame({ opcode: OPCODES.TEXT, payload: new Uint8Array([0xff, 0xff, 0xff]), mask: new Uint8Array([1, 2, 3, 4]) }).map((b, i) => (i === 0 ? b | 0x40 : b)));
    await settled();
    expect(server.events().at(-1)).toMatchObject({ type: 'close', code: 1007 });
    expect(frames(live.events).filter((f) => f.direction === 'in')).toEqual([]);
    inspector.close(id, 1007, '');
    const received = frames(live.events).filter((f) => f.direction === 'in');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ rsv: [true, false, false], compressed: true, payloadHex: 'ff ff ff' });
    expect(received[0]!.inflatedHex).toBeUndefined();
    expect(live.events.at(-1)).toMatchObject({ kind: 'close' });
  });

  it('the secret in a compressed welcome: stars in the inflated payload, and the compressed bytes, which would inflate to it, are not shown', async () => {
    const secret = 'cs-0123456789abcdef0123456789abcdef';
    const { inspector } = fakeClocked();
    const { server, settled } = wired(inspector, { secret });
    const welcome = JSON.stringify({ type: 'welcome', clientId: 'c', clientSecret: secret, name: 'Ada' });
    server.sendText(welcome);
    await settled();
    const [f] = frames(collect(inspector, 'c').events);
    expect(JSON.stringify(f)).not.toContain(secret);
    expect(f!.text).toBe(welcome.replace(secret, '*'.repeat(secret.length)));
    expect(fromHex(f!.payloadHex).every((b) => b === 0x2a)).toBe(true);
    expect(f!.payloadLength).toBe(fromHex(f!.payloadHex).length);
    expect(new TextDecoder().decode(fromHex(f!.inflatedHex!))).not.toContain(secret);
  });

  it('inflated copies count against bytesKept: 2,000 compressed frames of 16 KiB keep at most 256 KiB', async () => {
    const { inspector } = fakeClocked();
    const { id } = wired(inspector);
    const plain = new Uint8Array(16 * 1024).fill(0x61);
    const compressed = new Uint8Array(40).fill(0x4b);
    for (let i = 0; i < 2_000; i++) {
      inspector.sent(id, encodeFrame({ opcode: OPCODES.TEXT, payload: compressed }).map((b, j) => (j === 0 ? b | 0x40 : b)), undefined, plain);
      expect(inspector.bytesKept).toBeLessThanOrEqual(256 * 1024);
    }
    const shown = frames(collect(inspector, 'c').events);
    // Each keeps its 2-byte header, 40 compressed bytes and 16 KiB inflated.
    expect(shown).toHaveLength(Math.floor((256 * 1024) / (2 + 40 + 16 * 1024)));
    expect(shown.at(-1)).toMatchObject({ compressed: true, inflatedLength: 16 * 1024 });
    expect(() => new Inspector({ payloadKept: 4096, bytesKept: 4096 + 14 })).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import {
  CONNECTION_STATES,
  TRANSITIONS,
  TRANSITION_EVENTS,
  WsConnection,
  nextState,
  type TransitionEvent,
  type WsConnectionOptions,
  type WsEvent,
} from '../../src/ws/connection.ts';
import type { WsErrorCode } from '../../src/ws/errors.ts';
import { encodeFrame } from '../../src/ws/encoder.ts';
import type { Frame } from '../../src/ws/frame.ts';
import { bytewise, clientFrame, concatBytes, hex, randomChunks, seeded, toHex, utf8 } from './helpers.ts';

function server(options: Partial<WsConnectionOptions> = {}): WsConnection {
  return new WsConnection({ role: 'server', ...options });
}

/** Events as plain data: bytes as hex, errors as their codes. */
function plain(events: WsEvent[]) {
  return events.map((e) => {
    if (e.type === 'error') return { type: 'error', code: e.error.code, closeCode: e.error.closeCode };
    if (e.type === 'text' || e.type === 'close') return e;
    return { type: e.type, data: toHex(e.data) };
  });
}

interface Outcome {
  events: ReturnType<typeof plain>;
  sent: string[];
  state: string;
  closeExpected: boolean;
}

function feed(chunks: Uint8Array[], options: Partial<WsConnectionOptions> = {}): Outcome {
  const conn = server(options);
  const events: WsEvent[] = [];
  const sent: string[] = [];
  for (const chunk of chunks) {
    conn.receiveData(chunk);
    // An application takes events until there are none (a failure may wait for the first batch).
    for (let batch = conn.events(); batch.length > 0; batch = conn.events()) events.push(...batch);
    sent.push(...conn.dataToSend().map(toHex));
  }
  return { events: plain(events), sent, state: conn.state, closeExpected: conn.closeExpected() };
}

/** Feeds the bytes whole, one byte at a time and in random chunkings; asserts that all agree. */
function feedEveryWay(bytes: Uint8Array, options: Partial<WsConnectionOptions> = {}): Outcome {
  const whole = feed([bytes], options);
  expect(feed(bytewise(bytes), options)).toEqual(whole);
  const random = seeded(bytes.length + 1);
  for (let i = 0; i < 10; i++) expect(feed(randomChunks(bytes, random, 2 + i * 5), options)).toEqual(whole);
  return whole;
}

function expectFailure(bytes: Uint8Array, code: WsErrorCode, closeCode: number, options: Partial<WsConnectionOptions> = {}): Outcome {
  const out = feedEveryWay(bytes, options);
  const tail = out.events.slice(-2);
  expect(tail[0]).toEqual({ type: 'error', code, closeCode });
  expect(tail[1]).toMatchObject({ type: 'close', code: closeCode });
  expect(out.events.filter((e) => e.type === 'error')).toHaveLength(1);
  // 7.1.7 the failing side sends a close frame with the code, then ends TCP.
  const lastSent = hex(out.sent[out.sent.length - 1]!);
  expect(lastSent[0]).toBe(0x88);
  expect((lastSent[2]! << 8) | lastSent[3]!).toBe(closeCode);
  expect(out.state).toBe('CLOSED');
  expect(out.closeExpected).toBe(true);
  return out;
}

const text = (s: string, fin = true) => clientFrame(fin ? 0x81 : 0x01, utf8(s));
const cont = (payload: Uint8Array, fin = true) => clientFrame(fin ? 0x80 : 0x00, payload);
const textBytes = (payload: Uint8Array, fin = true) => clientFrame(fin ? 0x81 : 0x01, payload);

describe('6.2 receiving data', () => {
  it('5.7 a single-frame masked text message', () => {
    const out = feedEveryWay(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(out.events).toEqual([{ type: 'text', data: 'Hello' }]);
    expect(out.sent).toEqual([]);
    expect(out.state).toBe('OPEN');
  });

  it('5.4 a fragmented message with a ping in the middle', () => {
    const bytes = concatBytes(text('Hel', false), clientFrame(0x89, utf8('hb')), cont(utf8('l'), false), cont(utf8('o')));
    const out = feedEveryWay(bytes);
    expect(out.events).toEqual([
      { type: 'ping', data: '68 62' },
      { type: 'text', data: 'Hello' },
    ]);
    // 5.4 "Control frames MAY be injected in the middle of a fragmented message"; its pong goes out at once.
    expect(out.sent).toEqual(['8a 02 68 62']);
  });

  it('5.4 a fragmented binary message with empty fragments', () => {
    const out = feedEveryWay(concatBytes(clientFrame(0x02, hex('01 02')), cont(new Uint8Array(0), false), cont(hex('03'))));
    expect(out.events).toEqual([{ type: 'binary', data: '01 02 03' }]);
  });

  it('8.1 a code point split across fragments is reassembled', () => {
    const out = feedEveryWay(concatBytes(textBytes(hex('f0 9f'), false), cont(hex('98 80'))));
    expect(out.events).toEqual([{ type: 'text', data: '😀' }]);
  });

  it('100 frames in one chunk', () => {
    const bytes = concatBytes(...Array.from({ length: 100 }, (_, i) => (i % 2 ? text(`t${i}`) : clientFrame(0x82, new Uint8Array([i])))));
    const out = feedEveryWay(bytes);
    expect(out.events).toHaveLength(100);
    expect(out.events[1]).toEqual({ type: 'text', data: 't1' });
    expect(out.events[98]).toEqual({ type: 'binary', data: '62' });
  });

  it('1 MiB messages: one frame and 16 fragments, text and binary', () => {
    const big = 'é'.repeat(512 * 1024); // 1 MiB of UTF-8
    const bin = Uint8Array.from({ length: 1 << 20 }, (_, i) => i & 0xff);
    const conn = server();
    conn.receiveData(text(big));
    conn.receiveData(clientFrame(0x82, bin));
    const bigBytes = utf8(big);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 16; i++) {
      const piece = bigBytes.subarray(i * 65536, (i + 1) * 65536);
      parts.push(i === 0 ? textBytes(piece, false) : cont(piece, i === 15));
    }
    for (const chunk of randomChunks(concatBytes(...parts), seeded(3), 40_000)) conn.receiveData(chunk);
    const events = conn.events();
    expect(events).toHaveLength(3);
    expect(events[0]).toEqual({ type: 'text', data: big });
    expect(events[1]!.type).toBe('binary');
    // Compared as one buffer: an element-by-element deep equality of 1 MiB takes seconds.
    expect(Buffer.compare((events[1] as { data: Uint8Array }).data, bin)).toBe(0);
    expect(events[2]).toEqual({ type: 'text', data: big });
  });

  it('5.5.2 a ping is answered with a pong of the same payload', () => {
    const out = feedEveryWay(hex('89 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(out.events).toEqual([{ type: 'ping', data: '48 65 6c 6c 6f' }]);
    expect(out.sent).toEqual(['8a 05 48 65 6c 6c 6f']);
  });

  it('5.5.3 an unsolicited pong is surfaced and not answered', () => {
    const out = feedEveryWay(clientFrame(0x8a, utf8('beat')));
    expect(out.events).toEqual([{ type: 'pong', data: '62 65 61 74' }]);
    expect(out.sent).toEqual([]);
  });
});

describe('5.1 sending', () => {
  it('a server sends unmasked frames', () => {
    const conn = server();
    conn.sendText('Hello');
    conn.sendBinary(hex('01 02'));
    conn.ping(utf8('p'));
    conn.pong();
    expect(conn.dataToSend().map(toHex)).toEqual(['81 05 48 65 6c 6c 6f', '82 02 01 02', '89 01 70', '8a 00']);
    expect(conn.dataToSend()).toEqual([]);
  });

  it('5.3 a client masks with the injected key generator', () => {
    const conn = new WsConnection({ role: 'client', generateMask: () => hex('37 fa 21 3d') });
    conn.sendText('Hello');
    expect(conn.dataToSend().map(toHex)).toEqual(['81 85 37 fa 21 3d 7f 9f 4d 51 58']);
    // A client decodes unmasked server frames.
    conn.receiveData(hex('81 05 48 65 6c 6c 6f'));
    expect(conn.events()).toEqual([{ type: 'text', data: 'Hello' }]);
  });

  it('sendFrameBytes queues the very same bytes (a broadcast encoded once)', () => {
    const frame = encodeFrame({ opcode: 0x1, payload: utf8('all') });
    const a = server();
    const b = server();
    a.sendFrameBytes(frame);
    b.sendFrameBytes(frame);
    expect(a.dataToSend()[0]).toBe(frame);
    expect(b.dataToSend()[0]).toBe(frame);
  });

  it('onFrame sees frames in and out', () => {
    const seen: Array<[string, number, string]> = [];
    const conn = server({ onFrame: (f: Frame, dir) => seen.push([dir, f.opcode, new TextDecoder().decode(f.payload)]) });
    conn.receiveData(text('hi'));
    conn.sendText('yo');
    conn.sendFrameBytes(encodeFrame({ opcode: 0x2, payload: utf8('b') }));
    expect(seen).toEqual([
      ['in', 1, 'hi'],
      ['out', 1, 'yo'],
      ['out', 2, 'b'],
    ]);
  });

  it('rejects close codes that may not be sent and over-long control payloads', () => {
    const conn = server();
    expect(() => conn.close(1005)).toThrow(RangeError);
    expect(() => conn.close(1000, 'x'.repeat(124))).toThrow(RangeError);
    expect(() => conn.ping(new Uint8Array(126))).toThrow(RangeError);
    expect(conn.state).toBe('OPEN');
  });
});

describe('7.1 closing handshake', () => {
  it('5.5.1 the peer closes: the server echoes the code and then ends TCP', () => {
    const out = feedEveryWay(clientFrame(0x88, concatBytes(hex('03 e8'), utf8('bye'))));
    expect(out.events).toEqual([{ type: 'close', code: 1000, reason: 'bye' }]);
    expect(out.sent).toEqual(['88 02 03 e8']);
    expect(out.state).toBe('CLOSED');
    expect(out.closeExpected).toBe(true);
  });

  it('5.5.1 an empty close is answered with an empty close; the code reads 1005', () => {
    const out = feedEveryWay(clientFrame(0x88, new Uint8Array(0)));
    expect(out.events).toEqual([{ type: 'close', code: 1005, reason: '' }]);
    expect(out.sent).toEqual(['88 00']);
  });

  it('7.1.2 this side closes: CLOSING until the peer answers, then CLOSED', () => {
    const conn = server();
    conn.close(1001, 'going');
    expect(conn.state).toBe('CLOSING');
    expect(conn.closeExpected()).toBe(false);
    expect(conn.dataToSend().map(toHex)).toEqual(['88 07 03 e9 67 6f 69 6e 67']);
    // Data sent by the peer before it saw our close is still delivered; a ping is not answered.
    conn.receiveData(concatBytes(text('late'), clientFrame(0x89, utf8('p'))));
    conn.close(); // a second close is a no-op
    conn.sendText('nothing after close');
    expect(conn.dataToSend()).toEqual([]);
    conn.receiveData(clientFrame(0x88, hex('03 e9')));
    expect(conn.events()).toEqual([
      { type: 'text', data: 'late' },
      { type: 'ping', data: utf8('p') },
      { type: 'close', code: 1001, reason: '' },
    ]);
    expect(conn.dataToSend()).toEqual([]);
    expect(conn.state).toBe('CLOSED');
    expect(conn.closeExpected()).toBe(true);
    expect(conn.closeCode).toBe(1001);
  });

  it('7.1.1 a client waits for the server to end TCP after a clean close', () => {
    const conn = new WsConnection({ role: 'client', generateMask: () => hex('00 00 00 00') });
    conn.close();
    expect(toHex(conn.dataToSend()[0]!)).toBe('88 82 00 00 00 00 03 e8');
    conn.receiveData(hex('88 02 03 e8'));
    expect(conn.state).toBe('CLOSED');
    expect(conn.closeExpected()).toBe(false);
    conn.receiveEof();
    expect(conn.closeExpected()).toBe(true);
    expect(conn.events()).toEqual([{ type: 'close', code: 1000, reason: '' }]);
  });

  it('7.1.5 EOF while OPEN gives close 1006', () => {
    const conn = server();
    conn.receiveData(text('partial').subarray(0, 5));
    conn.receiveEof();
    expect(conn.events()).toEqual([{ type: 'close', code: 1006, reason: '' }]);
    expect(conn.state).toBe('CLOSED');
    expect(conn.closeExpected()).toBe(true);
    conn.receiveEof();
    conn.receiveData(text('after'));
    expect(conn.events()).toEqual([]);
  });

  it('1.4 data after a close frame is not processed, even in the same chunk', () => {
    const out = feedEveryWay(concatBytes(clientFrame(0x88, hex('03 e8')), text('ignored'), hex('ff ff ff')));
    expect(out.events).toEqual([{ type: 'close', code: 1000, reason: '' }]);
    expect(out.sent).toEqual(['88 02 03 e8']);
  });

  it('1.4 a ping after a close frame is not answered', () => {
    const out = feedEveryWay(concatBytes(clientFrame(0x88, new Uint8Array(0)), clientFrame(0x89, utf8('x'))));
    expect(out.events).toEqual([{ type: 'close', code: 1005, reason: '' }]);
    expect(out.sent).toEqual(['88 00']);
  });

  it('a hook that throws on our close frame: a later failure sends no second close frame', () => {
    const conn = server({
      onSent: (bytes) => {
        if (bytes[0] === 0x88) throw new Error('broken hook');
      },
    });
    expect(() => conn.close(1001)).toThrow('broken hook');
    expect(conn.state).toBe('CLOSING');
    conn.receiveData(clientFrame(0xc1, utf8('x')));
    expect(conn.events().map((e) => e.type)).toEqual(['error', 'close']);
    // 5.5.1 "After sending a Close frame, the endpoint MUST NOT send any further data frames."
    expect(conn.dataToSend().map(toHex)).toEqual(['88 02 03 e9']);
  });
});

describe('TRANSITIONS binds the connection', () => {
  it('every state × event has exactly one row, and every row leads to a state', () => {
    for (const state of CONNECTION_STATES) {
      for (const event of TRANSITION_EVENTS) {
        expect(TRANSITIONS.filter((t) => t.from === state && t.event === event), `${state} × ${event}`).toHaveLength(1);
      }
    }
    expect(TRANSITIONS).toHaveLength(CONNECTION_STATES.length * TRANSITION_EVENTS.length);
    for (const t of TRANSITIONS) expect(CONNECTION_STATES).toContain(t.to);
  });

  it('nextState reads the table and throws on a pair it does not have', () => {
    for (const t of TRANSITIONS) expect(nextState(t.from, t.event)).toBe(t.to);
    expect(() => nextState('OPEN', 'upgrade' as TransitionEvent)).toThrow('TRANSITIONS has no row for upgrade in OPEN');
  });

  it('the closing handshake as the table draws it', () => {
    expect(nextState('OPEN', 'local close')).toBe('CLOSING');
    expect(nextState('OPEN', 'peer close')).toBe('CLOSED');
    expect(nextState('CLOSING', 'peer close')).toBe('CLOSED');
    expect(nextState('OPEN', 'protocol error')).toBe('CLOSED');
    expect(nextState('CLOSING', 'eof')).toBe('CLOSED');
    expect(TRANSITIONS.filter((t) => t.from === 'CLOSED').every((t) => t.to === 'CLOSED' && t.action === 'ignore')).toBe(true);
  });

  // Each way into CLOSED, then every event the table names: nothing happens ("ignore").
  const intoClosed: Array<[string, (c: WsConnection) => void]> = [
    ['by the closing handshake', (c) => c.receiveData(clientFrame(0x88, hex('03 e8')))],
    ['by a failure', (c) => c.receiveData(clientFrame(0xc1, utf8('x')))],
    ['by EOF', (c) => c.receiveEof()],
    ['by our close, then the peer\'s', (c) => (c.close(), c.receiveData(clientFrame(0x88, hex('03 e8'))))],
  ];
  const everyEvent: Record<TransitionEvent, (c: WsConnection) => void> = {
    'data frame': (c) => c.receiveData(text('after')),
    ping: (c) => c.receiveData(clientFrame(0x89, utf8('p'))),
    pong: (c) => c.receiveData(clientFrame(0x8a, utf8('p'))),
    'local close': (c) => c.close(),
    'peer close': (c) => c.receiveData(clientFrame(0x88, hex('03 e8'))),
    'protocol error': (c) => c.receiveData(hex('ff ff ff')),
    eof: (c) => c.receiveEof(),
  };
  it.each(intoClosed)('CLOSED %s ignores every event', (_how, close) => {
    const conn = server();
    close(conn);
    expect(conn.state).toBe('CLOSED');
    const closedWith = conn.events().at(-1);
    conn.dataToSend();
    for (const event of TRANSITION_EVENTS) {
      everyEvent[event](conn);
      expect(conn.state, event).toBe('CLOSED');
      expect(conn.events(), event).toEqual([]);
      expect(conn.dataToSend(), event).toEqual([]);
    }
    expect(closedWith).toMatchObject({ type: 'close', code: conn.closeCode });
  });

  it('the state a peer sees change is the table\'s, event by event', () => {
    const conn = server();
    const seen: string[] = [];
    const step = (event: TransitionEvent, act: () => void) => {
      const from = conn.state;
      act();
      seen.push(`${from} ${event} ${conn.state}`);
      expect(conn.state).toBe(nextState(from, event));
    };
    step('data frame', () => conn.receiveData(text('a')));
    step('ping', () => conn.receiveData(clientFrame(0x89, utf8('p'))));
    step('pong', () => conn.receiveData(clientFrame(0x8a, utf8('p'))));
    step('local close', () => conn.close());
    step('data frame', () => conn.receiveData(text('b')));
    step('ping', () => conn.receiveData(clientFrame(0x89, utf8('p'))));
    step('local close', () => conn.close());
    step('peer close', () => conn.receiveData(clientFrame(0x88, hex('03 e8'))));
    expect(seen).toEqual([
      'OPEN data frame OPEN',
      'OPEN ping OPEN',
      'OPEN pong OPEN',
      'OPEN local close CLOSING',
      'CLOSING data frame CLOSING',
      'CLOSING ping CLOSING',
      'CLOSING local close CLOSING',
      'CLOSING peer close CLOSED',
    ]);
  });
});

describe('protocol violations fail the connection with the RFC close code', () => {
  it('5.2 RSV1 set: 1002', () => void expectFailure(clientFrame(0xc1, utf8('x')), 'WS_ERR_RESERVED_BITS', 1002));

  it.each([3, 4, 5, 6, 7, 11, 12, 13, 14, 15])('5.2 reserved opcode %i: 1002', (op) =>
    void expectFailure(clientFrame(0x80 | op, utf8('x')), 'WS_ERR_RESERVED_OPCODE', 1002),
  );

  it('5.1 an unmasked client frame: 1002', () => void expectFailure(hex('81 05 48 65 6c 6c 6f'), 'WS_ERR_UNMASKED_FRAME', 1002));

  it('5.1 a masked server frame seen by a client: 1002', () => {
    const conn = new WsConnection({ role: 'client', generateMask: () => hex('01 02 03 04') });
    conn.receiveData(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    const [error] = conn.events();
    expect(error).toMatchObject({ type: 'error', error: { code: 'WS_ERR_MASKED_SERVER_FRAME', closeCode: 1002 } });
    expect(conn.closeExpected()).toBe(true);
    // The client's own close frame is masked.
    expect(conn.dataToSend()[0]![1]! & 0x80).toBe(0x80);
  });

  it('5.5 a control frame over 125 bytes: 1002', () =>
    void expectFailure(clientFrame(0x89, new Uint8Array(126)), 'WS_ERR_CONTROL_TOO_LONG', 1002));

  it('5.5 a fragmented control frame: 1002', () => void expectFailure(clientFrame(0x09, utf8('x')), 'WS_ERR_FRAGMENTED_CONTROL', 1002));

  it('5.4 a continuation with no message open (FIN=1): 1002', () =>
    void expectFailure(cont(utf8('x')), 'WS_ERR_UNEXPECTED_CONTINUATION', 1002));

  it('5.4 a continuation with no message open (FIN=0): 1002', () =>
    void expectFailure(cont(utf8('x'), false), 'WS_ERR_UNEXPECTED_CONTINUATION', 1002));

  it('5.4 a continuation after a finished message: 1002', () => {
    const out = expectFailure(concatBytes(text('done'), cont(utf8('x'))), 'WS_ERR_UNEXPECTED_CONTINUATION', 1002);
    expect(out.events[0]).toEqual({ type: 'text', data: 'done' });
  });

  it('5.4 a new data frame while a message is open: 1002', () =>
    void expectFailure(concatBytes(text('a', false), clientFrame(0x82, utf8('b'))), 'WS_ERR_EXPECTED_CONTINUATION', 1002));

  it('5.2 a 64-bit length with the top bit set: 1002', () =>
    void expectFailure(hex('82 ff 80 00 00 00 00 00 00 00'), 'WS_ERR_LENGTH_TOO_LARGE', 1002));

  it('10.4 a header announcing 2^40 bytes: 1009 before any payload arrives', () => {
    const conn = server();
    const header = hex('82 ff 00 00 01 00 00 00 00 00');
    conn.receiveData(header.subarray(0, 9));
    expect(conn.events()).toEqual([]);
    conn.receiveData(header.subarray(9));
    const events = conn.events();
    expect(events[0]).toMatchObject({ type: 'error', error: { code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 } });
    expect(conn.bufferedBytes).toBe(0);
    expect(toHex(conn.dataToSend()[0]!.subarray(0, 4))).toBe('88 11 03 f1');
    expectFailure(header, 'WS_ERR_MESSAGE_TOO_BIG', 1009);
  });

  it('10.4 a single frame one byte over maxMessageBytes: 1009; exactly at the limit is fine', () => {
    expect(feedEveryWay(clientFrame(0x82, new Uint8Array(10)), { maxMessageBytes: 10 }).events).toHaveLength(1);
    expectFailure(clientFrame(0x82, new Uint8Array(11)), 'WS_ERR_MESSAGE_TOO_BIG', 1009, { maxMessageBytes: 10 });
  });

  it('10.4 reassembled fragments over maxMessageBytes: 1009, decided from the last header', () => {
    const bytes = concatBytes(clientFrame(0x02, new Uint8Array(6)), cont(new Uint8Array(5)));
    expectFailure(bytes, 'WS_ERR_MESSAGE_TOO_BIG', 1009, { maxMessageBytes: 10 });
    const conn = server({ maxMessageBytes: 10 });
    // Only the second frame's header (2 bytes): the failure comes before its mask key and payload.
    conn.receiveData(bytes.subarray(0, 12 + 2));
    expect(conn.events()[0]).toMatchObject({ type: 'error', error: { code: 'WS_ERR_MESSAGE_TOO_BIG' } });
  });

  describe('8.1 invalid UTF-8 in a text message: 1007', () => {
    it.each([
      ['overlong', hex('c0 af')],
      ['surrogate', hex('ed a0 80')],
      ['above U+10FFFF', hex('f4 90 80 80')],
      ['lone continuation', hex('41 80 41')],
      ['FE', hex('fe')],
      ['FF', hex('ff')],
      ['truncated at the end of the message', hex('41 e2 82')],
    ])('%s', (_name, payload) => void expectFailure(textBytes(payload), 'WS_ERR_INVALID_UTF8', 1007));

    it('invalid in the first, unfinished fragment: fails before FIN arrives', () => {
      const out = expectFailure(textBytes(hex('41 ff'), false), 'WS_ERR_INVALID_UTF8', 1007);
      expect(out.events).toHaveLength(2);
    });

    it('a code point split across fragments, then invalid', () =>
      void expectFailure(concatBytes(textBytes(hex('f0 9f'), false), cont(hex('98 41'))), 'WS_ERR_INVALID_UTF8', 1007));

    it('truncated at the end of a fragmented message', () =>
      void expectFailure(concatBytes(textBytes(hex('41'), false), cont(hex('e2 82'))), 'WS_ERR_INVALID_UTF8', 1007));

    it('binary messages are not checked', () => {
      expect(feedEveryWay(clientFrame(0x82, hex('ff fe'))).events).toEqual([{ type: 'binary', data: 'ff fe' }]);
    });
  });

  it('5.5.1 a close frame with a 1-byte payload: 1002', () =>
    void expectFailure(clientFrame(0x88, hex('03')), 'WS_ERR_CLOSE_PAYLOAD_ONE_BYTE', 1002));

  it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])('7.4 close code %i on the wire: 1002', (code) =>
    void expectFailure(clientFrame(0x88, new Uint8Array([code >> 8, code & 0xff])), 'WS_ERR_INVALID_CLOSE_CODE', 1002),
  );

  it.each([1000, 1003, 1007, 1014, 3000, 4999])('7.4 close code %i is accepted and echoed', (code) => {
    const out = feedEveryWay(clientFrame(0x88, new Uint8Array([code >> 8, code & 0xff])));
    expect(out.events).toEqual([{ type: 'close', code, reason: '' }]);
  });

  it('5.5.1 a close reason that is not UTF-8: 1007', () =>
    void expectFailure(clientFrame(0x88, hex('03 e8 ff')), 'WS_ERR_INVALID_CLOSE_REASON', 1007));

  it('input after a failure is ignored, and the close frame is sent once', () => {
    const conn = server();
    conn.receiveData(hex('81 05 48 65 6c 6c 6f'));
    conn.receiveData(clientFrame(0x89, utf8('x')));
    conn.receiveEof();
    expect(conn.events().map((e) => e.type)).toEqual(['error', 'close']);
    expect(conn.dataToSend()).toHaveLength(1);
    expect(conn.closeCode).toBe(1002);
  });

  it('a failure while CLOSING sends no second close frame', () => {
    const conn = server();
    conn.close();
    conn.dataToSend();
    conn.receiveData(clientFrame(0xc1, utf8('x')));
    expect(conn.events().map((e) => e.type)).toEqual(['error', 'close']);
    expect(conn.dataToSend()).toEqual([]);
    expect(conn.state).toBe('CLOSED');
  });

  it('an exception that is not a protocol error becomes 1011 with no details', () => {
    const conn = server({
      onFrame: () => {
        throw new Error('secret internals');
      },
    });
    conn.receiveData(text('x'));
    const [error, close] = conn.events();
    expect(error).toMatchObject({ type: 'error', error: { code: 'WS_ERR_INTERNAL', closeCode: 1011 } });
    expect(close).toEqual({ type: 'close', code: 1011, reason: 'internal error' });
    expect(new TextDecoder().decode(conn.dataToSend()[0]!)).not.toContain('secret');
  });
});

describe('7.1.7 a failure after valid messages in the same read', () => {
  for (const [name, bad] of [
    ['RSV bit', clientFrame(0x91, utf8('bad'))],
    ['reserved opcode', clientFrame(0x85, utf8('x'))],
  ] as const) {
    it(`delivers the earlier message and lets its answer go out before the close (${name})`, () => {
      const conn = server();
      conn.receiveData(concatBytes(text("first"), bad, clientFrame(0x89, new Uint8Array(0))));
      expect(plain(conn.events())).toEqual([{ type: 'text', data: 'first' }]);
      expect(conn.state).toBe('OPEN');
      conn.sendText('echo: first');
      const failure = plain(conn.events());
      expect(failure.map((e) => e.type)).toEqual(['error', 'close']);
      const sent = conn.dataToSend().map((b) => hex(toHex(b)));
      expect(sent.map((b) => b[0])).toEqual([0x81, 0x88]);
      expect((sent[1]![2]! << 8) | sent[1]![3]!).toBe(1002);
      expect(conn.state).toBe('CLOSED');
      expect(conn.closeExpected()).toBe(true);
    });
  }

  it('fails at once when nothing valid is waiting', () => {
    const conn = server();
    conn.receiveData(clientFrame(0x91, utf8('bad')));
    expect(plain(conn.events()).map((e) => e.type)).toEqual(['error', 'close']);
  });
});

describe('5.6 text data is delivered exactly as sent', () => {
  it('keeps a leading byte order mark (U+FEFF is data, not a decoding hint)', () => {
    const conn = server();
    conn.receiveData(clientFrame(0x81, utf8('\uFEFFhi')));
    expect(conn.events()).toEqual([{ type: 'text', data: '\uFEFFhi' }]);
  });
});

// The inspector's data, without a browser: a frame copied as hex is one chapter 3's frame
// decoder reads back whole (the same frame), hex dumps never split a pair, the kept frames
// are bounded by bytes, and the request timeline draws open streams and aborts as such.
import type { InspectFrame } from '@wirebench/transports/contract';
import { encodeFrame, FrameDecoder, OPCODES } from '@wirebench/transports/ws';
import { describe, expect, it } from 'vitest';
import { Inspector } from '../../server/src/inspect/inspector.ts';
import { explain } from '../src/features/docs/frame-explain.ts';
import { frameHex, hexGroups } from '../src/features/inspector/frame-bytes.ts';
import { barOf, timelineRows, type TimelineRecord } from '../src/features/inspector/timeline-bars.ts';
import { applyInspectEvent, FRAME_HEX_LIMIT, type InspectorState } from '../src/model/inspector-feed.ts';

const utf8 = new TextEncoder();

/** Frames as the server's inspector describes them: one received from the browser (masked), one sent. */
function throughTheInspector(received: Uint8Array[], sent: Uint8Array[], secret?: string): InspectFrame[] {
  const inspector = new Inspector();
  const id = inspector.open('c', () => ({
    request: { method: 'GET', url: '/ws/raw', httpVersion: '1.1', headers: [] },
    response: { status: 101, headers: [] },
    accept: { key: '', guid: '', concatenated: '', sha1Hex: '', accept: '' },
  }), secret);
  const decoder = new FrameDecoder({ role: 'server', maxPayloadBytes: 1 << 20 });
  for (const bytes of received) for (const frame of decoder.push(bytes)) inspector.received(id, frame);
  for (const bytes of sent) inspector.sent(id, bytes);
  const frames: InspectFrame[] = [];
  inspector.subscribe('c', (e) => {
    if (e.kind === 'frame') frames.push(e);
  })();
  return frames;
}

describe('copy as hex: what the frame decoder of chapter 3 reads back', () => {
  const mask = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
  const chat = JSON.stringify({ type: 'send', text: `a 200-character message ${'x'.repeat(176)}`, clientMsgId: 'k-1' });
  const message = JSON.stringify({ type: 'message', seq: 7, name: '老师', text: '你好，WebSocket 😀'.repeat(100), via: 'ws-raw' });
  const cases: Array<[string, Uint8Array, 'in' | 'out']> = [
    ['a masked chat frame from the browser (16-bit length)', encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode(chat), mask }), 'in'],
    ['a short masked one (7-bit length)', encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode('{"type":"send","text":"hi"}'), mask }), 'in'],
    ['a long message from the server, unmasked', encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode(message) }), 'out'],
    ['a ping with no payload: the header alone is the frame', encodeFrame({ opcode: OPCODES.PING, payload: new Uint8Array(0) }), 'out'],
    ['a close frame', encodeFrame({ opcode: OPCODES.CLOSE, payload: new Uint8Array([0x03, 0xe8]), mask }), 'in'],
  ];

  it.each(cases)('%s decodes to the same frame, every byte used', (_, wire, direction) => {
    const [shown] = throughTheInspector(direction === 'in' ? [wire] : [], direction === 'out' ? [wire] : []);
    const copied = frameHex(shown!);
    const result = explain(copied, 'auto');
    expect(result.inputError).toBeNull();
    expect(result.error).toBeNull();
    expect(result.state).toBe('HEADER');
    expect(result.bytes).toEqual(wire);
    expect(result.frames).toHaveLength(1);
    const { frame } = result.frames[0]!;
    const original = new FrameDecoder({ role: direction === 'in' ? 'server' : 'client', maxPayloadBytes: 1 << 20 }).push(wire)[0]!;
    expect({ opcode: frame.opcode, fin: frame.fin, masked: frame.masked, payloadLength: frame.payloadLength }).toEqual({
      opcode: original.opcode,
      fin: original.fin,
      masked: original.masked,
      payloadLength: original.payloadLength,
    });
    expect(Array.from(frame.payload)).toEqual(Array.from(original.payload));
    expect(frame.opcode).toBe(shown!.opcode);
  });

  it('a frame with the client secret in it copies as shown: the secret starred, the frame still whole', () => {
    const secret = 'f1d2c3b4a5968778695a4b3c2d1e0f00';
    const welcome = encodeFrame({ opcode: OPCODES.TEXT, payload: utf8.encode(JSON.stringify({ type: 'welcome', clientSecret: secret })) });
    const [shown] = throughTheInspector([], [welcome], secret);
    const copied = frameHex(shown!);
    expect(copied).not.toContain(Array.from(utf8.encode(secret), (b) => b.toString(16)).join(' '));
    const result = explain(copied, 'auto');
    expect(result.state).toBe('HEADER');
    expect(result.frames[0]!.text).toBe(JSON.stringify({ type: 'welcome', clientSecret: '*'.repeat(secret.length) }));
  });
});

describe('hex dumps', () => {
  it('groups whole pairs, eight to a group, and loses none', () => {
    const hex = Array.from({ length: 37 }, (_, i) => (i * 7).toString(16).padStart(2, '0')).join(' ');
    const groups = hexGroups(hex);
    expect(groups).toHaveLength(5);
    for (const g of groups) for (const pair of g.split(' ')) expect(pair).toMatch(/^[0-9a-f]{2}$/);
    expect(groups.join(' ')).toBe(hex);
    expect(hexGroups('')).toEqual([]);
  });
});

describe('the page keeps frames bounded by bytes as well as by count', () => {
  it('large frames: only the newest that fit in FRAME_HEX_LIMIT, the newest always', () => {
    const big = 'ab '.repeat(100_000).trimEnd();
    let s: InspectorState = { clientId: 'a', connected: true, handshake: null, frames: [], closes: [], error: null };
    for (let i = 0; i < 50; i++) {
      s = applyInspectEvent(s, {
        kind: 'frame', connectionId: 1, at: i, direction: 'out', fin: true, rsv: [false, false, false], opcode: 2, opcodeName: 'binary',
        masked: false, maskKeyHex: null, lengthForm: 64, payloadLength: 100_000, headerHex: '82 7f', wireHex: big, payloadHex: big, truncated: false,
      });
    }
    const held = s.frames.reduce((n, f) => n + f.wireHex.length + f.payloadHex.length, 0);
    expect(held).toBeLessThanOrEqual(FRAME_HEX_LIMIT);
    expect(s.frames.length).toBe(Math.floor(FRAME_HEX_LIMIT / (2 * big.length)));
    expect(s.frames.at(-1)!.at).toBe(49);
  });
});

describe('the request timeline', () => {
  const base = { transport: 'sse', headerBytesUp: 0, payloadBytesUp: 0, headerBytesDown: 0, payloadBytesDown: 0, estimated: false, messages: 0 } as const;
  const WINDOW = 40_000;

  it('an open SSE stream is a bar that grows to now, and stays in the window however long it has been open', () => {
    const stream: TimelineRecord = { ...base, id: 1, kind: 'sse-open', method: 'GET', url: '/api/events', status: 200, startedAt: 10_000 };
    const early = barOf(stream, 12_000, WINDOW);
    const later = barOf(stream, 20_000, WINDOW);
    expect(early.state).toBe('open');
    expect(later.width).toBeGreaterThan(early.width);
    expect(later.left + later.width).toBeCloseTo(100);
    expect(later.durationMs).toBe(10_000);
    const hourLater = barOf(stream, 3_610_000, WINDOW);
    expect(hourLater).toMatchObject({ state: 'open', left: 0, width: 100, durationMs: 3_600_000 });
    expect(timelineRows([stream], 3_610_000, WINDOW)).toEqual([stream]);
  });

  it('a stream the client aborted on purpose is "aborted", not "error"; a failure is "error"', () => {
    const aborted: TimelineRecord = { ...base, id: 2, kind: 'sse-open', status: 200, startedAt: 0, endedAt: 5_000, aborted: true, error: 'aborted' };
    const failed: TimelineRecord = { ...base, id: 3, kind: 'http', startedAt: 0, endedAt: 5_000, error: 'network error' };
    const held: TimelineRecord = { ...base, id: 4, kind: 'http', method: 'GET', url: '/api/longpoll', startedAt: 4_000 };
    expect(barOf(aborted, 6_000, WINDOW).state).toBe('aborted');
    expect(barOf(failed, 6_000, WINDOW).state).toBe('error');
    expect(barOf(held, 6_000, WINDOW)).toMatchObject({ state: 'pending', durationMs: 2_000 });
  });

  it('lists requests and stream openings in the window, newest first, not frames or events', () => {
    const r = (id: number, kind: TimelineRecord['kind'], startedAt: number, endedAt?: number): TimelineRecord => ({ ...base, id, kind, startedAt, endedAt });
    const rows = timelineRows([r(1, 'http', 0, 100), r(2, 'sse-open', 50_000), r(3, 'sse-event', 51_000, 51_000), r(4, 'http', 55_000, 55_100)], 60_000, WINDOW);
    expect(rows.map((x) => x.id)).toEqual([4, 2]);
  });
});

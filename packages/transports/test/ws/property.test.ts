// Property-based tests: whatever bytes arrive, in whatever chunks, the connection never
// throws nor fails with an internal error, does bounded work, never holds more than its
// limit, and does not depend on how the bytes were cut.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WsConnection, type WsEvent } from '../../src/ws/connection.ts';
import { FrameDecoder } from '../../src/ws/decoder.ts';
import { WsProtocolError } from '../../src/ws/errors.ts';
import { clientFrame, concatBytes, toHex, utf8 } from './helpers.ts';

const LIMIT = 64;
// The decoder alone: the header of the frame in progress (at most 14 bytes) and one payload.
const MAX_DECODER_BUFFERED = LIMIT + 14;
// The connection: the reassembly buffer of an open message (at most LIMIT bytes), plus the
// frame in progress beside it: a continuation (less than LIMIT) or a control frame (at most
// 125 bytes, 5.5), plus that frame's header.
const MAX_BUFFERED = LIMIT + Math.max(LIMIT, 125) + 14;

function plain(events: WsEvent[]) {
  return events.map((e) => {
    if (e.type === 'error') return `error ${e.error.code} ${e.error.closeCode}`;
    if (e.type === 'text') return `text ${JSON.stringify(e.data)}`;
    if (e.type === 'close') return `close ${e.code} ${JSON.stringify(e.reason)}`;
    return `${e.type} ${toHex(e.data)}`;
  });
}

/** Cuts bytes at the given (sorted, deduplicated) positions. */
function cut(bytes: Uint8Array, positions: number[]): Uint8Array[] {
  const points = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of points) {
    if (p > start) chunks.push(bytes.slice(start, p));
    start = Math.max(start, p);
  }
  if (start < bytes.length) chunks.push(bytes.slice(start));
  return chunks;
}

interface Run {
  events: string[];
  sent: string;
  state: string;
  closeExpected: boolean;
}

function run(chunks: Uint8Array[], eof: boolean): Run {
  const conn = new WsConnection({ role: 'server', maxMessageBytes: LIMIT });
  const events: WsEvent[] = [];
  const sent: Uint8Array[] = [];
  const total = chunks.reduce((n, c) => n + c.length, 0);
  for (const chunk of chunks) {
    conn.receiveData(chunk);
    expect(conn.bufferedBytes).toBeLessThanOrEqual(MAX_BUFFERED);
    events.push(...conn.events());
    sent.push(...conn.dataToSend());
  }
  if (eof) conn.receiveEof();
  events.push(...conn.events());
  sent.push(...conn.dataToSend());
  // Bounded work: every event but the final close consumed at least 2 input bytes.
  expect(events.length).toBeLessThanOrEqual(total / 2 + 2);
  // No input reaches a bug: a throw inside the connection (a transition missing from
  // TRANSITIONS among them) would come out as WS_ERR_INTERNAL.
  expect(events.filter((e) => e.type === 'error' && e.error.code === 'WS_ERR_INTERNAL')).toEqual([]);
  // At most one close frame ever goes out, and nothing after it.
  const closes = sent.filter((b) => b[0] === 0x88);
  expect(closes.length).toBeLessThanOrEqual(1);
  if (closes.length === 1) expect(sent[sent.length - 1]![0]).toBe(0x88);
  return { events: plain(events), sent: sent.map(toHex).join(' '), state: conn.state, closeExpected: conn.closeExpected() };
}

// Valid client frames of every kind, including fragments and close frames.
const frameArb = fc.oneof(
  fc.record({ b0: fc.constantFrom(0x81, 0x01, 0x80, 0x00), payload: fc.string({ unit: 'binary', maxLength: 12 }).map(utf8) }),
  fc.record({ b0: fc.constantFrom(0x82, 0x02, 0x89, 0x8a), payload: fc.uint8Array({ maxLength: 90 }) }),
  fc.record({
    b0: fc.constant(0x88),
    payload: fc.tuple(fc.integer({ min: 0, max: 5100 }), fc.string({ unit: 'binary', maxLength: 10 })).map(([code, reason]) =>
      concatBytes(new Uint8Array([code >> 8, code & 0xff]), utf8(reason)),
    ),
  }),
);

const validStream = fc
  .array(fc.tuple(frameArb, fc.uint8Array({ minLength: 4, maxLength: 4 })), { maxLength: 8 })
  .map((frames) => concatBytes(...frames.map(([f, key]) => clientFrame(f.b0, f.payload, key))));

// Valid streams with some bytes overwritten, inserted or dropped.
const mutatedStream = fc
  .tuple(
    validStream,
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'drop')), { maxLength: 4 }),
  )
  .map(([bytes, edits]) => {
    const list = Array.from(bytes);
    for (const [at, value, kind] of edits) {
      const i = list.length === 0 ? 0 : at % list.length;
      if (kind === 'set' && list.length > 0) list[i] = value;
      else if (kind === 'insert') list.splice(i, 0, value);
      else list.splice(i, 1);
    }
    return new Uint8Array(list);
  });

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), validStream, mutatedStream);

describe('properties of WsConnection under arbitrary input', () => {
  it('never throws, stays within its limit, and gives the same result whole, byte by byte and chunked', () => {
    fc.assert(
      fc.property(anyBytes, fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (bytes, cuts, eof) => {
        const whole = run([bytes], eof);
        expect(run(cut(bytes, cuts), eof)).toEqual(whole);
        expect(run(Array.from(bytes, (b) => new Uint8Array([b])), eof)).toEqual(whole);
        // An error is always followed by the final close, and nothing else comes after a close.
        const closeAt = whole.events.findIndex((e) => e.startsWith('close'));
        if (closeAt >= 0) expect(closeAt).toBe(whole.events.length - 1);
        if (whole.events.some((e) => e.startsWith('error'))) {
          expect(whole.state).toBe('CLOSED');
          expect(whole.closeExpected).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('the decoder alone either decodes or throws WsProtocolError, never anything else', () => {
    fc.assert(
      fc.property(anyBytes, fc.constantFrom('server', 'client') as fc.Arbitrary<'server' | 'client'>, (bytes, role) => {
        const decoder = new FrameDecoder({ role, maxPayloadBytes: LIMIT });
        try {
          decoder.push(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(WsProtocolError);
        }
        expect(decoder.bufferedBytes).toBeLessThanOrEqual(MAX_DECODER_BUFFERED);
      }),
      { numRuns: 400 },
    );
  });

  it('valid fragmented messages with interleaved pings come out as the messages that went in', () => {
    const message = fc.oneof(
      fc.record({ kind: fc.constant('text' as const), text: fc.string({ unit: 'binary', maxLength: 14 }) }),
      fc.record({ kind: fc.constant('binary' as const), data: fc.uint8Array({ maxLength: 30 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(message, fc.array(fc.nat(), { maxLength: 4 }), fc.boolean()), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (messages, cuts) => {
          const frames: Uint8Array[] = [];
          const expected: string[] = [];
          for (const [m, splits, withPing] of messages) {
            const payload = m.kind === 'text' ? utf8(m.text) : m.data;
            // Split anywhere, including inside a code point: the validator carries state across fragments.
            const pieces = cut(payload, splits);
            if (pieces.length === 0) pieces.push(new Uint8Array(0));
            pieces.forEach((piece, i) => {
              const first = i === 0;
              const last = i === pieces.length - 1;
              const opcode = first ? (m.kind === 'text' ? 0x1 : 0x2) : 0x0;
              frames.push(clientFrame((last ? 0x80 : 0) | opcode, piece));
              if (withPing && first && !last) {
                frames.push(clientFrame(0x89, utf8('p')));
                expected.push('ping 70');
              }
            });
            expected.push(m.kind === 'text' ? `text ${JSON.stringify(new TextDecoder().decode(payload))}` : `binary ${toHex(payload)}`);
          }
          const bytes = concatBytes(...frames);
          const result = run(cut(bytes, cuts), false);
          expect(result.events).toEqual(expected);
          expect(result.state).toBe('OPEN');
        },
      ),
      { numRuns: 300 },
    );
  });
});

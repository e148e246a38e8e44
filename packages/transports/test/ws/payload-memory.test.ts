// 10.4 one big frame: "a malicious endpoint can try to exhaust its peer's memory ... by
// sending ... a single big frame". What the decoder holds for a frame follows the payload bytes
// received, not the length its header announces (CONTRACT: memory stays bounded by what peers
// actually send), and a payload grown across many reads still decodes to exactly its bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WsConnection } from '../../src/ws/connection.ts';
import { EAGER_PAYLOAD_BYTES, FrameDecoder } from '../../src/ws/decoder.ts';
import type { Frame } from '../../src/ws/frame.ts';
import { bytewise, clientFrame, concatBytes, hex, seeded, utf8 } from './helpers.ts';

const MIB = 1 << 20;
// The echo endpoint's limit (WS_MAX_MESSAGE_BYTES).
const LIMIT = 16 * MIB;
const KEY = hex('a1 b2 c3 d4');
// A header in progress: 2 bytes, up to 8 of length, 4 of mask key.
const HEAD = 14;

function randomBytes(length: number, seed: number): Uint8Array {
  const random = seeded(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** Chunks of 1..maxChunk bytes, as views (a socket's reads are copies, but copying 3 MiB a hundred times only slows the test). */
function views(bytes: Uint8Array, random: () => number, maxChunk: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(random() * maxChunk);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** The most a decoder may hold after `received` payload bytes of a frame longer than EAGER_PAYLOAD_BYTES. */
function bound(received: number): number {
  return Math.max(EAGER_PAYLOAD_BYTES, 2 * received) + HEAD;
}

interface Fed {
  frames: Frame[];
  /** Chunks after which bufferedBytes exceeded bound(payload bytes received so far). */
  overBound: number;
  peakBuffered: number;
}

/** Feeds a frame whose header is `headerLength` bytes, checking what is held after every chunk. */
function feed(chunks: Uint8Array[], headerLength: number, inspect = false): Fed {
  const frames: Frame[] = [];
  const decoder = new FrameDecoder({ role: 'server', maxPayloadBytes: LIMIT, inspect, onFrame: (f) => frames.push(f) });
  let total = 0;
  let overBound = 0;
  let peakBuffered = 0;
  for (const chunk of chunks) {
    decoder.push(chunk);
    total += chunk.length;
    const held = decoder.bufferedBytes;
    peakBuffered = Math.max(peakBuffered, held);
    if (held > bound(Math.max(0, total - headerLength))) overBound++;
  }
  return { frames, overBound, peakBuffered };
}

function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual?.length).toBe(expected.length);
  // One comparison of whole buffers: element-wise deep equality of megabytes takes seconds.
  expect(Buffer.compare(actual!, expected)).toBe(0);
}

describe('10.4 a frame announcing 16 MiB', () => {
  const header = hex('82 ff 00 00 00 00 01 00 00 00 a1 b2 c3 d4');

  it('10.4 holds at most EAGER_PAYLOAD_BYTES after its header and a few payload bytes', () => {
    const decoder = new FrameDecoder({ role: 'server', maxPayloadBytes: LIMIT });
    decoder.push(header);
    expect(decoder.state).toBe('PAYLOAD');
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(HEAD);
    decoder.push(hex('00'));
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(EAGER_PAYLOAD_BYTES + HEAD);
    decoder.push(hex('01 02 03 04 05 06 07'));
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(EAGER_PAYLOAD_BYTES + HEAD);
    expect(decoder.state).toBe('PAYLOAD');
  });

  it('10.4 through a server connection: 200 stalled peers hold about 13 MiB, not 3.2 GB', () => {
    let held = 0;
    for (let i = 0; i < 200; i++) {
      const conn = new WsConnection({ role: 'server', maxMessageBytes: LIMIT });
      conn.receiveData(concatBytes(header, hex('00')));
      expect(conn.state).toBe('OPEN');
      expect(conn.events()).toEqual([]);
      held += conn.bufferedBytes;
    }
    expect(held).toBeLessThanOrEqual(200 * (EAGER_PAYLOAD_BYTES + HEAD));
  });

  it('10.4 grows with the bytes sent: never more than twice them (or EAGER_PAYLOAD_BYTES), never more than announced', () => {
    // The peer stalls 1 MiB short of the end (what the bytes are does not matter here).
    const wire = concatBytes(header, new Uint8Array(LIMIT - MIB));
    const { frames, overBound, peakBuffered } = feed(views(wire, seeded(3), 256 * 1024), header.length);
    expect(frames).toEqual([]);
    expect(overBound).toBe(0);
    expect(peakBuffered).toBeLessThanOrEqual(LIMIT + HEAD);
  });
});

describe('10.4 large payloads grown across reads decode exactly', () => {
  const SIZE = 3 * MIB;
  const payload = randomBytes(SIZE, 7);
  const big = clientFrame(0x82, payload, KEY);
  const headerLength = big.length - SIZE;
  // A frame after the big one, to check the decoder starts cleanly at the next header.
  const after = clientFrame(0x81, utf8('after'), KEY);
  const wire = concatBytes(big, after);

  function expectDecoded({ frames, overBound }: Fed): void {
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatchObject({ opcode: 0x2, fin: true, masked: true, lengthForm: 64, payloadLength: SIZE });
    expectSameBytes(frames[0]!.payload, payload);
    expect(new TextDecoder().decode(frames[1]!.payload)).toBe('after');
    expect(overBound).toBe(0);
  }

  it('5.3 a 3 MiB masked frame fed whole', () => {
    expectDecoded(feed([wire], headerLength));
  });

  it('5.3 a 3 MiB masked frame fed one byte at a time for its first 200 KiB, then in random reads', () => {
    const prefix = headerLength + 200 * 1024;
    for (const seed of [1, 2, 3]) {
      const random = seeded(seed);
      // Reads of up to 1 byte, 100 bytes, 64 KiB and 1 MiB: some end inside a mask word, some cross a growth.
      const maxChunk = [100, 64 * 1024, MIB][seed - 1]!;
      const chunks = [...bytewise(wire.subarray(0, prefix)), ...views(wire.subarray(prefix), random, maxChunk)];
      expectDecoded(feed(chunks, headerLength));
    }
  });

  it('5.3 reads that split every mask phase keep the mask offset going', () => {
    // Cut points at each residue mod 4 of the payload offset, both sides of the growth from 64 KiB.
    const cuts = [1, 2, 3, 5, EAGER_PAYLOAD_BYTES - 1, EAGER_PAYLOAD_BYTES + 2, 2 * EAGER_PAYLOAD_BYTES + 3, SIZE - 1].map((c) => headerLength + c);
    const chunks: Uint8Array[] = [];
    let start = 0;
    for (const c of cuts) {
      chunks.push(wire.subarray(start, c));
      start = c;
    }
    chunks.push(wire.subarray(start));
    expectDecoded(feed(chunks, headerLength));
  });

  it('inspect keeps the masked wire payload of a grown frame', () => {
    const { frames } = feed(views(wire, seeded(11), 200 * 1024), headerLength, true);
    expectSameBytes(frames[0]!.payload, payload);
    expectSameBytes(frames[0]!.wirePayload, big.subarray(headerLength));
  });
});

describe('10.4 the eager threshold', () => {
  it('a payload of EAGER_PAYLOAD_BYTES gets its whole buffer at its first byte; one byte more starts at EAGER_PAYLOAD_BYTES and grows', () => {
    const exact = clientFrame(0x82, new Uint8Array(EAGER_PAYLOAD_BYTES), KEY);
    const decoder = new FrameDecoder({ role: 'server', maxPayloadBytes: LIMIT });
    // Header: 2 + 8 (64 KiB needs the 64-bit length) + 4 (mask key), then one payload byte.
    decoder.push(exact.subarray(0, 15));
    expect(decoder.bufferedBytes).toBe(14 + EAGER_PAYLOAD_BYTES);

    const payload = randomBytes(EAGER_PAYLOAD_BYTES + 1, 5);
    const over = clientFrame(0x82, payload, KEY);
    const grown: Frame[] = [];
    const growing = new FrameDecoder({ role: 'server', maxPayloadBytes: LIMIT, onFrame: (f) => grown.push(f) });
    growing.push(over.subarray(0, 15));
    expect(growing.bufferedBytes).toBe(14 + EAGER_PAYLOAD_BYTES);
    growing.push(over.subarray(15, over.length - 1));
    expect(growing.bufferedBytes).toBe(14 + EAGER_PAYLOAD_BYTES);
    // The last byte needs room: the buffer grows to the announced length, not to twice its size.
    growing.push(over.subarray(over.length - 1));
    expect(grown).toHaveLength(1);
    expect(grown[0]!.payload.length).toBe(EAGER_PAYLOAD_BYTES + 1);
    expectSameBytes(grown[0]!.payload, payload);
    expect(growing.bufferedBytes).toBe(0);
  });
});

describe('10.4 property: a payload around and above the threshold, cut anywhere', () => {
  it('decodes to its bytes with its mask key, and holds at most twice the bytes received (or EAGER_PAYLOAD_BYTES)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: EAGER_PAYLOAD_BYTES - 4, max: 4 * EAGER_PAYLOAD_BYTES }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 24 }),
        fc.nat(),
        (size, key, cutAt, seed) => {
          const payload = randomBytes(size, seed);
          const wire = clientFrame(0x82, payload, key);
          const points = [...new Set(cutAt.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let start = 0;
          for (const p of [...points, wire.length]) {
            if (p > start) chunks.push(wire.subarray(start, p));
            start = Math.max(start, p);
          }
          const { frames, overBound } = feed(chunks, wire.length - size);
          expect(frames).toHaveLength(1);
          expectSameBytes(frames[0]!.payload, payload);
          expect(overBound).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});

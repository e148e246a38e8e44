import { describe, expect, it } from 'vitest';
import { FrameDecoder, type DecoderOptions } from '../../src/ws/decoder.ts';
import { WsProtocolError, type WsErrorCode } from '../../src/ws/errors.ts';
import type { Frame } from '../../src/ws/frame.ts';
import { bytewise, clientFrame, concatBytes, hex, randomChunks, seeded, toHex, utf8 } from './helpers.ts';

type Role = DecoderOptions['role'];

function decode(chunks: Uint8Array[], role: Role, maxPayloadBytes = 1 << 20, inspect = false): Frame[] {
  const decoder = new FrameDecoder({ role, maxPayloadBytes, inspect });
  const frames: Frame[] = [];
  for (const chunk of chunks) frames.push(...decoder.push(chunk));
  return frames;
}

/** Frames in a comparable shape: byte arrays as hex. */
function view(frames: Frame[]) {
  return frames.map((f) => ({
    ...f,
    payload: toHex(f.payload),
    headerBytes: toHex(f.headerBytes),
    maskKey: f.maskKey ? toHex(f.maskKey) : null,
    wirePayload: f.wirePayload ? toHex(f.wirePayload) : undefined,
  }));
}

/** Decodes whole, one byte at a time and in 20 random chunkings; all must agree. Returns the frames. */
function decodeEveryWay(bytes: Uint8Array, role: Role, maxPayloadBytes?: number): Frame[] {
  const whole = decode([bytes], role, maxPayloadBytes);
  expect(view(decode(bytewise(bytes), role, maxPayloadBytes))).toEqual(view(whole));
  const random = seeded(bytes.length);
  for (let i = 0; i < 20; i++) {
    expect(view(decode(randomChunks(bytes, random, 1 + i * 3), role, maxPayloadBytes))).toEqual(view(whole));
  }
  return whole;
}

function expectFailure(bytes: Uint8Array, role: Role, code: WsErrorCode, closeCode: number, maxPayloadBytes = 1 << 20): void {
  for (const chunks of [[bytes], bytewise(bytes)]) {
    const decoder = new FrameDecoder({ role, maxPayloadBytes });
    let error: unknown;
    try {
      for (const chunk of chunks) decoder.push(chunk);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WsProtocolError);
    expect((error as WsProtocolError).code).toBe(code);
    expect((error as WsProtocolError).closeCode).toBe(closeCode);
    expect(decoder.state).toBe('FAILED');
    // A failed decoder keeps failing.
    expect(() => decoder.push(hex('81 05'))).toThrow(WsProtocolError);
  }
}

describe('5.7 examples, decoded', () => {
  it('5.7 a single-frame unmasked text message (client role)', () => {
    const [frame, ...rest] = decodeEveryWay(hex('81 05 48 65 6c 6c 6f'), 'client');
    expect(rest).toEqual([]);
    expect(frame).toMatchObject({ fin: true, opcode: 0x1, masked: false, maskKey: null, lengthForm: 7, payloadLength: 5 });
    expect(new TextDecoder().decode(frame!.payload)).toBe('Hello');
    expect(toHex(frame!.headerBytes)).toBe('81 05');
  });

  it('5.7 a single-frame masked text message (server role)', () => {
    const [frame] = decodeEveryWay(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), 'server');
    expect(frame).toMatchObject({ fin: true, opcode: 0x1, masked: true, payloadLength: 5 });
    expect(toHex(frame!.maskKey!)).toBe('37 fa 21 3d');
    expect(toHex(frame!.headerBytes)).toBe('81 85 37 fa 21 3d');
    expect(new TextDecoder().decode(frame!.payload)).toBe('Hello');
  });

  it('5.7 a fragmented unmasked text message "Hel" + "lo"', () => {
    const frames = decodeEveryWay(hex('01 03 48 65 6c  80 02 6c 6f'), 'client');
    expect(frames.map((f) => [f.fin, f.opcode, new TextDecoder().decode(f.payload)])).toEqual([
      [false, 0x1, 'Hel'],
      [true, 0x0, 'lo'],
    ]);
  });

  it('5.7 an unmasked ping "Hello" and a masked pong "Hello"', () => {
    const [ping] = decodeEveryWay(hex('89 05 48 65 6c 6c 6f'), 'client');
    expect(ping).toMatchObject({ opcode: 0x9, fin: true, payloadLength: 5 });
    const [pong] = decodeEveryWay(hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'), 'server');
    expect(pong).toMatchObject({ opcode: 0xa, masked: true });
    expect(new TextDecoder().decode(pong!.payload)).toBe('Hello');
  });

  it('5.7 a masked ping "Hello" (server role)', () => {
    const [ping] = decodeEveryWay(hex('89 85 37 fa 21 3d 7f 9f 4d 51 58'), 'server');
    expect(ping).toMatchObject({ opcode: 0x9 });
    expect(new TextDecoder().decode(ping!.payload)).toBe('Hello');
  });

  it('5.7 256 bytes binary in a single unmasked frame: 82 7E 0100', () => {
    const payload = Uint8Array.from({ length: 256 }, (_, i) => i);
    const [frame] = decodeEveryWay(concatBytes(hex('82 7e 01 00'), payload), 'client');
    expect(frame).toMatchObject({ opcode: 0x2, lengthForm: 16, payloadLength: 256 });
    expect(frame!.payload).toEqual(payload);
    expect(toHex(frame!.headerBytes)).toBe('82 7e 01 00');
  });

  it('5.7 64 KiB binary in a single unmasked frame: 82 7F 0000000000010000', () => {
    const payload = Uint8Array.from({ length: 65536 }, (_, i) => (i * 7) & 0xff);
    const bytes = concatBytes(hex('82 7f 00 00 00 00 00 01 00 00'), payload);
    const [frame] = decode([bytes], 'client');
    expect(frame).toMatchObject({ opcode: 0x2, lengthForm: 64, payloadLength: 65536 });
    expect(frame!.payload).toEqual(payload);
    const [chunked] = decode(randomChunks(bytes, seeded(9), 5000), 'client');
    expect(chunked!.payload).toEqual(payload);
    const [bytewiseFrame] = decode(bytewise(bytes), 'client');
    expect(bytewiseFrame!.payload).toEqual(payload);
  });

  it('5.3 unmasks masked payloads of every length and alignment', () => {
    const key = hex('a1 b2 c3 d4');
    for (let n = 0; n < 300; n += 7) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 5) & 0xff);
      const frame = clientFrame(0x82, payload, key);
      // Shift the frame inside a larger buffer so the payload starts at every alignment.
      for (let shift = 0; shift < 4; shift++) {
        const buffer = new Uint8Array(frame.length + shift);
        buffer.set(frame, shift);
        const [decoded] = decode([buffer.subarray(shift)], 'server');
        expect(decoded!.payload).toEqual(payload);
      }
      const [chunked] = decode(randomChunks(frame, seeded(n), 13), 'server');
      expect(chunked!.payload).toEqual(payload);
    }
  });
});

describe('5.2 decoder details', () => {
  it('decodes 100 frames from one chunk', () => {
    const bytes = concatBytes(...Array.from({ length: 100 }, (_, i) => clientFrame(0x81, utf8(`message ${i}`))));
    const frames = decodeEveryWay(bytes, 'server');
    expect(frames.map((f) => new TextDecoder().decode(f.payload))).toEqual(Array.from({ length: 100 }, (_, i) => `message ${i}`));
  });

  it('5.2 accepts a non-minimal length form and reports it (documented choice)', () => {
    const [frame] = decodeEveryWay(hex('81 7e 00 05 48 65 6c 6c 6f'), 'client');
    expect(frame).toMatchObject({ lengthForm: 16, payloadLength: 5 });
    const [frame64] = decodeEveryWay(hex('81 7f 00 00 00 00 00 00 00 02 68 69'), 'client');
    expect(frame64).toMatchObject({ lengthForm: 64, payloadLength: 2 });
  });

  it('5.2 decodes empty payloads', () => {
    const frames = decodeEveryWay(hex('81 80 01 02 03 04  89 80 01 02 03 04'), 'server');
    expect(frames.map((f) => [f.opcode, f.payload.length])).toEqual([
      [0x1, 0],
      [0x9, 0],
    ]);
  });

  it('inspect keeps the masked wire payload beside the unmasked one', () => {
    const [frame] = decode([hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')], 'server', 1000, true);
    expect(toHex(frame!.wirePayload!)).toBe('7f 9f 4d 51 58');
    expect(new TextDecoder().decode(frame!.payload)).toBe('Hello');
    const [plain] = decode([hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')], 'server');
    expect(plain!.wirePayload).toBeUndefined();
  });

  it('walks the named states and reports buffered bytes', () => {
    const decoder = new FrameDecoder({ role: 'server', maxPayloadBytes: 1000 });
    const bytes = clientFrame(0x82, new Uint8Array(300));
    const states: string[] = [];
    for (const chunk of bytewise(bytes)) {
      decoder.push(chunk);
      if (states[states.length - 1] !== decoder.state) states.push(decoder.state);
    }
    expect(states).toEqual(['HEADER', 'LENGTH_16', 'MASK_KEY', 'PAYLOAD', 'HEADER']);
    decoder.push(bytes.subarray(0, 100));
    // The payload buffer is allocated once from the announced length.
    expect(decoder.bufferedBytes).toBe(8 + 300);
  });

  it('with onFrame, frames decoded before an error in the same chunk are delivered', () => {
    const seen: number[] = [];
    const decoder = new FrameDecoder({ role: 'server', maxPayloadBytes: 100, onFrame: (f) => seen.push(f.opcode) });
    expect(() => decoder.push(concatBytes(clientFrame(0x89, utf8('x')), hex('83 80')))).toThrow(WsProtocolError);
    expect(seen).toEqual([0x9]);
  });
});

describe('5.2 frame-level violations', () => {
  it.each([
    ['RSV1', 0xc1],
    ['RSV2', 0xa1],
    ['RSV3', 0x91],
  ])('5.2 %s set without an extension fails 1002', (_n, b0) => {
    expectFailure(clientFrame(b0, utf8('x')), 'server', 'WS_ERR_RESERVED_BITS', 1002);
  });

  it.each([3, 4, 5, 6, 7, 11, 12, 13, 14, 15])('5.2 reserved opcode %i fails 1002', (opcode) => {
    expectFailure(clientFrame(0x80 | opcode, utf8('x')), 'server', 'WS_ERR_RESERVED_OPCODE', 1002);
  });

  it('5.1 an unmasked frame sent to a server fails 1002', () => {
    expectFailure(hex('81 05 48 65 6c 6c 6f'), 'server', 'WS_ERR_UNMASKED_FRAME', 1002);
  });

  it('5.1 a masked frame sent to a client fails 1002', () => {
    expectFailure(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), 'client', 'WS_ERR_MASKED_SERVER_FRAME', 1002);
  });

  it('5.5 a control frame with 126 bytes of payload fails 1002', () => {
    expectFailure(clientFrame(0x89, new Uint8Array(126)), 'server', 'WS_ERR_CONTROL_TOO_LONG', 1002);
  });

  it('5.5 a control frame of exactly 125 bytes is fine', () => {
    const [frame] = decodeEveryWay(clientFrame(0x89, new Uint8Array(125).fill(7)), 'server');
    expect(frame!.payloadLength).toBe(125);
  });

  it('5.5 a fragmented control frame (FIN=0) fails 1002', () => {
    expectFailure(clientFrame(0x09, utf8('x')), 'server', 'WS_ERR_FRAGMENTED_CONTROL', 1002);
  });

  it('5.2 a 64-bit length with the top bit set fails 1002', () => {
    expectFailure(hex('82 ff 80 00 00 00 00 00 00 01'), 'server', 'WS_ERR_LENGTH_TOO_LARGE', 1002);
  });

  it('10.4 a frame announcing 2^40 bytes fails 1009 from the header alone', () => {
    const header = hex('82 ff 00 00 01 00 00 00 00 00');
    expectFailure(header, 'server', 'WS_ERR_MESSAGE_TOO_BIG', 1009);
  });

  it('10.4 the per-frame limit is inclusive', () => {
    const [frame] = decode([clientFrame(0x82, new Uint8Array(10))], 'server', 10);
    expect(frame!.payloadLength).toBe(10);
    expectFailure(clientFrame(0x82, new Uint8Array(11)), 'server', 'WS_ERR_MESSAGE_TOO_BIG', 1009, 10);
  });
});

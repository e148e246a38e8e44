import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/ws/decoder.ts';
import { encodeClose, encodeFrame, encodeHeader, encodeText, headerLength, randomMask } from '../../src/ws/encoder.ts';
import { describeEncoded, readHeader, type Frame } from '../../src/ws/frame.ts';
import { concatBytes, hex, toHex, utf8 } from './helpers.ts';

describe('5.7 examples, encoded', () => {
  it('5.7 a single-frame unmasked text message', () => {
    expect(toHex(encodeFrame({ opcode: 0x1, payload: utf8('Hello') }))).toBe('81 05 48 65 6c 6c 6f');
    expect(toHex(encodeText('Hello'))).toBe('81 05 48 65 6c 6c 6f');
  });

  it('5.7 a single-frame masked text message', () => {
    const frame = encodeFrame({ opcode: 0x1, payload: utf8('Hello'), mask: hex('37 fa 21 3d') });
    expect(toHex(frame)).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
  });

  it('5.7 a fragmented unmasked text message', () => {
    expect(toHex(encodeFrame({ opcode: 0x1, payload: utf8('Hel'), fin: false }))).toBe('01 03 48 65 6c');
    expect(toHex(encodeFrame({ opcode: 0x0, payload: utf8('lo') }))).toBe('80 02 6c 6f');
  });

  it('5.7 unmasked ping and masked pong "Hello"', () => {
    expect(toHex(encodeFrame({ opcode: 0x9, payload: utf8('Hello') }))).toBe('89 05 48 65 6c 6c 6f');
    expect(toHex(encodeFrame({ opcode: 0xa, payload: utf8('Hello'), mask: hex('37 fa 21 3d') }))).toBe(
      '8a 85 37 fa 21 3d 7f 9f 4d 51 58',
    );
  });

  it('5.7 256 bytes binary: 82 7E 0100', () => {
    const payload = new Uint8Array(256).fill(0xab);
    const frame = encodeFrame({ opcode: 0x2, payload });
    expect(toHex(frame.subarray(0, 4))).toBe('82 7e 01 00');
    expect(frame.length).toBe(260);
    expect(frame.subarray(4)).toEqual(payload);
  });

  it('5.7 64 KiB binary: 82 7F 0000000000010000', () => {
    const payload = new Uint8Array(65536).fill(0x5a);
    const frame = encodeFrame({ opcode: 0x2, payload });
    expect(toHex(frame.subarray(0, 10))).toBe('82 7f 00 00 00 00 00 01 00 00');
    expect(frame.length).toBe(65546);
  });
});

describe('5.2 length forms', () => {
  it.each([
    [0, 2, '81 00'],
    [125, 2, '81 7d'],
    [126, 4, '81 7e 00 7e'],
    [65535, 4, '81 7e ff ff'],
    [65536, 10, '81 7f 00 00 00 00 00 01 00 00'],
  ])('a %i-byte payload uses the smallest form (%i header bytes)', (n, size, header) => {
    expect(headerLength(n)).toBe(size);
    expect(headerLength(n, true)).toBe(size + 4);
    const frame = encodeFrame({ opcode: 0x1, payload: new Uint8Array(n) });
    expect(toHex(frame.subarray(0, size))).toBe(header);
    expect(readHeader(hex(header))).toMatchObject({ payloadLength: n, size, masked: false, maskKey: null });
  });

  it('5.3 masked frames of many sizes round-trip through a server decoder', () => {
    const decoder = new FrameDecoder({ role: 'server', maxPayloadBytes: 1 << 20 });
    for (const n of [0, 1, 3, 4, 5, 31, 32, 33, 125, 126, 1000, 65535, 65536, 70001]) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 13) & 0xff);
      const [frame] = decoder.push(encodeFrame({ opcode: 0x2, payload, mask: randomMask() }));
      expect(frame!.payload).toEqual(payload);
    }
  });

  it('rejects a mask that is not 4 bytes', () => {
    expect(() => encodeFrame({ opcode: 0x1, payload: utf8('x'), mask: hex('01 02') })).toThrow(RangeError);
  });

  it('does not modify the payload it is given when masking', () => {
    const payload = utf8('Hello');
    encodeFrame({ opcode: 0x1, payload, mask: hex('37 fa 21 3d') });
    expect(new TextDecoder().decode(payload)).toBe('Hello');
  });
});

/** A frame with its byte fields as hex: compared as strings, which is fast for 64 KiB payloads. */
function asHex(frame: Frame): Record<string, unknown> {
  return { ...frame, payload: toHex(frame.payload), headerBytes: toHex(frame.headerBytes), maskKey: frame.maskKey && toHex(frame.maskKey) };
}

describe('5.2 the header read back', () => {
  it('5.7 the RFC examples', () => {
    expect(readHeader(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'))).toEqual({
      fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 0x1,
      masked: true, maskKey: hex('37 fa 21 3d'), lengthForm: 7, payloadLength: 5, size: 6,
    });
    expect(readHeader(hex('01 03 48 65 6c'))).toMatchObject({ fin: false, opcode: 0x1, payloadLength: 3, size: 2 });
    expect(readHeader(hex('82 7e 01 00'))).toMatchObject({ lengthForm: 16, payloadLength: 256, size: 4 });
    expect(readHeader(hex('82 7f 00 00 00 00 00 01 00 00'))).toMatchObject({ lengthForm: 64, payloadLength: 65536, size: 10 });
    expect(readHeader(hex('c2 ff 00 00 00 01 00 00 00 00 01 02 03 04'))).toMatchObject({
      rsv1: true, masked: true, maskKey: hex('01 02 03 04'), payloadLength: 2 ** 32, size: 14,
    });
  });

  it('readHeader, describeEncoded and the streaming decoder agree on every frame the encoder writes', () => {
    const mask = hex('37 fa 21 3d');
    for (const n of [0, 1, 125, 126, 65535, 65536]) {
      for (const [opcode, fin] of [[0x1, true], [0x2, false], [0x0, true], [0x9, true]] as const) {
        if (opcode === 0x9 && n > 125) continue;
        for (const role of ['server', 'client'] as const) {
          const payload = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
          const masked = role === 'client';
          const bytes = encodeFrame({ opcode, payload, fin, mask: masked ? mask : null });
          const header = readHeader(bytes);
          expect(header.size).toBe(headerLength(n, masked));
          expect(header).toMatchObject({ fin, opcode, masked, payloadLength: n });
          // The side that receives these bytes decodes them: the other role.
          const decoder = new FrameDecoder({ role: masked ? 'server' : 'client', maxPayloadBytes: 1 << 20 });
          const decoded = asHex(decoder.push(bytes)[0]!);
          const described = describeEncoded(bytes);
          expect(asHex(described)).toEqual(decoded);
          expect(toHex(described.payload)).toBe(toHex(payload));
          // The header alone with the unmasked payload beside it (a large frame sent in two chunks).
          expect(asHex(describeEncoded(encodeHeader(opcode, n, fin, masked ? mask : null), payload))).toEqual(decoded);
        }
      }
    }
  });

  it('describeEncoded leaves the bytes it reads as they were', () => {
    const bytes = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(new TextDecoder().decode(describeEncoded(bytes).payload)).toBe('Hello');
    expect(toHex(bytes)).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
  });
});

describe('5.5.1 close payloads', () => {
  it('encodes a code in network byte order followed by the UTF-8 reason', () => {
    expect(toHex(encodeClose(1000))).toBe('03 e8');
    expect(toHex(encodeClose(1001, 'bye'))).toBe('03 e9 62 79 65');
    expect(toHex(encodeClose(4999, 'é'))).toBe('13 87 c3 a9');
  });

  it('an empty body without a code', () => {
    expect(encodeClose().length).toBe(0);
    expect(() => encodeClose(undefined, 'why')).toThrow(TypeError);
  });

  it('5.5 limits the reason to 123 bytes', () => {
    expect(encodeClose(1000, 'x'.repeat(123)).length).toBe(125);
    expect(() => encodeClose(1000, 'x'.repeat(124))).toThrow(RangeError);
  });

  it('a close frame with code and reason', () => {
    expect(toHex(encodeFrame({ opcode: 0x8, payload: encodeClose(1000, 'ok') }))).toBe('88 04 03 e8 6f 6b');
  });

  it('randomMask gives 4 bytes', () => {
    expect(randomMask().length).toBe(4);
    const many = new Set(Array.from({ length: 20 }, () => toHex(randomMask())));
    expect(many.size).toBeGreaterThan(1);
    expect(concatBytes(randomMask()).length).toBe(4);
  });
});

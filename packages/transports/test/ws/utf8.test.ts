import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Validator, isValidUtf8 } from '../../src/ws/utf8.ts';
import { hex, utf8 } from './helpers.ts';

function validWhole(bytes: Uint8Array): boolean {
  return isValidUtf8(bytes);
}
function validBytewise(bytes: Uint8Array): boolean {
  const v = new Utf8Validator();
  for (let i = 0; i < bytes.length; i++) if (!v.push(bytes, i, i + 1)) return false;
  return v.end();
}

const valid: Array<[string, Uint8Array]> = [
  ['ASCII', utf8('Hello, world')],
  ['empty', new Uint8Array(0)],
  ['2-byte é', hex('c3 a9')],
  ['3-byte €', hex('e2 82 ac')],
  ['4-byte 😀', hex('f0 9f 98 80')],
  ['lowest 2-byte U+0080', hex('c2 80')],
  ['lowest 3-byte U+0800', hex('e0 a0 80')],
  ['last before surrogates U+D7FF', hex('ed 9f bf')],
  ['first after surrogates U+E000', hex('ee 80 80')],
  ['U+FFFF', hex('ef bf bf')],
  ['lowest 4-byte U+10000', hex('f0 90 80 80')],
  ['highest U+10FFFF', hex('f4 8f bf bf')],
  ['mixed text', utf8('κόσμε – 日本語 – 😀')],
];

const invalid: Array<[string, Uint8Array]> = [
  ['overlong 2-byte C0 80', hex('c0 80')],
  ['overlong 2-byte C1 BF', hex('c1 bf')],
  ['overlong 3-byte E0 80 80', hex('e0 80 80')],
  ['overlong 3-byte E0 9F BF', hex('e0 9f bf')],
  ['overlong 4-byte F0 80 80 80', hex('f0 80 80 80')],
  ['overlong 4-byte F0 8F BF BF', hex('f0 8f bf bf')],
  ['surrogate U+D800 (ED A0 80)', hex('ed a0 80')],
  ['surrogate U+DFFF (ED BF BF)', hex('ed bf bf')],
  ['above U+10FFFF (F4 90 80 80)', hex('f4 90 80 80')],
  ['F5 lead', hex('f5 80 80 80')],
  ['lone continuation 80', hex('80')],
  ['lone continuation BF after ASCII', hex('41 bf')],
  ['FE', hex('fe')],
  ['FF', hex('ff')],
  ['5-byte form F8 88 80 80 80', hex('f8 88 80 80 80')],
  ['6-byte form FC 84 80 80 80 80', hex('fc 84 80 80 80 80')],
  ['truncated 2-byte', hex('c3')],
  ['truncated 3-byte', hex('e2 82')],
  ['truncated 4-byte', hex('f0 9f 98')],
  ['lead followed by ASCII', hex('e2 41 ac')],
  ['two leads', hex('c3 c3 a9')],
];

describe('8.1 UTF-8 validation (RFC 3629)', () => {
  it.each(valid)('accepts %s, whole and byte at a time', (_name, bytes) => {
    expect(validWhole(bytes)).toBe(true);
    expect(validBytewise(bytes)).toBe(true);
  });

  it.each(invalid)('rejects %s, whole and byte at a time', (_name, bytes) => {
    expect(validWhole(bytes)).toBe(false);
    expect(validBytewise(bytes)).toBe(false);
  });

  it('push() fails at the first invalid byte, before end()', () => {
    const v = new Utf8Validator();
    expect(v.push(hex('41 42'))).toBe(true);
    expect(v.push(hex('ed a0'))).toBe(false);
    // Once failed it stays failed.
    expect(v.push(utf8('ok'))).toBe(false);
    expect(v.end()).toBe(false);
  });

  it('accepts a code point split across pushes and respects start/end', () => {
    const v = new Utf8Validator();
    const bytes = hex('00 f0 9f 98 80 00');
    expect(v.push(bytes, 1, 3)).toBe(true);
    expect(v.end()).toBe(false); // stops inside a code point
    expect(v.push(bytes, 3, 5)).toBe(true);
    expect(v.end()).toBe(true);
  });

  it('checks the narrowed range of the second byte even across pushes', () => {
    const v = new Utf8Validator();
    expect(v.push(hex('ed'))).toBe(true);
    expect(v.push(hex('a0'))).toBe(false);
  });

  it('reset() starts over', () => {
    const v = new Utf8Validator();
    expect(v.push(hex('ff'))).toBe(false);
    v.reset();
    expect(v.push(utf8('fine'))).toBe(true);
    expect(v.end()).toBe(true);
  });

  it('agrees with a fatal TextDecoder on every 1-, 2- and 3-byte sequence drawn from edge bytes', () => {
    const edges = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfc, 0xfe, 0xff];
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const reference = (b: Uint8Array) => {
      try {
        fatal.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    let checked = 0;
    for (const a of edges)
      for (const b of [-1, ...edges])
        for (const c of [-1, ...edges]) {
          if (b < 0 && c >= 0) continue;
          const seq = new Uint8Array([a, b, c].filter((x) => x >= 0));
          expect(validWhole(seq), `bytes ${Array.from(seq)}`).toBe(reference(seq));
          checked++;
        }
    expect(checked).toBeGreaterThan(20_000);
  });
});

describe('8.1 UTF-8 validation of long inputs (the four-bytes-at-a-time ASCII skip)', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const reference = (b: Uint8Array) => {
    try {
      fatal.decode(b);
      return true;
    } catch {
      return false;
    }
  };
  const tricky = [0x80, 0xbf, 0xc0, 0xc3, 0xa9, 0xe0, 0xed, 0xa0, 0xf0, 0xf4, 0x90, 0x8f, 0xfe, 0xff];

  it('agrees with a fatal TextDecoder at every alignment, whole and in pieces', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 64, max: 400 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...tricky)), { maxLength: 4 }),
        fc.string({ unit: 'binary', maxLength: 6 }),
        fc.integer({ min: 0, max: 3 }),
        fc.nat(),
        (length, edits, insert, shift, splitAt) => {
          const ascii = new Uint8Array(length).fill(0x61);
          const extra = new TextEncoder().encode(insert);
          const bytes = new Uint8Array(length + extra.length);
          bytes.set(ascii);
          bytes.set(extra, length >> 1);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          // Place the input at every byte offset inside a larger buffer.
          const holder = new Uint8Array(bytes.length + 8);
          holder.set(bytes, shift);
          const view = holder.subarray(shift, shift + bytes.length);
          const expected = reference(bytes);
          expect(isValidUtf8(view)).toBe(expected);
          expect(isValidUtf8(holder, shift, shift + bytes.length)).toBe(expected);
          const v = new Utf8Validator();
          const cut = splitAt % (bytes.length + 1);
          const pieces = v.push(view, 0, cut) && v.push(view, cut, view.length) && v.end();
          expect(pieces).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds a single bad byte at every position of a long ASCII run', () => {
    for (let at = 0; at < 100; at++) {
      const bytes = new Uint8Array(100).fill(0x20);
      bytes[at] = 0xff;
      expect(isValidUtf8(bytes)).toBe(false);
      bytes[at] = 0xc3; // a lead byte with no continuation, unless followed by one
      expect(isValidUtf8(bytes)).toBe(false);
    }
  });
});

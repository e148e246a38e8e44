// An incremental UTF-8 validator (RFC 3629 §4, Unicode Table 3-7), fed a frame at a time.
// 8.1 "text ... is interpreted as UTF-8"; a text message is checked as its frames arrive,
// so an invalid byte fails the connection before the message is complete.
//
// The state is how many continuation bytes are still owed and the range the next one
// must fall in. Most continuation bytes may be 80..BF; the first one after a few lead
// bytes is narrowed, which is what rules out overlongs, surrogates and code points
// above U+10FFFF:
//   E0 -> A0..BF  (below that would be an overlong 3-byte form)
//   ED -> 80..9F  (A0..BF would encode the surrogates U+D800..U+DFFF)
//   F0 -> 90..BF  (below that would be an overlong 4-byte form)
//   F4 -> 80..8F  (above that would be past U+10FFFF)
// Lead bytes C0, C1 (overlong 2-byte forms) and F5..FF (past U+10FFFF, the old 5- and
// 6-byte forms, FE, FF) never occur, and neither does a continuation byte without a lead.

const ASCII_SKIP_MIN = 64;

export class Utf8Validator {
  private owed = 0;
  private lo = 0x80;
  private hi = 0xbf;
  private failed = false;

  /** Feeds bytes[start, end). Returns false as soon as an invalid sequence is seen (and from then on). */
  push(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    if (this.failed) return false;
    let owed = this.owed;
    let lo = this.lo;
    let hi = this.hi;
    // Long inputs: a 32-bit view lets runs of ASCII be skipped four bytes at a time.
    const base = bytes.byteOffset;
    let words: Uint32Array | null = null;
    let firstWord = 0;
    if (end - start >= ASCII_SKIP_MIN) {
      firstWord = (base + start + 3) & ~3;
      words = new Uint32Array(bytes.buffer, firstWord, (((base + end) & ~3) - firstWord) >>> 2);
    }
    for (let i = start; i < end; i++) {
      if (owed === 0 && words !== null && ((base + i) & 3) === 0) {
        let w = (base + i - firstWord) >>> 2;
        const n = words.length;
        while (w < n && (words[w]! & 0x80808080) === 0) w++;
        i = firstWord - base + (w << 2);
        if (i >= end) break;
      }
      const b = bytes[i]!;
      if (owed === 0) {
        if (b < 0x80) continue;
        if (b < 0xc2) return this.fail(); // 80..BF lone continuation, C0/C1 overlong
        if (b < 0xe0) {
          owed = 1;
        } else if (b < 0xf0) {
          owed = 2;
          if (b === 0xe0) lo = 0xa0;
          else if (b === 0xed) hi = 0x9f;
        } else if (b < 0xf5) {
          owed = 3;
          if (b === 0xf0) lo = 0x90;
          else if (b === 0xf4) hi = 0x8f;
        } else {
          return this.fail(); // F5..FF
        }
      } else {
        if (b < lo || b > hi) return this.fail();
        owed--;
        lo = 0x80;
        hi = 0xbf;
      }
    }
    this.owed = owed;
    this.lo = lo;
    this.hi = hi;
    return true;
  }

  /** The message ended: false if it was invalid or stops inside a code point. */
  end(): boolean {
    return !this.failed && this.owed === 0;
  }

  reset(): void {
    this.owed = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
    this.failed = false;
  }

  private fail(): false {
    this.failed = true;
    return false;
  }
}

/** Whole-buffer check, for close reasons and tests. */
export function isValidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  const v = new Utf8Validator();
  return v.push(bytes, start, end) && v.end();
}

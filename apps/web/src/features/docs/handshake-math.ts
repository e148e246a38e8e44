// RFC 6455 §1.3 / §4.2.2 in the browser: Sec-WebSocket-Accept = base64(SHA-1(key + GUID)).
// The server's version lives in packages/transports/src/ws/handshake.ts, which needs
// node:crypto; here SHA-1 comes from crypto.subtle, or from the small implementation below
// where crypto.subtle is missing (pages served over plain http to another machine are not
// a "secure context", and browsers hide crypto.subtle there).

/** The GUID of RFC 6455 §1.3 (the same constant as WS_GUID in the server's handshake.ts; a docs test checks). */
export const RFC_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface AcceptSteps {
  key: string;
  concatenated: string;
  sha1Hex: string;
  accept: string;
  /** Which SHA-1 computed it. */
  via: 'crypto.subtle' | 'fallback';
}

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** SHA-1 (FIPS 180-4 §6.1), for short inputs in a page without crypto.subtle. */
export function sha1(data: Uint8Array): Uint8Array {
  const bitLength = data.length * 8;
  const padded = new Uint8Array((((data.length + 8) >> 6) + 1) << 6);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 0x1_0000_0000));
  view.setUint32(padded.length - 4, bitLength >>> 0);
  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = new Uint32Array(80);
  for (let block = 0; block < padded.length; block += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(block + t * 4);
    for (let t = 16; t < 80; t++) w[t] = rotl(w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!, 1);
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const temp = (rotl(a, 5) + f + e + k + w[t]!) >>> 0;
      e = d;
      d = c;
      c = rotl(b, 30) >>> 0;
      b = a;
      a = temp;
    }
    h0 = (h0 + a) >>> 0;
    h1 = (h1 + b) >>> 0;
    h2 = (h2 + c) >>> 0;
    h3 = (h3 + d) >>> 0;
    h4 = (h4 + e) >>> 0;
  }
  const out = new Uint8Array(20);
  const outView = new DataView(out.buffer);
  [h0, h1, h2, h3, h4].forEach((h, i) => outView.setUint32(i * 4, h));
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The key is ASCII on the wire; other characters are taken as their low byte, as the server's latin1 does. */
function latin1(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
}

export async function computeAcceptSteps(key: string, subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): Promise<AcceptSteps> {
  const concatenated = key + RFC_GUID;
  const input = latin1(concatenated);
  let digest: Uint8Array;
  let via: AcceptSteps['via'];
  if (subtle) {
    digest = new Uint8Array(await subtle.digest('SHA-1', input));
    via = 'crypto.subtle';
  } else {
    digest = sha1(input);
    via = 'fallback';
  }
  return { key, concatenated, sha1Hex: toHex(digest), accept: btoa(String.fromCharCode(...digest)), via };
}

/** RFC 6455 §4.1: a key is base64 of 16 bytes (what the server's handshake accepts). */
export function isValidKey(key: string): boolean {
  return /^[A-Za-z0-9+/]{22}==$/.test(key);
}

// RFC 6455 §1.3 / §4.2.2 in the browser: Sec-WebSocket-Accept = base64(SHA-1(key + GUID)).
// The server's version lives in packages/transports/src/ws/handshake.ts, which needs
// node:crypto; here SHA-1 comes from crypto.subtle, or from the small implementation below
// where crypto.subtle is missing (pages served over plain http to another machine are not
// a "secure context", and browsers hide crypto.subtle there). The GUID, the key rule and the
// steps around the hash are the server's own (handshake-rules.ts): only the SHA-1 differs.
import { WS_GUID, acceptFromDigest, acceptInput, isValidKey, type AcceptSteps as RuleSteps } from '@wirebench/transports/ws';

/** The GUID of RFC 6455 §1.3: the server's own, from the handshake's browser-safe half. */
export const RFC_GUID = WS_GUID;

export { isValidKey };

export interface AcceptSteps extends RuleSteps {
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

export async function computeAcceptSteps(key: string, subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): Promise<AcceptSteps> {
  const input = acceptInput(key);
  if (subtle) return { ...acceptFromDigest(key, new Uint8Array(await subtle.digest('SHA-1', input))), via: 'crypto.subtle' };
  return { ...acceptFromDigest(key, sha1(input)), via: 'fallback' };
}

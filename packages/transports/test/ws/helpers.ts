// Test helpers: hex literals for frames, and ways to cut input into chunks.

/** "81 05 48 65" -> bytes. Spaces and newlines are ignored. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0) throw new Error(`odd hex: ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** One-byte chunks. */
export function bytewise(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

/** A deterministic pseudo-random generator (mulberry32) for chunkings. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts bytes into chunks of random sizes 1..maxChunk (copies, as a socket would deliver). */
export function randomChunks(bytes: Uint8Array, random: () => number, maxChunk = 7): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = 1 + Math.floor(random() * maxChunk);
    chunks.push(bytes.slice(i, i + n));
    i += n;
  }
  return chunks;
}

/** Masks a payload the way a client does (5.3), for building test frames. */
export function maskBytes(payload: Uint8Array, key: Uint8Array): Uint8Array {
  return payload.map((b, i) => b ^ key[i % 4]!);
}

/** A masked client frame with the smallest length form, built independently of the encoder under test. */
export function clientFrame(b0: number, payload: Uint8Array, key = hex('37 fa 21 3d')): Uint8Array {
  const n = payload.length;
  const len =
    n <= 125
      ? [0x80 | n]
      : n <= 0xffff
        ? [0x80 | 126, n >> 8, n & 0xff]
        : [0x80 | 127, 0, 0, Math.floor(n / 2 ** 40) & 0xff, Math.floor(n / 2 ** 32) & 0xff, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return concatBytes(new Uint8Array([b0, ...len]), key, maskBytes(payload, key));
}

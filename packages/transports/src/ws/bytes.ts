// Small byte arrays for frames. A `new Uint8Array(n)` gets its own backing store, which
// costs far more than the bytes in it (about a microsecond in Node 20, more than decoding a
// small frame). Small arrays are instead cut from a shared slab, as Node's Buffer pool does:
// each region is handed out once, so no array ever sees another's bytes. A slab lives as
// long as any array cut from it, so whoever keeps a small array for long should copy it.

const SLAB_BYTES = 8 * 1024;
/** Larger arrays get their own backing store. */
export const MAX_SLAB_ALLOC = SLAB_BYTES >>> 1;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** `length` bytes, all zero. */
export function allocBytes(length: number): Uint8Array {
  if (length > MAX_SLAB_ALLOC) return new Uint8Array(length);
  if (used + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const out = new Uint8Array(slab, used, length);
  // Regions start on 8-byte boundaries, so word-wise unmasking needs no lead-in.
  used = (used + length + 7) & ~7;
  return out;
}

/** A copy of bytes[start, end). */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  const out = allocBytes(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}

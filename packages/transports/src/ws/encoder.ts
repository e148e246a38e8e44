// Frame encoding (RFC 6455 §5.2). A frame is encoded into one Uint8Array: header, optional
// mask key, payload. Server frames are unmasked, so a broadcast is encoded once and the
// same bytes are written to every recipient.
// readHeader (frame.ts) reads back the header writeHeader writes.
import { allocBytes } from './bytes.ts';
import { applyMask } from './frame.ts';

export interface EncodeFrameOptions {
  opcode: number;
  payload: Uint8Array;
  /** 5.2 FIN: "Indicates that this is the final fragment in a message." Default true. */
  fin?: boolean;
  /** A 4-byte masking key (client frames), or null/undefined for an unmasked (server) frame. */
  mask?: Uint8Array | null;
}

const encoder = new TextEncoder();
const TWO_POW_32 = 0x1_0000_0000;

/**
 * 5.2 "the minimal number of bytes MUST be used to encode the length": the size of a frame's
 * header, with 4 more for the masking key of a masked (client) frame.
 */
export function headerLength(payloadLength: number, masked = false): number {
  return (payloadLength <= 125 ? 2 : payloadLength <= 0xffff ? 4 : 10) + (masked ? 4 : 0);
}

// #region encode-frame
/** The header of a frame: FIN, opcode, MASK, the length in its smallest form, and the masking key if any. */
export function encodeHeader(opcode: number, length: number, fin = true, mask: Uint8Array | null = null): Uint8Array {
  if (mask && mask.length !== 4) throw new RangeError('a masking key is 4 bytes');
  const lengthBytes = headerLength(length);
  const out = allocBytes(lengthBytes + (mask ? 4 : 0));
  writeHeader(out, opcode, length, fin, mask);
  return out;
}

export function encodeFrame(options: EncodeFrameOptions): Uint8Array {
  const { opcode, payload } = options;
  const fin = options.fin ?? true;
  const mask = options.mask ?? null;
  if (mask && mask.length !== 4) throw new RangeError('a masking key is 4 bytes');
  const length = payload.length;
  const headerSize = headerLength(length) + (mask ? 4 : 0);
  const out = allocBytes(headerSize + length);
  writeHeader(out, opcode, length, fin, mask);
  out.set(payload, headerSize);
  // 5.3 the client masks the payload with the key it put in the header.
  if (mask) applyMask(out, mask, headerSize, headerSize + length);
  return out;
}

function writeHeader(out: Uint8Array, opcode: number, length: number, fin: boolean, mask: Uint8Array | null): void {
  const lengthBytes = headerLength(length);
  out[0] = (fin ? 0x80 : 0) | (opcode & 0x0f);
  const maskBit = mask ? 0x80 : 0;
  if (lengthBytes === 2) {
    out[1] = maskBit | length;
  } else if (lengthBytes === 4) {
    out[1] = maskBit | 126;
    out[2] = length >>> 8;
    out[3] = length & 0xff;
  } else {
    out[1] = maskBit | 127;
    const high = Math.floor(length / TWO_POW_32);
    const low = length >>> 0;
    out[2] = high >>> 24;
    out[3] = (high >>> 16) & 0xff;
    out[4] = (high >>> 8) & 0xff;
    out[5] = high & 0xff;
    out[6] = low >>> 24;
    out[7] = (low >>> 16) & 0xff;
    out[8] = (low >>> 8) & 0xff;
    out[9] = low & 0xff;
  }
  // 5.3 "The masking key is contained completely within the frame"; it follows the length.
  if (mask) out.set(mask, lengthBytes);
}
// #endregion encode-frame

/**
 * The payload of a close frame. 5.5.1 "If there is a body, the first two bytes of the body
 * MUST be a 2-byte unsigned integer (in network byte order) representing a status code",
 * followed by a UTF-8 reason. Without a code the body is empty.
 */
export function encodeClose(code?: number, reason = ''): Uint8Array {
  if (code === undefined) {
    if (reason !== '') throw new TypeError('a close reason needs a close code');
    return new Uint8Array(0);
  }
  const reasonBytes = encoder.encode(reason);
  // 5.5 control payloads are at most 125 bytes: 2 for the code, 123 for the reason.
  if (reasonBytes.length > 123) throw new RangeError('a close reason is at most 123 bytes of UTF-8');
  const out = allocBytes(2 + reasonBytes.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(reasonBytes, 2);
  return out;
}

/** A text frame (opcode 0x1) holding `text` as UTF-8. */
export function encodeText(text: string, mask?: Uint8Array | null): Uint8Array {
  return encodeFrame({ opcode: 0x1, payload: encoder.encode(text), mask: mask ?? null });
}

/** A 4-byte masking key from `crypto.getRandomValues` (available in browsers and Node 20). */
export function randomMask(): Uint8Array {
  // 5.3 "The masking key is a 32-bit value chosen at random by the client."
  return globalThis.crypto.getRandomValues(new Uint8Array(4));
}

// What a frame is (RFC 5.2 Base Framing Protocol) and the masking transform (5.3),
// shared by the decoder and the encoder.

// 5.2 Opcode: "%x0 denotes a continuation frame, %x1 ... a text frame, %x2 ... a binary
// frame, %x8 ... a connection close, %x9 ... a ping, %xA ... a pong"; 3-7 and B-F are reserved.
export const OPCODES = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;
export type OpcodeName = keyof typeof OPCODES;

export function opcodeName(opcode: number): OpcodeName | 'RESERVED' {
  switch (opcode) {
    case 0x0: return 'CONTINUATION';
    case 0x1: return 'TEXT';
    case 0x2: return 'BINARY';
    case 0x8: return 'CLOSE';
    case 0x9: return 'PING';
    case 0xa: return 'PONG';
    default: return 'RESERVED';
  }
}

// 5.5 "Control frames are identified by opcodes where the most significant bit of the opcode is 1."
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** 5.5 "All control frames MUST have a payload length of 125 bytes or less". */
export const MAX_CONTROL_PAYLOAD = 125;

export interface Frame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  maskKey: Uint8Array | null;
  /** Which payload length form the header used: the 7-bit field, 126 + 16 bits, or 127 + 64 bits. */
  lengthForm: 7 | 16 | 64;
  payloadLength: number;
  /** The application data, already unmasked. */
  payload: Uint8Array;
  /** The header exactly as it was on the wire (2 to 14 bytes). */
  headerBytes: Uint8Array;
  /** The payload exactly as it was on the wire (still masked); only with the decoder's `inspect` option. */
  wirePayload?: Uint8Array;
}

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
// Below this many bytes a 32-bit view costs more than it saves.
const WORD_THRESHOLD = 32;

/**
 * XORs data[start, end) with the 4-byte mask in place.
 * 5.3 "Octet i of the transformed data is the XOR of octet i of the original data with
 * octet at index i modulo 4 of the masking key." `phase` is the mask index of data[start].
 * Works 32 bits at a time once the position is 4-byte aligned, then finishes byte by byte.
 */
// #region mask
export function applyMask(data: Uint8Array, mask: Uint8Array, start = 0, end = data.length, phase = 0): void {
  let i = start;
  const m = mask;
  if (end - start >= WORD_THRESHOLD) {
    const base = data.byteOffset;
    while (((base + i) & 3) !== 0) {
      data[i] = data[i]! ^ m[(phase + i - start) & 3]!;
      i++;
    }
    const words = (end - i) >>> 2;
    const k = (phase + i - start) & 3;
    const b0 = m[k]!;
    const b1 = m[(k + 1) & 3]!;
    const b2 = m[(k + 2) & 3]!;
    const b3 = m[(k + 3) & 3]!;
    // The word must have the mask bytes in memory order, whatever the platform's byte order.
    const word = LITTLE_ENDIAN
      ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)
      : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
    const view = new Uint32Array(data.buffer, base + i, words);
    for (let w = 0; w < words; w++) view[w] = view[w]! ^ word;
    i += words << 2;
  }
  for (; i < end; i++) data[i] = data[i]! ^ m[(phase + i - start) & 3]!;
}
// #endregion mask

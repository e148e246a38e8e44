// What a frame is (RFC 5.2 Base Framing Protocol), the masking transform (5.3) and the
// header read back from bytes, shared by the decoder, the encoder and whoever shows frames.

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

/** A whole frame: its header's fields (FrameHeader, below), its payload and the bytes it came as. */
export interface Frame extends Omit<FrameHeader, 'size'> {
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

// 5.2 the header, read back. The decoder reads these fields one state at a time as bytes
// arrive, checking each; readHeader reads a header that is whole and already known to be
// well formed (bytes this side encoded, or a header the decoder accepted) and checks nothing.

/** The fields of a frame header (5.2) and its size. */
export interface FrameHeader {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** A view of the header's last 4 bytes when masked. */
  maskKey: Uint8Array | null;
  /** Which payload length form the header used: the 7-bit field, 126 + 16 bits, or 127 + 64 bits. */
  lengthForm: 7 | 16 | 64;
  payloadLength: number;
  /** Header bytes, masking key included: 2 to 14. */
  size: number;
}

// 5.2 Payload length: "If 126, the following 2 bytes interpreted as a 16-bit unsigned integer
// are the payload length. If 127, the following 8 bytes interpreted as a 64-bit unsigned
// integer (the most significant bit MUST be 0) are the payload length." Network byte order.

/** The 16-bit extended payload length at bytes[at, at + 2). */
export function readLength16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

/** The 64-bit extended payload length at bytes[at, at + 8); not exact above 2^53, far beyond any limit. */
export function readLength64(bytes: Uint8Array, at: number): number {
  const high = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  const low = ((bytes[at + 4]! << 24) | (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!) >>> 0;
  return high * 0x1_0000_0000 + low;
}

export function readHeader(bytes: Uint8Array): FrameHeader {
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const len7 = b1 & 0x7f;
  const masked = (b1 & 0x80) !== 0;
  let lengthForm: FrameHeader['lengthForm'] = 7;
  let payloadLength = len7;
  let size = 2;
  if (len7 === 126) {
    lengthForm = 16;
    payloadLength = readLength16(bytes, 2);
    size = 4;
  } else if (len7 === 127) {
    lengthForm = 64;
    payloadLength = readLength64(bytes, 2);
    size = 10;
  }
  // 5.2 Masking-key: "present if the mask bit is set to 1"; it ends the header.
  const maskKey = masked ? bytes.subarray(size, size + 4) : null;
  if (masked) size += 4;
  return {
    fin: (b0 & 0x80) !== 0,
    rsv1: (b0 & 0x40) !== 0,
    rsv2: (b0 & 0x20) !== 0,
    rsv3: (b0 & 0x10) !== 0,
    opcode: b0 & 0x0f,
    masked,
    maskKey,
    lengthForm,
    payloadLength,
    size,
  };
}

/**
 * A Frame describing bytes this side encoded: the whole frame, or its header alone with the
 * unmasked `payload` beside it. For the onFrame hook and the inspector, never the hot path.
 */
export function describeEncoded(bytes: Uint8Array, payload?: Uint8Array): Frame {
  const { size, ...header } = readHeader(bytes);
  let plain = payload;
  if (!plain) {
    plain = bytes.slice(size, size + header.payloadLength);
    if (header.maskKey) applyMask(plain, header.maskKey);
  }
  return { ...header, payload: plain, headerBytes: bytes.subarray(0, size) };
}

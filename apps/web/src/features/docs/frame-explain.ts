// The frame decoder widget's model: hex text in, every field of every frame out, decoded by
// the real FrameDecoder of packages/transports/src/ws (the same one the server runs).
import { FrameDecoder, WsProtocolError, opcodeName, type Frame } from '@wirebench/transports/ws';

export type Role = 'server' | 'client';

export interface ExplainedFrame {
  frame: Frame;
  opcodeName: string;
  /** The text of a text or continuation frame, or a close frame's reason, when it is valid UTF-8. */
  text: string | null;
  closeCode: number | null;
}

export interface Explanation {
  bytes: Uint8Array;
  role: Role;
  frames: ExplainedFrame[];
  error: { code: string; closeCode: number; message: string } | null;
  /** The decoder's state after the input: HEADER means every byte was used. */
  state: string;
  /** Parse problem of the hex text itself. */
  inputError: HexError | null;
}

/** What is wrong with a hex text: a character that is not a hex digit, or half a byte. */
export type HexError = 'not-hex' | 'odd-digits';

/** Hex bytes, with any spaces, commas, newlines or 0x prefixes. */
export function parseHex(text: string): { bytes: Uint8Array; error: HexError | null } {
  const cleaned = text.replace(/0x/gi, '').replace(/[\s,:;-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(cleaned)) return { bytes: new Uint8Array(0), error: 'not-hex' };
  if (cleaned.length % 2 !== 0) return { bytes: new Uint8Array(0), error: 'odd-digits' };
  const bytes = new Uint8Array(cleaned.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(cleaned.slice(i * 2, i * 2 + 2), 16);
  return { bytes, error: null };
}

/** 5.1: frames from a client are masked. A masked first frame was most likely sent by a client. */
export function guessRole(bytes: Uint8Array): Role {
  return bytes.length > 1 && (bytes[1]! & 0x80) !== 0 ? 'server' : 'client';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function textOf(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

export function explain(hexText: string, role: Role | 'auto'): Explanation {
  const { bytes, error } = parseHex(hexText);
  const actualRole = role === 'auto' ? guessRole(bytes) : role;
  const base: Explanation = { bytes, role: actualRole, frames: [], error: null, state: 'HEADER', inputError: error };
  if (error) return base;
  const decoder = new FrameDecoder({ role: actualRole, maxPayloadBytes: 16 * 1024 * 1024, inspect: true });
  let frames: Frame[] = [];
  try {
    frames = decoder.push(bytes);
  } catch (err) {
    frames = decoder.takeFrames();
    const e = err instanceof WsProtocolError ? err : new WsProtocolError('WS_ERR_INTERNAL');
    base.error = { code: e.code, closeCode: e.closeCode, message: e.message };
  }
  base.state = decoder.state;
  base.frames = frames.map((frame) => {
    let text: string | null = null;
    let closeCode: number | null = null;
    if (frame.opcode === 0x1 || frame.opcode === 0x0) text = textOf(frame.payload);
    if (frame.opcode === 0x8 && frame.payload.length >= 2) {
      closeCode = (frame.payload[0]! << 8) | frame.payload[1]!;
      text = textOf(frame.payload.subarray(2));
    }
    return { frame, opcodeName: opcodeName(frame.opcode), text, closeCode };
  });
  return base;
}

/** Every byte as two hex digits, space-separated (a line breaks between bytes, never inside one). */
export function hexBytes(bytes: Uint8Array | null | undefined): string {
  if (!bytes) return '';
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

// The frame decoder widget's model: hex text in, every field of every frame out, decoded by
// the real FrameDecoder of packages/transports/src/ws (the same one the server runs). Frames
// of a compressed message (RFC 7692: RSV1 on its first frame) are inflated by the core's
// MessageDeflate over the browser's DecompressionStream.
import {
  FrameDecoder,
  MessageDeflate,
  WorkQueue,
  WsProtocolError,
  decompressionStreamEngine,
  opcodeName,
  type Frame,
} from '@wirebench/transports/ws';

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
  // RSV1 is read as permessage-deflate's bit: the frames may come from a compressed connection.
  const decoder = new FrameDecoder({ role: actualRole, maxPayloadBytes: 16 * 1024 * 1024, inspect: true, allowRsv1: true });
  let frames: Frame[] = [];
  try {
    frames = decoder.push(bytes);
  } catch (err) {
    frames = decoder.takeFrames();
    const e = err instanceof WsProtocolError ? err : new WsProtocolError('WS_ERR_INTERNAL');
    base.error = { code: e.code, closeCode: e.closeCode, message: e.message };
  }
  base.state = decoder.state;
  // RFC 7692 6.1 "An endpoint MUST NOT set the "Per-Message Compressed" bit of control frames
  // and non-first fragments of a data message" (the connection checks this, not the decoder).
  const wrongRsv1 = frames.findIndex((f) => f.rsv1 && f.opcode !== 0x1 && f.opcode !== 0x2);
  if (wrongRsv1 >= 0) {
    frames = frames.slice(0, wrongRsv1 + 1);
    const e = new WsProtocolError('WS_ERR_UNEXPECTED_RSV1');
    base.error = { code: e.code, closeCode: e.closeCode, message: e.message };
    base.state = 'FAILED';
  }
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

/** A frame of a compressed message, inflated: its bytes and their text, or why it could not be. */
export interface InflatedFrame {
  bytes: Uint8Array | null;
  /** The text of a text message's frame when its inflated bytes are valid UTF-8 on their own. */
  text: string | null;
  /** The bytes are not DEFLATE data, or refer back to earlier messages that are not in the input. */
  failed: boolean;
}

// RFC 7692 7.1.2: a window of 2^15 reads any sender's data; keeping it from message to message
// (context takeover) reads both a sender that kept its window and one that did not.
const ANY_SENDER = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

/**
 * RFC 7692 7.2.2: the frames of compressed messages inflated, in order, one DEFLATE stream for
 * the whole input; index by index with `frames`, null for a frame that is not compressed.
 */
export async function inflateFrames(frames: readonly ExplainedFrame[], role: Role): Promise<Array<InflatedFrame | null>> {
  const deflate = new MessageDeflate(ANY_SENDER, role, decompressionStreamEngine, new WorkQueue(1));
  const out: Array<InflatedFrame | null> = [];
  // 6.1 RSV1 on the first frame says the message is compressed; its continuations carry its rest.
  let compressed = false;
  let text = false;
  try {
    for (const { frame } of frames) {
      if (frame.opcode === 0x1 || frame.opcode === 0x2) {
        compressed = frame.rsv1;
        text = frame.opcode === 0x1;
      } else if (frame.opcode !== 0x0) {
        out.push(null);
        continue;
      }
      if (!compressed) {
        out.push(null);
        continue;
      }
      const pieces: Uint8Array[] = [];
      try {
        await deflate.decompress(frame.payload, frame.fin, (piece) => (pieces.push(piece.slice()), true));
      } catch {
        out.push({ bytes: null, text: null, failed: true });
        continue;
      }
      const bytes = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of pieces) {
        bytes.set(p, at);
        at += p.length;
      }
      out.push({ bytes, text: text ? textOf(bytes) : null, failed: false });
    }
  } finally {
    deflate.close();
  }
  return out;
}

// Chapters 2 and 3: the handshake hash, the RFC's example frames through the real encoder and
// decoder, the close codes and the WS_ERR_* codes.
import {
  CLOSE_CODES,
  FrameDecoder,
  OPCODES,
  WS_ERRORS,
  encodeFrame,
  isValidCloseCode,
  opcodeName,
} from '../../../packages/transports/src/ws/index.ts';
import { acceptSteps } from '../../../packages/transports/src/ws/handshake.ts';
import type { Language, Localised } from '../languages.ts';
import { hex, localised } from './text.ts';

const text = new TextEncoder();

// --- 1.3 the handshake hash ---------------------------------------------------------------

export function handshakeSteps(): Localised {
  const s = acceptSteps('dGhlIHNhbXBsZSBub25jZQ==');
  const words = {
    en: ['| step | value |', 'Sec-WebSocket-Key (RFC 6455 §1.3)', '+ GUID', 'SHA-1, hex', 'base64 of the 20 bytes = Sec-WebSocket-Accept'],
    'zh-CN': ['| 步骤 | 值 |', 'Sec-WebSocket-Key（RFC 6455 §1.3）', '+ GUID', 'SHA-1，十六进制', '这 20 个字节的 base64 = Sec-WebSocket-Accept'],
  };
  return localised((l) => {
    const [head, key, guid, sha, accept] = words[l];
    return [
      head,
      '|---|---|',
      `| ${key} | \`${s.key}\` |`,
      `| ${guid} | \`${s.concatenated}\` |`,
      `| ${sha} | \`${s.sha1Hex}\` |`,
      `| ${accept} | \`${s.accept}\` |`,
    ].join('\n');
  });
}

// --- 5.7 example frames, encoded by the real encoder ------------------------------------------

export const RFC_MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

export interface ExampleFrame {
  title: Localised;
  bytes: Uint8Array;
  role: 'server' | 'client';
}

export function rfcExampleFrames(): ExampleFrame[] {
  const hello = text.encode('Hello');
  return [
    {
      title: { en: 'a single-frame unmasked text message "Hello" (server to client)', 'zh-CN': '单帧、不加掩码的文本消息 "Hello"（服务器发给客户端）' },
      role: 'client',
      bytes: encodeFrame({ opcode: OPCODES.TEXT, payload: hello }),
    },
    {
      title: {
        en: 'a single-frame masked text message "Hello" (client to server, mask 37 fa 21 3d)',
        'zh-CN': '单帧、加了掩码的文本消息 "Hello"（客户端发给服务器，掩码 37 fa 21 3d）',
      },
      role: 'server',
      bytes: encodeFrame({ opcode: OPCODES.TEXT, payload: hello, mask: RFC_MASK }),
    },
    {
      title: { en: 'a fragmented unmasked text message: first frame "Hel" (FIN = 0)', 'zh-CN': '分片发送、不加掩码的文本消息：第一帧 "Hel"（FIN = 0）' },
      role: 'client',
      bytes: encodeFrame({ opcode: OPCODES.TEXT, payload: text.encode('Hel'), fin: false }),
    },
    {
      title: { en: '… and its continuation "lo" (opcode 0, FIN = 1)', 'zh-CN': '……以及它的后续帧 "lo"（opcode 0，FIN = 1）' },
      role: 'client',
      bytes: encodeFrame({ opcode: OPCODES.CONTINUATION, payload: text.encode('lo') }),
    },
    {
      title: { en: 'an unmasked ping carrying "Hello"', 'zh-CN': '携带 "Hello"、不加掩码的 ping' },
      role: 'client',
      bytes: encodeFrame({ opcode: OPCODES.PING, payload: hello }),
    },
    {
      title: { en: 'a masked pong answering it (mask 37 fa 21 3d)', 'zh-CN': '回应它的、加了掩码的 pong（掩码 37 fa 21 3d）' },
      role: 'server',
      bytes: encodeFrame({ opcode: OPCODES.PONG, payload: hello, mask: RFC_MASK }),
    },
    {
      title: { en: '256 bytes of binary data: the header alone (16-bit length form)', 'zh-CN': '256 字节的二进制数据：只列帧头（16 位长度形式）' },
      role: 'client',
      bytes: encodeFrame({ opcode: OPCODES.BINARY, payload: new Uint8Array(256) }).subarray(0, 4),
    },
    {
      title: { en: '64 KiB of binary data: the header alone (64-bit length form)', 'zh-CN': '64 KiB 的二进制数据：只列帧头（64 位长度形式）' },
      role: 'client',
      bytes: encodeFrame({ opcode: OPCODES.BINARY, payload: new Uint8Array(65536) }).subarray(0, 10),
    },
  ];
}

export function rfcFrames(): Localised {
  const head = { en: '| frame | bytes on the wire |', 'zh-CN': '| 帧 | 线路上的字节 |' };
  return localised((l) => {
    const rows = [head[l], '|---|---|'];
    for (const f of rfcExampleFrames()) rows.push(`| ${f.title[l]} | \`${hex(f.bytes)}\` |`);
    return rows.join('\n');
  });
}

/** The masked "Hello" taken apart by the real decoder, field by field. */
export function decodedMaskedHello(): Localised {
  const bytes = encodeFrame({ opcode: OPCODES.TEXT, payload: text.encode('Hello'), mask: RFC_MASK });
  const [frame] = new FrameDecoder({ role: 'server', maxPayloadBytes: 1024, inspect: true }).push(bytes);
  if (!frame) throw new Error('the decoder returned no frame');
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const bits = (n: number) => n.toString(2).padStart(8, '0');
  const notes = {
    en: { form: 'bit form', masked: '(masked payload)', unmasked: '(after XOR with the mask)' },
    'zh-CN': { form: '位长度形式', masked: '（加了掩码的载荷）', unmasked: '（与掩码逐字节异或之后）' },
  };
  return localised((l) => {
    const n = notes[l];
    return [
      '```text',
      `byte 0  ${hex(bytes.subarray(0, 1))} = ${bits(b0)}`,
      `        FIN=${frame.fin ? 1 : 0}  RSV1=${+frame.rsv1} RSV2=${+frame.rsv2} RSV3=${+frame.rsv3}  opcode=${frame.opcode.toString(2).padStart(4, '0')} (${opcodeName(frame.opcode)})`,
      `byte 1  ${hex(bytes.subarray(1, 2))} = ${bits(b1)}`,
      `        MASK=${+frame.masked}  length=${(b1 & 0x7f).toString(2).padStart(7, '0')} (${frame.payloadLength}, ${frame.lengthForm}-${n.form})`,
      `mask    ${hex(frame.maskKey!)}`,
      `wire    ${hex(frame.wirePayload!)}   ${n.masked}`,
      `payload ${hex(frame.payload)}   ${n.unmasked} = "${new TextDecoder().decode(frame.payload)}"`,
      '```',
    ].join('\n');
  });
}

// --- errors and close codes ---------------------------------------------------------------

/** The WS_ERR_* table; the messages stay as the server sends them (a close reason, an HTTP body). */
export function wsErrorTable(kind: 'frames' | 'handshake'): Localised {
  const heads: Record<Language, Record<typeof kind, string>> = {
    en: { frames: '| code | close code | message |', handshake: '| code | HTTP status | message |' },
    'zh-CN': { frames: '| 代码 | 关闭码 | 消息（服务器发送的原文） |', handshake: '| 代码 | HTTP 状态码 | 消息（服务器发送的原文） |' },
  };
  return localised((l) => {
    const rows = [heads[l][kind], '|---|---|---|'];
    for (const [code, entry] of Object.entries(WS_ERRORS)) {
      const isHandshake = entry.closeCode < 1000;
      if ((kind === 'handshake') !== isHandshake) continue;
      rows.push(`| \`${code}\` | ${entry.closeCode} | ${entry.message} |`);
    }
    return rows.join('\n');
  });
}

export function closeCodeTable(): Localised {
  const words = {
    en: { head: '| code | name | may be sent in a close frame |', yes: 'yes', no: '**no**', range: '(range)', up: 'and up' },
    'zh-CN': { head: '| 关闭码 | 名称 | 能否写进关闭帧 |', yes: '可以', no: '**不可以**', range: '（区间）', up: '及以上' },
  };
  return localised((l) => {
    const w = words[l];
    const rows = [w.head, '|---|---|---|'];
    for (const [name, code] of Object.entries(CLOSE_CODES)) rows.push(`| ${code} | \`${name}\` | ${isValidCloseCode(code) ? w.yes : w.no} |`);
    const ranges: Array<[string, number]> = [['0–999', 999], ['1016–2999', 2000], ['3000–3999', 3000], ['4000–4999', 4000], [`5000 ${w.up}`, 5000]];
    for (const [range, sample] of ranges) rows.push(`| ${range} | ${w.range} | ${isValidCloseCode(sample) ? w.yes : w.no} |`);
    return rows.join('\n');
  });
}

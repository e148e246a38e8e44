// 8.1 strict UTF-8 inside a frame (Autobahn 6.4.3 / 6.4.4): a text frame whose payload turns
// invalid part-way fails the connection with 1007 as soon as the invalid byte arrives, before
// the frame is complete; a code point split across reads or fragments still passes.
import { describe, expect, it } from 'vitest';
import { WsConnection } from '../../src/ws/connection.ts';
import { bytewise, clientFrame, concatBytes, hex, toHex, utf8 } from './helpers.ts';

function server() {
  return new WsConnection({ role: 'server' });
}

describe('8.1 text checked while a frame arrives', () => {
  it('6.4.3: header, a valid prefix and the invalid byte, without the rest: the close 1007 is out at once', () => {
    const valid = utf8('κόσμε');
    const payload = concatBytes(valid, hex('f4 90 80 80'), utf8('edited'));
    const frame = clientFrame(0x81, payload);
    const invalidAt = frame.length - payload.length + valid.length + 1; // f4 90: past U+10FFFF at its second byte
    const conn = server();
    // First the header and the valid prefix: nothing is wrong yet.
    conn.receiveData(frame.subarray(0, invalidAt - 1));
    expect(conn.dataToSend()).toEqual([]);
    expect(conn.state).toBe('OPEN');
    // Then the byte that makes it invalid, with the frame still 10 bytes short.
    conn.receiveData(frame.subarray(invalidAt - 1, invalidAt + 1));
    const out = conn.dataToSend();
    expect(out.length).toBe(1);
    expect(toHex(out[0]!.subarray(0, 4))).toBe('88 1f 03 ef');
    expect(conn.state).toBe('CLOSED');
    expect(conn.closeCode).toBe(1007);
  });

  it('6.4.4: the same one byte at a time fails at the invalid byte', () => {
    const payload = concatBytes(utf8('κόσμε'), hex('f4 90 80 80'), utf8('edited'));
    const frame = clientFrame(0x81, payload);
    const conn = server();
    let fedBeforeClose = 0;
    for (const byte of bytewise(frame)) {
      conn.receiveData(byte);
      fedBeforeClose++;
      if (conn.dataToSend().length > 0) break;
    }
    expect(conn.closeCode).toBe(1007);
    expect(fedBeforeClose).toBe(frame.length - payload.length + utf8('κόσμε').length + 2);
  });

  it('a valid code point split across reads passes, in one frame and across fragments', () => {
    const text = 'a𝄞b€c';
    const conn = server();
    for (const byte of bytewise(clientFrame(0x81, utf8(text)))) conn.receiveData(byte);
    const bytes = utf8(text);
    const fragments = concatBytes(clientFrame(0x01, bytes.subarray(0, 3)), clientFrame(0x80, bytes.subarray(3)));
    for (const byte of bytewise(fragments)) conn.receiveData(byte);
    expect(conn.events()).toEqual([
      { type: 'text', data: text },
      { type: 'text', data: text },
    ]);
  });

  it('a message that ends inside a code point still fails at its end', () => {
    const conn = server();
    for (const byte of bytewise(clientFrame(0x81, hex('61 e2 82')))) conn.receiveData(byte);
    expect(conn.closeCode).toBe(1007);
  });
});

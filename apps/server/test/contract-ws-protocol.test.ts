// CONTRACT.md: "Protocol violations end the connection with the close code
// RFC 6455 names (1002 protocol error, 1007 invalid UTF-8, 1009 too big);
// close codes outside 1000–1003, 1007–1014 and 3000–4999 are protocol errors."
// Frames written by hand over node:net, on all four WebSocket paths.
import { afterEach, describe, expect, it } from 'vitest';
import { appPool, closePayload, rawWs, roomState, tick, wireFrame } from './helpers/contract.ts';

const pool = appPool();
type RawWs = Awaited<ReturnType<typeof rawWs>>;
const sockets: RawWs[] = [];
afterEach(async () => {
  // Say goodbye properly (a vanished peer is contract-stats' business), then drop TCP.
  await Promise.all(
    sockets.splice(0).map(async (ws) => {
      ws.write(wireFrame(CLOSE, closePayload(1000)));
      await Promise.race([ws.closeCode(), tick(500)]);
      ws.destroy();
    }),
  );
  await pool.closeAll();
});

const TEXT = 1;
const BINARY = 2;
const CONTINUATION = 0;
const CLOSE = 8;
const PING = 9;

const violations: Array<[string, number, () => Buffer]> = [
  ['an unmasked client frame', 1002, () => wireFrame(TEXT, 'hi', { mask: false })],
  ['reserved opcode 3', 1002, () => wireFrame(3, 'x')],
  ['reserved opcode 0xB (control)', 1002, () => wireFrame(0xb, '')],
  ['RSV1 without an extension', 1002, () => wireFrame(TEXT, 'x', { rsv: 4 })],
  ['a continuation with nothing to continue', 1002, () => wireFrame(CONTINUATION, 'x')],
  ['a fragmented ping', 1002, () => wireFrame(PING, 'p', { fin: false })],
  ['a ping of 126 bytes', 1002, () => wireFrame(PING, Buffer.alloc(126))],
  ['a new text frame inside a fragmented message', 1002, () => Buffer.concat([wireFrame(TEXT, 'a', { fin: false }), wireFrame(TEXT, 'b')])],
  ['invalid UTF-8 in a text frame', 1007, () => wireFrame(TEXT, Buffer.from([0x68, 0xc3, 0x28]))],
  ['UTF-8 split invalidly across fragments', 1007, () => Buffer.concat([wireFrame(TEXT, Buffer.from([0xe2, 0x82]), { fin: false }), wireFrame(CONTINUATION, Buffer.from([0x41]))])],
  ['a close payload of one byte', 1002, () => wireFrame(CLOSE, Buffer.from([0x03]))],
  ['a close reason that is not UTF-8', 1007, () => wireFrame(CLOSE, Buffer.concat([closePayload(1000), Buffer.from([0xff])]))],
  ...[0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000].map(
    (code) => [`close code ${code}`, 1002, () => wireFrame(CLOSE, closePayload(code))] as [string, number, () => Buffer],
  ),
];

describe.each(['/ws/raw', '/ws/lib', '/ws/raw/echo', '/ws/lib/echo'])('%s protocol violations', (path) => {
  it.each(violations)('%s → close %i', async (_what, code, bytes) => {
    const s = await pool.listening();
    const ws = await rawWs(s.port, path);
    sockets.push(ws);
    const before = await roomState(s.app);
    ws.write(bytes());
    expect(await ws.closeCode()).toBe(code);
    expect(await roomState(s.app)).toEqual(before);
  });

  it.each([1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999])('close code %i is valid: the server answers the close without 1002', async (code) => {
    const s = await pool.listening();
    const ws = await rawWs(s.port, path);
    sockets.push(ws);
    ws.write(wireFrame(CLOSE, closePayload(code, 'bye')));
    const answered = await ws.closeCode();
    expect(answered).not.toBe(1002);
    expect(answered).not.toBe(1006);
  });

  it('a message fragmented in three, with a ping between, is taken whole', async () => {
    const s = await pool.listening();
    const ws = await rawWs(s.port, path);
    sockets.push(ws);
    const text = path.endsWith('/echo') ? 'frag-mented-text' : JSON.stringify({ type: 'send', text: 'frag-mented' });
    const third = Math.floor(text.length / 3);
    ws.write(
      Buffer.concat([
        wireFrame(TEXT, text.slice(0, third), { fin: false }),
        wireFrame(PING, 'are you there'),
        wireFrame(CONTINUATION, text.slice(third, 2 * third), { fin: false }),
        wireFrame(CONTINUATION, text.slice(2 * third)),
      ]),
    );
    const seen = (): boolean =>
      ws.frames.some((f) => f.opcode === 10) &&
      ws.frames.some((f) => f.opcode === TEXT && f.payload.toString().includes(path.endsWith('/echo') ? text : '"ack"'));
    for (let i = 0; i < 400 && !seen(); i++) await new Promise((r) => setTimeout(r, 5));
    const pong = ws.frames.find((f) => f.opcode === 10);
    expect(pong?.payload.toString()).toBe('are you there');
    if (path.endsWith('/echo')) {
      expect(ws.frames.find((f) => f.opcode === TEXT)?.payload.toString()).toBe(text);
    } else {
      expect((await roomState(s.app)).all.map((m) => m.text)).toEqual(['frag-mented']);
    }
    expect(ws.frames.some((f) => f.opcode === CLOSE)).toBe(false);
  });

  it('binary frames on echo come back binary; on chat they are an error object, not a close', async () => {
    const s = await pool.listening();
    const ws = await rawWs(s.port, path);
    sockets.push(ws);
    ws.write(wireFrame(BINARY, Buffer.from([1, 2, 3])));
    const isEcho = path.endsWith('/echo');
    const want = (): boolean => ws.frames.some((f) => (isEcho ? f.opcode === BINARY : f.opcode === TEXT && f.payload.toString().includes('"error"')));
    for (let i = 0; i < 400 && !want(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(want()).toBe(true);
    expect(ws.frames.some((f) => f.opcode === CLOSE)).toBe(false);
  });
});

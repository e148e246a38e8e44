// RFC 7692 permessage-deflate in the sans-I/O connection: §7.2.3's examples byte for byte (fed
// whole and one byte at a time, on both sides), RSV1's rules (§6.1), context takeover, the
// size limit enforced while inflating, control frames, and the shared bound on zlib work.
import { describe, expect, it } from 'vitest';
import { MessageDeflate, WorkQueue, type DeflateEngine } from '../../src/ws/deflate.ts';
import { WsConnection, type WsEvent } from '../../src/ws/connection.ts';
import type { DeflateParams } from '../../src/ws/extension.ts';
import { bytewise, clientFrame, concatBytes, hex, toHex, utf8 } from './helpers.ts';
import { testEngine } from './zlib-engine.ts';

const TAKEOVER: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
const NO_TAKEOVER: DeflateParams = { ...TAKEOVER, serverNoContextTakeover: true, clientNoContextTakeover: true };

interface Peer {
  conn: WsConnection;
  events: WsEvent[];
  sent: Uint8Array[];
  engine: ReturnType<typeof testEngine>;
}

function peer(role: 'server' | 'client', params = TAKEOVER, opts: { max?: number; engine?: DeflateEngine & { counts: { open: number; produced: number } }; queue?: WorkQueue; minBytes?: number } = {}): Peer {
  const engine = opts.engine ?? testEngine();
  const events: WsEvent[] = [];
  const sent: Uint8Array[] = [];
  const take = (): void => {
    events.push(...conn.events());
    sent.push(...conn.dataToSend());
  };
  const conn: WsConnection = new WsConnection({
    role,
    maxMessageBytes: opts.max ?? 1 << 20,
    generateMask: () => hex('37 fa 21 3d'),
    deflate: new MessageDeflate(params, role, engine, opts.queue ?? new WorkQueue(4), { minBytes: opts.minBytes ?? 0 }),
    onWake: take,
  });
  return { conn, events, sent, engine };
}

/** Waits until `cond` holds (zlib answers from its thread pool), at most `ms`. */
async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 1));
  expect(cond()).toBe(true);
}

function feed(p: Peer, chunks: Uint8Array[]): void {
  for (const chunk of chunks) {
    p.conn.receiveData(chunk);
    p.events.push(...p.conn.events());
    p.sent.push(...p.conn.dataToSend());
  }
}

const texts = (p: Peer) => p.events.filter((e) => e.type === 'text').map((e) => (e as { data: string }).data);
const closeOf = (p: Peer) => p.events.find((e) => e.type === 'close') as { code: number } | undefined;

// §7.2.3, server-to-client frames (unmasked), each example with the text it carries.
const EXAMPLES: Array<[string, string[], string[]]> = [
  ['7.2.3.1 a message compressed in one DEFLATE block', ['c1 07 f2 48 cd c9 c9 07 00'], ['Hello']],
  ['7.2.3.1 the same message in two fragments', ['41 03 f2 48 cd', '80 04 c9 c9 07 00'], ['Hello']],
  ['7.2.3.2 two messages sharing the LZ77 window', ['c1 07 f2 48 cd c9 c9 07 00', 'c1 05 f2 00 11 00 00'], ['Hello', 'Hello']],
  ['7.2.3.3 a DEFLATE block with no compression', ['c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00'], ['Hello']],
  ['7.2.3.4 a DEFLATE block with BFINAL set', ['c1 08 f3 48 cd c9 c9 07 00 00'], ['Hello']],
  ['7.2.3.5 two DEFLATE blocks in one message', ['c1 0d f2 48 05 00 00 00 ff ff ca c9 c9 07 00'], ['Hello']],
];

describe('RFC 7692 7.2.3 examples, received', () => {
  for (const [name, frames, want] of EXAMPLES) {
    for (const cut of ['whole', 'byte by byte'] as const) {
      it(`${name} (client side, ${cut})`, async () => {
        const p = peer('client');
        const bytes = concatBytes(...frames.map(hex));
        feed(p, cut === 'whole' ? [bytes] : bytewise(bytes));
        await until(() => texts(p).length === want.length);
        expect(texts(p)).toEqual(want);
        expect(closeOf(p)).toBeUndefined();
      });
      it(`${name} (server side, masked by a client, ${cut})`, async () => {
        const p = peer('server');
        const bytes = concatBytes(...frames.map(hex).map((f) => clientFrame(f[0]!, f.subarray(2))));
        feed(p, cut === 'whole' ? [bytes] : bytewise(bytes));
        await until(() => texts(p).length === want.length);
        expect(texts(p)).toEqual(want);
        expect(p.sent).toEqual([]);
      });
    }
  }
});

describe('RFC 7692 7.2.3 examples, sent', () => {
  it('7.2.3.1 "Hello" leaves as c1 07 f2 48 cd c9 c9 07 00 (the 00 00 ff ff tail removed)', async () => {
    const p = peer('server');
    p.conn.sendText('Hello');
    await until(() => p.sent.length === 1);
    expect(toHex(p.sent[0]!)).toBe('c1 07 f2 48 cd c9 c9 07 00');
  });

  it('7.2.3.2 with context takeover the second "Hello" refers back to the first: c1 05 f2 00 11 00 00', async () => {
    const p = peer('server');
    p.conn.sendText('Hello');
    p.conn.sendText('Hello');
    await until(() => p.sent.length === 2);
    expect(p.sent.map(toHex)).toEqual(['c1 07 f2 48 cd c9 c9 07 00', 'c1 05 f2 00 11 00 00']);
    expect(p.conn.compressed).toBe(true);
  });

  it('7.1.1.1 server_no_context_takeover: every message starts from an empty window, and no zlib stream stays open', async () => {
    const p = peer('server', NO_TAKEOVER);
    p.conn.sendText('Hello');
    p.conn.sendText('Hello');
    await until(() => p.sent.length === 2);
    expect(p.sent.map(toHex)).toEqual(['c1 07 f2 48 cd c9 c9 07 00', 'c1 07 f2 48 cd c9 c9 07 00']);
    expect(p.engine.counts.open).toBe(0);
  });

  it('a client masks the compressed payload, and the server reads it back', async () => {
    const client = peer('client');
    const server = peer('server');
    client.conn.sendText('Hello, Hello, Hello');
    client.conn.sendBinary(utf8('bytes bytes bytes'));
    await until(() => client.sent.length === 2);
    expect(client.sent[0]![0]).toBe(0xc1);
    expect(client.sent[0]![1]! & 0x80).toBe(0x80);
    feed(server, client.sent);
    await until(() => server.events.length === 2);
    expect(texts(server)).toEqual(['Hello, Hello, Hello']);
    expect(server.events[1]).toEqual({ type: 'binary', data: utf8('bytes bytes bytes') });
  });
});

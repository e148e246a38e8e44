// RFC 7692 permessage-deflate in the sans-I/O connection: §7.2.3's examples byte for byte (fed
// whole and one byte at a time, on both sides), RSV1's rules (§6.1), context takeover, the
// size limit enforced while inflating, control frames, and the shared bound on zlib work.
import { describe, expect, it } from 'vitest';
import { MessageDeflate, WorkQueue, type DeflateEngine } from '../../src/ws/deflate.ts';
import { WsConnection, type WsEvent } from '../../src/ws/connection.ts';
import type { DeflateParams } from '../../src/ws/extension.ts';
import { bytewise, clientFrame, concatBytes, hex, seeded, toHex, utf8 } from './helpers.ts';
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

describe('RFC 7692 6.1 RSV1', () => {
  const cases: Array<[string, Uint8Array]> = [
    ['on a continuation frame', concatBytes(clientFrame(0x41, hex('f2 48 cd')), clientFrame(0xc0, hex('c9 c9 07 00')))],
    ['on a ping', clientFrame(0xc9, utf8('hi'))],
    ['on a close frame', clientFrame(0xc8, hex('03 e8'))],
  ];
  for (const [name, bytes] of cases) {
    it(`${name} fails the connection with 1002`, async () => {
      const p = peer('server');
      feed(p, [bytes]);
      await until(() => closeOf(p) !== undefined);
      expect(closeOf(p)?.code).toBe(1002);
      expect(toHex(p.sent.at(-1)!.subarray(0, 4))).toBe('88 2d 03 ea');
    });
  }

  it('RSV2 and RSV3 stay refused when the extension is on', () => {
    const p = peer('server');
    feed(p, [clientFrame(0xa1, utf8('x'))]);
    expect(closeOf(p)?.code).toBe(1002);
  });

  it('control frames are never compressed, and an uncompressed message may follow a compressed one', async () => {
    const p = peer('server');
    feed(p, [clientFrame(0xc1, hex('f2 48 cd c9 c9 07 00')), clientFrame(0x89, utf8('ping')), clientFrame(0x81, utf8('plain'))]);
    await until(() => texts(p).length === 2);
    expect(texts(p)).toEqual(['Hello', 'plain']);
    p.conn.ping(utf8('p'));
    p.conn.close(1000);
    p.sent.push(...p.conn.dataToSend());
    // the pong, our ping and our close: RSV1 clear on every one.
    expect(p.sent.map((b) => b[0])).toEqual([0x8a, 0x89, 0x88]);
  });

  it('a close called while a message is being compressed leaves after it', async () => {
    const p = peer('server');
    p.conn.sendText('Hello');
    p.conn.close(1000, 'bye');
    await until(() => p.sent.length === 2);
    expect(p.sent.map((b) => b[0])).toEqual([0xc1, 0x88]);
  });

  it('messages shorter than minBytes leave uncompressed (RSV1 clear)', async () => {
    const p = peer('server', TAKEOVER, { minBytes: 16 });
    p.conn.sendText('short');
    p.conn.sendText('a longer message, long enough');
    await until(() => p.sent.length === 2);
    expect(p.sent[0]![0]).toBe(0x81);
    expect(p.sent[1]![0]).toBe(0xc1);
  });
});

describe('limits while inflating', () => {
  it('a small frame that inflates past maxMessageBytes is closed with 1009 while inflating; zlib stops early', async () => {
    const max = 64 * 1024;
    // 16 MiB of zeros deflate to about 16 KiB: a 256× bomb.
    const zlib = await import('node:zlib');
    const bomb = zlib.deflateRawSync(new Uint8Array(16 * 1024 * 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    expect(bomb.length).toBeLessThan(max);
    const p = peer('server', TAKEOVER, { max });
    feed(p, [clientFrame(0xc2, new Uint8Array(bomb))]);
    await until(() => closeOf(p) !== undefined);
    expect(closeOf(p)?.code).toBe(1009);
    // Stopped within a few of zlib's 16 KiB output chunks of the limit, far from 16 MiB.
    expect(p.engine.counts.produced).toBeLessThan(max + 4 * 16 * 1024);
    expect(p.engine.counts.open).toBe(0);
  });

  it('a message whose fragments together inflate past the limit is closed with 1009', async () => {
    const zlib = await import('node:zlib');
    const random = seeded(7);
    // 96 KiB that hardly compress, as one DEFLATE stream cut into two fragments of a 64 KiB message.
    const data = Uint8Array.from({ length: 96 * 1024 }, () => Math.floor(random() * 256));
    const payload = new Uint8Array(zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4));
    const cut = Math.floor(payload.length / 2);
    const p = peer('server', TAKEOVER, { max: 64 * 1024 });
    feed(p, [clientFrame(0x42, payload.subarray(0, cut))]);
    await until(() => p.conn.bufferedBytes > 40 * 1024);
    expect(closeOf(p)).toBeUndefined();
    feed(p, [clientFrame(0x80, payload.subarray(cut))]);
    await until(() => closeOf(p) !== undefined);
    expect(closeOf(p)?.code).toBe(1009);
  });

  it('inflated text that is not UTF-8 fails with 1007', async () => {
    const zlib = await import('node:zlib');
    const bad = zlib.deflateRawSync(hex('48 69 c0 80'), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    const p = peer('server');
    feed(p, [clientFrame(0xc1, new Uint8Array(bad))]);
    await until(() => closeOf(p) !== undefined);
    expect(closeOf(p)?.code).toBe(1007);
  });

  it('a code point split across two compressed fragments passes', async () => {
    const client = peer('client');
    const server = peer('server');
    // Compressed by the client's own connection, then cut into two fragments at a byte boundary.
    client.conn.sendText('é𝄞é');
    await until(() => client.sent.length === 1);
    const frame = client.sent[0]!;
    const payload = frame.slice(6).map((b, i) => b ^ hex('37 fa 21 3d')[i % 4]!);
    const cut = Math.floor(payload.length / 2);
    feed(server, [clientFrame(0x41, payload.subarray(0, cut)), clientFrame(0x80, payload.subarray(cut))]);
    await until(() => texts(server).length === 1);
    expect(texts(server)).toEqual(['é𝄞é']);
  });

  it('a payload that is not DEFLATE fails with 1007', async () => {
    const p = peer('server');
    feed(p, [clientFrame(0xc1, hex('ff ff ff ff ff'))]);
    await until(() => closeOf(p) !== undefined);
    expect(closeOf(p)?.code).toBe(1007);
  });
});

describe('memory and concurrency', () => {
  it('without context takeover an idle connection holds no zlib stream; with it, one per direction used', async () => {
    const plain = peer('server', NO_TAKEOVER);
    const kept = peer('server', TAKEOVER);
    for (const p of [plain, kept]) {
      feed(p, [clientFrame(0xc1, hex('f2 48 cd c9 c9 07 00'))]);
      p.conn.sendText('Hello');
    }
    await until(() => plain.sent.length === 1 && kept.sent.length === 1 && texts(plain).length === 1 && texts(kept).length === 1);
    expect(plain.engine.counts.open).toBe(0);
    expect(kept.engine.counts.open).toBe(2);
    kept.conn.receiveEof();
    expect(kept.engine.counts.open).toBe(0);
  });

  it('one WorkQueue bounds the zlib jobs of every connection together', async () => {
    const queue = new WorkQueue(2);
    let most = 0;
    const peers = Array.from({ length: 20 }, () => peer('server', TAKEOVER, { queue }));
    const watch = setInterval(() => (most = Math.max(most, queue.active)), 0);
    for (const p of peers) {
      feed(p, [clientFrame(0xc1, hex('f2 48 cd c9 c9 07 00'))]);
      p.conn.sendText('Hello');
    }
    expect(queue.active).toBeLessThanOrEqual(2);
    expect(queue.queued).toBeGreaterThan(20);
    await until(() => peers.every((p) => texts(p).length === 1 && p.sent.length === 1));
    clearInterval(watch);
    expect(most).toBeLessThanOrEqual(2);
    expect(queue.active + queue.queued).toBe(0);
  });
});

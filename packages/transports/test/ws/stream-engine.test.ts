// The browser's inflate engine (DecompressionStream('deflate-raw') behind DeflateEngine), run
// through the core's MessageDeflate as the docs' frame decoder runs it: RFC 7692 §7.2.3's
// examples byte for byte, messages compressed by node:zlib with context takeover read back
// whole and in fragments cut anywhere, and data that is not DEFLATE refused.
import { describe, expect, it } from 'vitest';
import { MessageDeflate, WorkQueue } from '../../src/ws/deflate.ts';
import type { DeflateParams } from '../../src/ws/extension.ts';
import { decompressionStreamEngine } from '../../src/ws/stream-engine.ts';
import { hex, seeded, utf8 } from './helpers.ts';
import { testEngine } from './zlib-engine.ts';

const TAKEOVER: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

/** A client-side reader of server messages, each given as the payloads of its frames. */
async function inflateMessages(messages: Uint8Array[][]): Promise<string[]> {
  const deflate = new MessageDeflate(TAKEOVER, 'client', decompressionStreamEngine, new WorkQueue(1));
  const out: string[] = [];
  for (const frames of messages) {
    const pieces: number[] = [];
    for (let i = 0; i < frames.length; i++) {
      await deflate.decompress(frames[i]!, i === frames.length - 1, (piece) => (pieces.push(...piece), true));
    }
    out.push(new TextDecoder().decode(new Uint8Array(pieces)));
  }
  deflate.close();
  return out;
}

describe('RFC 7692 7.2.3 with DecompressionStream', () => {
  it('7.2.3.1 one DEFLATE block, whole and in two fragments', async () => {
    expect(await inflateMessages([[hex('f2 48 cd c9 c9 07 00')]])).toEqual(['Hello']);
    expect(await inflateMessages([[hex('f2 48 cd'), hex('c9 c9 07 00')]])).toEqual(['Hello']);
  });

  it('7.2.3.2 a second message that refers back to the first (context takeover)', async () => {
    expect(await inflateMessages([[hex('f2 48 cd c9 c9 07 00')], [hex('f2 00 11 00 00')]])).toEqual(['Hello', 'Hello']);
  });

  it('7.2.3.3 a block with BFINAL set: no tail is appended after it', async () => {
    expect(await inflateMessages([[hex('f3 48 cd c9 c9 07 00 00')]])).toEqual(['Hello']);
  });

  it('7.2.3.4 two DEFLATE blocks in one message', async () => {
    expect(await inflateMessages([[hex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00')]])).toEqual(['Hello']);
  });
});

describe('what node:zlib compressed, DecompressionStream reads back', () => {
  it('40 chat messages with context takeover, each cut into fragments at random points', async () => {
    const random = seeded(7);
    const sender = new MessageDeflate({ ...TAKEOVER, serverMaxWindowBits: 12 }, 'server', testEngine(), new WorkQueue(1));
    const texts: string[] = [];
    const messages: Uint8Array[][] = [];
    for (let i = 0; i < 40; i++) {
      const text = JSON.stringify({ type: 'message', seq: i, name: '老师', text: `message ${i} ${'ab'.repeat(Math.floor(random() * 200))} 😀`, via: 'ws-raw' });
      const payload = await sender.compress(utf8(text));
      const cuts = [0, ...[Math.floor(random() * payload.length), Math.floor(random() * payload.length)].sort((a, b) => a - b), payload.length];
      messages.push(cuts.slice(1).map((end, k) => payload.subarray(cuts[k]!, end)));
      texts.push(text);
    }
    sender.close();
    expect(await inflateMessages(messages)).toEqual(texts);
  });

  it('bytes that are not DEFLATE data are refused once the message ends; a missing earlier message too', async () => {
    await expect(inflateMessages([[hex('ff ff ff')]])).rejects.toThrow();
    // 7.2.3.2's second message alone: it copies from a window this reader never saw.
    await expect(inflateMessages([[hex('f2 00 11 00 00')]])).rejects.toThrow();
  });

  it('only inflates', () => {
    expect(() => decompressionStreamEngine.createDeflate({ windowBits: 15, memLevel: 8, level: 6 })).toThrow(/only inflates/);
  });
});

import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { chatMessages, closeCompression, deflateEcho, deflateSend, openIdleEchoes } from '../src/load/compression.ts';
import { casesOf, compressionRatios } from '../src/scenarios/compression.ts';

describe('chat-like text', () => {
  it('messages of exactly the asked size, valid JSON, all different, the same every run', () => {
    const a = chatMessages(1024, 50);
    expect(a.every((m) => Buffer.byteLength(m) === 1024)).toBe(true);
    expect(new Set(a).size).toBe(50);
    expect(JSON.parse(a[0]!)).toMatchObject({ type: 'message', seq: 1000 });
    expect(chatMessages(1024, 50)).toEqual(a);
    expect(chatMessages(200, 3).every((m) => Buffer.byteLength(m) === 200)).toBe(true);
  });
});

describe('the scenario', () => {
  it('runs every stack and mode once per run, in a rotated order', () => {
    const names = (run: number) => casesOf(run).map((c) => `${c.stack} ${c.mode}`);
    expect(names(0)).toEqual(['ws-raw deflate', 'ws-raw plain', 'ws-lib deflate', 'ws-lib plain']);
    expect(names(1)).toEqual(['ws-raw plain', 'ws-lib deflate', 'ws-lib plain', 'ws-raw deflate']);
    expect([...names(2)].sort()).toEqual([...names(0)].sort());
  });

  it('every ratio finds both of its figures, and pairs them run by run', () => {
    const seen: string[] = [];
    const ratios = compressionRatios((k) => (seen.push(k), k.includes('deflate') ? [2, 4] : [1, 1]), [200, 1024]);
    expect(ratios.length).toBeGreaterThan(10);
    expect(new Set(seen).size).toBe(4 * 3 * 2 + 4 * 3 + 4);
    const perRun = ratios.find((r) => r.figure === 'broadcast bytes per delivery: ws-raw deflate / plain')!.ratio;
    expect(perRun.runs).toEqual([2, 4]);
    expect(ratios.find((r) => r.figure === 'idle RSS per connection: ws-raw deflate / ws-lib deflate')!.ratio.median).toBe(1);
  });
});

// A stand-in echo server on 127.0.0.1: `ws` with permessage-deflate on, in this process.
describe('echo clients against a compressing echo server', () => {
  let server: WebSocketServer | null = null;
  afterEach(async () => {
    closeCompression();
    await new Promise((r) => server?.close(r));
    server = null;
  });

  const start = async (): Promise<string> => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
    server.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
    await new Promise((r) => server!.once('listening', r));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it('a compressed client negotiates and counts fewer bytes on the wire than a plain one', async () => {
    const url = await start();
    const run = (deflate: boolean) => deflateEcho({ cmd: 'deflate-echo', url, deflate, clients: 2, size: 1024, warmupMs: 50, durationMs: 300, serverPid: process.pid });
    const plain = await run(false);
    const deflated = await run(true);
    expect(plain.negotiated).toBe(0);
    expect(deflated.negotiated).toBe(2);
    expect(plain.count).toBeGreaterThan(10);
    expect(deflated.count).toBeGreaterThan(10);
    // Plain: 1024 B of payload and a 4-byte header from the server; the client adds a 4-byte mask.
    expect(plain.bytesFromServer / plain.count).toBeGreaterThanOrEqual(1028);
    expect(plain.bytesFromServer / plain.count).toBeLessThan(1028 + 1028 * (2 / plain.count) + 1);
    expect(deflated.bytesFromServer / deflated.count).toBeLessThan(0.6 * 1028);
    expect(deflated.bytesToServer / deflated.count).toBeLessThan(0.6 * 1032);
    expect(deflated.errors + plain.errors).toBe(0);
  });

  it('idle connections each get their echo first, then stay open until closed', async () => {
    const url = await start();
    const r = await openIdleEchoes({ cmd: 'deflate-idle', url, deflate: true, count: 6, size: 300, concurrency: 3 });
    expect(r).toEqual({ opened: 6, failed: 0, negotiated: 6, firstError: null });
    expect(server!.clients.size).toBe(6);
    closeCompression();
    await expect.poll(() => server!.clients.size).toBe(0);
  });

  it('the sender hears a welcome sent with the handshake, and counts every ack', async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    const texts: string[] = [];
    server.on('connection', (ws) => {
      // In the same turn as the 101: the welcome often shares its read.
      ws.send(JSON.stringify({ type: 'welcome', clientId: 'c1' }));
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as { text: string; clientMsgId: string };
        texts.push(m.text);
        ws.send(JSON.stringify({ type: 'ack', clientMsgId: m.clientMsgId, seq: texts.length }));
      });
    });
    await new Promise((r) => server!.once('listening', r));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (let i = 0; i < 5; i++) {
      texts.length = 0;
      const r = await deflateSend({ cmd: 'deflate-send', url, tag: `T${i}`, count: 20, window: 4, size: 300 });
      expect(r).toMatchObject({ sent: 20, errors: 0, firstError: null });
      expect(texts).toHaveLength(20);
      expect(texts.every((t) => t.length === 300 && t.startsWith(`b|T${i}|`))).toBe(true);
    }
  });
});

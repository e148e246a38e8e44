// Finding 3: peers that do not read. CONTRACT v2 "what no peer can do to the
// others": "at most MAX_BUFFERED_BYTES are queued for any one peer, on every
// transport and both echo endpoints; a peer that falls further behind is dropped
// as a slow consumer (WebSocket close 1008, reason `slow consumer`; SSE stream
// ended; HTTP answer aborted)", and the process's memory stays bounded.
import type { Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SseReader, wireFrame } from '../helpers/contract.ts';
import {
  FAST_SENDS,
  MemoryProbe,
  MiB,
  bulkyText,
  deadline,
  expectBoundedGrowth,
  expectSurvived,
  fillRoom,
  openWire,
  roomSnapshot,
  sharedServer,
  silentRequest,
  sleep,
  startServer,
  stopAllServers,
  type ServerProcess,
  type WirePeer,
} from '../helpers/process.ts';

afterAll(stopAllServers);

const shortText = (i: number): string => `seed ${i}`;

/** Reads a paused peer again; true if the server had ended the connection within `ms`. */
async function droppedOnResume(peer: WirePeer, ms = 5_000): Promise<boolean> {
  peer.resume();
  return peer.waitFor(() => peer.ended, ms);
}

/** A stream's raw request, for a peer that reads only the response head. */
const sseRequest = (server: ServerProcess, query: string): string =>
  `GET /api/events${query} HTTP/1.1\r\nHost: ${server.host}\r\nAccept: text/event-stream\r\n\r\n`;

describe('finding 3a: an echo peer that never reads', () => {
  afterEach(stopAllServers);

  for (const path of ['/ws/lib/echo', '/ws/raw/echo']) {
    it(`${path}: fed 1 MiB messages it never reads, it is dropped and RSS growth stays under 64 MiB`, async () => {
      // Whether the server queues the echoes (MAX_BUFFERED_BYTES) or stops reading until they
      // drain (DRAIN_TIMEOUT_MS), a peer that never reads is dropped within seconds.
      const server = await startServer(
        { MAX_BUFFERED_BYTES: String(2 * MiB), DRAIN_TIMEOUT_MS: '2000', WS_MAX_MESSAGE_BYTES: String(2 * MiB) },
        { inspect: true },
      );
      await fillRoom(server, 5, shortText);
      const before = await roomSnapshot(server);
      const probe = await MemoryProbe.start(server);

      const peer = await openWire(server, path, { pauseAfterHead: true, keepPayloads: false });
      expect(peer.status).toBe(101);
      const message = wireFrame(2, Buffer.alloc(MiB, 0x5a));
      // 128 MiB offered: a server that keeps what it cannot send holds far more than 64 MiB.
      let written = 0;
      const budget = performance.now() + 10_000;
      while (written < 128 && performance.now() < budget) {
        const ok = await Promise.race([peer.write(message), sleep(Math.max(0, budget - performance.now())).then(() => false)]);
        if (!ok) break;
        written++;
      }
      await sleep(500);
      const memory = await probe.finish(`${path}, ${written} MiB written by a peer that never reads`);

      const echoedWhilePaused = peer.dataBytes;
      const dropped = await droppedOnResume(peer);
      expect
        .soft(dropped, `the peer is dropped (it wrote ${written} MiB; ${echoedWhilePaused} bytes echoed before it resumed reading, ${peer.dataBytes} after)`)
        .toBe(true);
      if (peer.closeCode !== undefined) expect.soft(peer.closeCode, 'close code for a slow consumer').toBe(1008);
      expectBoundedGrowth(memory);
      peer.destroy();
      await expectSurvived(server, before);
    }, 25_000);
  }
});

// 3,000 messages of 2,000 code points (8 kB of UTF-8 each): a replay of 24 MB.
const FULL_ROOM = 3_000;
const fullRoom = sharedServer(
  { ...FAST_SENDS, RETAIN_LIMIT: String(FULL_ROOM), MAX_BUFFERED_BYTES: String(MiB) },
  async (server) => {
    await fillRoom(server, FULL_ROOM, (i) => bulkyText(i));
  },
  { inspect: true },
);

describe('finding 3b: replays to peers that never read, on a full room (3,000 × 8 kB)', () => {
  const NON_READERS = 6;
  const opens: Record<string, (server: ServerProcess) => Promise<WirePeer>> = {
    '/ws/raw?after=0': (server) => openWire(server, '/ws/raw?after=0', { pauseAfterHead: true, keepPayloads: false }),
    '/ws/lib?after=0': (server) => openWire(server, '/ws/lib?after=0', { pauseAfterHead: true, keepPayloads: false }),
    '/api/events?after=0': (server) =>
      openWire(server, '/api/events', { request: sseRequest(server, '?after=0'), pauseAfterHead: true, keepPayloads: false }),
  };
  for (const [what, open] of Object.entries(opens)) {
    it(`${NON_READERS} × ${what} that never read: RSS growth under 64 MiB, the room intact`, async () => {
      const server = await fullRoom();
      const before = await roomSnapshot(server);
      const probe = await MemoryProbe.start(server);
      const peers: WirePeer[] = [];
      for (let i = 0; i < NON_READERS; i++) peers.push(await open(server));
      expect
        .soft(peers.map((p) => p.status ?? 0), 'response heads (0: the server closed the connection without one)')
        .toEqual(peers.map(() => (what.startsWith('/ws') ? 101 : 200)));
      await sleep(2_000);
      const memory = await probe.finish(`${NON_READERS} × ${what} never read, 24 MB room`);
      expectBoundedGrowth(memory);
      for (const peer of peers) peer.destroy();
      await expectSurvived(server, before);
    }, 25_000);
  }

  it('finding 3d: 24 × GET /api/poll?after=0 never read (8 MB answers): RSS growth under 64 MiB', async () => {
    const server = await fullRoom();
    const before = await roomSnapshot(server);
    const probe = await MemoryProbe.start(server);
    const sockets: Socket[] = [];
    // Each answer is 1,000 × 8 kB; the kernel takes a few MB of it, the rest waits in the server.
    for (let i = 0; i < 24; i++) {
      sockets.push(await silentRequest(server, `GET /api/poll?after=0 HTTP/1.1\r\nHost: ${server.host}\r\n\r\n`));
    }
    await sleep(2_000);
    const memory = await probe.finish('24 × /api/poll?after=0 never read, 24 MB room');
    expectBoundedGrowth(memory);
    for (const socket of sockets) socket.destroy();
    await expectSurvived(server, before);
  }, 25_000);
});

describe('finding 3c: a broadcast storm while some peers never read', () => {
  afterEach(stopAllServers);

  it('non-readers on every chat transport are dropped, RSS growth stays under 64 MiB, readers get every message', async () => {
    const STORM = 3_000;
    const server = await startServer({
      ...FAST_SENDS,
      // 2 MiB: room for readers in this busy test process; the stalled peers are 24 MB behind.
      MAX_BUFFERED_BYTES: String(2 * MiB),
      // The room keeps little: the growth measured is what the transports hold.
      RETAIN_LIMIT: '200',
      HISTORY_LIMIT: '100',
    }, { inspect: true });
    await fillRoom(server, 5, shortText);
    const start = (await roomSnapshot(server)).lastSeq;

    // Readers, one per streaming transport, each connected before the storm.
    const seen: Record<string, number[]> = { 'ws-raw': [], 'ws-lib': [], sse: [] };
    const readers: WebSocket[] = [];
    for (const [id, path] of [['ws-raw', '/ws/raw'], ['ws-lib', '/ws/lib']] as const) {
      const ws = new WebSocket(`ws://${server.host}${path}?after=${start}`, { maxPayload: 1 << 26 });
      ws.on('error', () => {});
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8'));
        if (frame.type === 'message') seen[id]!.push(frame.seq);
      });
      await deadline(new Promise((r) => ws.once('open', r)), 5_000, `${path} reader`);
      readers.push(ws);
    }
    const sse = new SseReader(`${server.url}/api/events?after=${start}`);
    await deadline(sse.waitFor(1), 5_000, 'SSE reader state event');

    const probe = await MemoryProbe.start(server);
    const stalled: Record<string, WirePeer[]> = { '/ws/raw': [], '/ws/lib': [], '/api/events': [] };
    for (let i = 0; i < 3; i++) {
      for (const path of ['/ws/raw', '/ws/lib']) {
        stalled[path]!.push(await openWire(server, `${path}?after=${start}`, { pauseAfterHead: true, keepPayloads: false }));
      }
      stalled['/api/events']!.push(
        await openWire(server, '/api/events', { request: sseRequest(server, `?after=${start}`), pauseAfterHead: true, keepPayloads: false }),
      );
    }
    const heldPolls: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      heldPolls.push(await silentRequest(server, `GET /api/longpoll?after=${start}&timeout=60000 HTTP/1.1\r\nHost: ${server.host}\r\n\r\n`));
    }

    // 3,000 × 8 kB = 24 MB through the room, from another address.
    const last = await fillRoom(server, STORM, (i) => bulkyText(i), '127.0.0.2');
    expect(last).toBe(start + STORM);
    const everyone = (): boolean =>
      seen['ws-raw']!.length >= STORM && seen['ws-lib']!.length >= STORM && sse.messages().length >= STORM;
    for (let waited = 0; !everyone() && waited < 15_000; waited += 50) await sleep(50);
    const memory = await probe.finish(`storm of ${STORM} × 8 kB with 9 stalled streams and 3 stalled long polls`);

    const expected = Array.from({ length: STORM }, (_, i) => start + 1 + i);
    expect.soft(seen['ws-raw'], 'the /ws/raw reader got every message in order').toEqual(expected);
    expect.soft(seen['ws-lib'], 'the /ws/lib reader got every message in order').toEqual(expected);
    expect.soft(sse.messages().map((m) => m.seq), 'the SSE reader got every message in order').toEqual(expected);
    expectBoundedGrowth(memory);

    const dropped: Record<string, boolean[]> = {};
    for (const [path, peers] of Object.entries(stalled)) dropped[path] = await Promise.all(peers.map((p) => droppedOnResume(p)));
    expect.soft(dropped, 'every stalled stream was dropped by the server').toEqual({
      '/ws/raw': [true, true, true],
      '/ws/lib': [true, true, true],
      '/api/events': [true, true, true],
    });
    for (const path of ['/ws/raw', '/ws/lib']) {
      for (const peer of stalled[path]!) {
        if (peer.closeCode !== undefined) expect.soft({ code: peer.closeCode, reason: peer.closeReason }).toEqual({ code: 1008, reason: 'slow consumer' });
      }
    }

    for (const ws of readers) ws.terminate();
    sse.close();
    for (const s of heldPolls) s.destroy();
    for (const peers of Object.values(stalled)) for (const p of peers) p.destroy();
    const now = await roomSnapshot(server);
    expect(now.lastSeq).toBe(start + STORM);
    await expectSurvived(server, now);
  }, 25_000);
});

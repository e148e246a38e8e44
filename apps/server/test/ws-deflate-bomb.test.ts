// A decompression bomb against the built server, over real sockets (like test/attack/): small
// compressed frames that would inflate to 64 MiB each, on /ws/raw/echo where compression is always
// answered. RFC 7692 7.2.2 inflates "the resulting data"; the server must stop inflating at its
// message limit and close with 1009 (RFC 6455 7.4.1 "a message that is too big for it to
// process"), so what the attack costs is the limit, not what the frame claims.
import { deflateRawSync, constants } from 'node:zlib';
import { afterEach, expect, it } from 'vitest';
import { MemoryProbe, MiB, expectBoundedGrowth, expectSurvived, openWire, roomSnapshot, startServer, stopAllServers } from './helpers/process.ts';

afterEach(stopAllServers);

const CONNECTIONS = 10;
const LIMIT = 1 * MiB;
const INFLATES_TO = 64 * MiB;
const MASK = Buffer.from([0x5a, 0x17, 0xc3, 0x88]);

/** One masked binary frame, RSV1 set (7.2.3: 0xc2 = FIN, RSV1, opcode 2), whose payload inflates to 64 MiB of zeros. */
function bombFrame(): Buffer {
  const payload = deflateRawSync(Buffer.alloc(INFLATES_TO), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
  const n = payload.length;
  const head = Buffer.from([0xc2, 0x80 | 127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  const masked = Buffer.from(payload.map((b, i) => b ^ MASK[i % 4]!));
  return Buffer.concat([head, MASK, masked]);
}

it(`${CONNECTIONS} frames of ~64 KiB that inflate to 64 MiB each are closed with 1009 while inflating; memory stays far below what they claim`, async () => {
  const server = await startServer({ WS_MAX_MESSAGE_BYTES: String(LIMIT) }, { inspect: true });
  const before = await roomSnapshot(server);
  const frame = bombFrame();
  expect(frame.length).toBeLessThan(LIMIT / 8);

  const probe = await MemoryProbe.start(server);
  const peers = await Promise.all(
    Array.from({ length: CONNECTIONS }, () => openWire(server, '/ws/raw/echo', { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' } })),
  );
  expect(peers.map((p) => p.status)).toEqual(peers.map(() => 101));
  expect(peers[0]!.head).toMatch(/sec-websocket-extensions: permessage-deflate/i);
  const started = performance.now();
  await Promise.all(peers.map((p) => p.write(frame)));
  await Promise.all(peers.map((p) => p.waitFor(() => p.closeCode !== undefined, 15_000)));
  const ms = Math.round(performance.now() - started);
  const report = await probe.finish(`${CONNECTIONS} bombs of ${frame.length} bytes claiming ${CONNECTIONS} × 64 MiB`);
  console.log(`[deflate bomb] ${CONNECTIONS} × ${frame.length} B → 1009 in ${ms} ms; RSS peak growth ${(report.peakGrowth / MiB).toFixed(1)} MiB, kept ${(report.growth / MiB).toFixed(1)} MiB`);

  expect(peers.map((p) => p.closeCode)).toEqual(peers.map(() => 1009));
  // Inflating all of them would take 640 MiB; stopping at the limit costs a few MiB each at most.
  expect(report.peakGrowth).toBeLessThan(CONNECTIONS * 8 * MiB);
  expectBoundedGrowth(report);
  for (const p of peers) p.destroy();
  await expectSurvived(server, before);
}, 40_000);

// Finding 11: random and mutated frames over real sockets, after a valid handshake on
// each of the four WebSocket paths. CONTRACT: "no request, frame or byte sequence
// makes the process exit"; "Protocol violations end the connection with the close
// code RFC 6455 names (1002 protocol error, 1007 invalid UTF-8, 1009 too big)".
// Every connection must end one of these ways, and none may hang:
// - the server closes it: a close frame 1002, 1007, 1008 or 1009, or TCP alone;
// - the bytes held a well-formed close frame and the server completes the close handshake;
// - it stays open and answers a ping with the same payload (RFC 6455 5.5.3);
// - the bytes stopped inside a frame, so the server waits for the rest: when we end our
//   side (FIN) it closes too.
// FUZZ_SEED=<n> replays a run; FUZZ_CASE=<i> (with it) runs one case.
import { afterEach, expect, it } from 'vitest';
import { closePayload, wireFrame } from '../helpers/contract.ts';
import {
  MemoryProbe,
  MiB,
  WirePeer,
  expectBoundedGrowth,
  expectSurvived,
  fillRoom,
  roomSnapshot,
  startServer,
  stopAllServers,
  type ServerProcess,
} from '../helpers/process.ts';

afterEach(stopAllServers);

const PATHS = ['/ws/raw', '/ws/raw/echo', '/ws/lib', '/ws/lib/echo'] as const;
const ECHO_LIMIT = MiB; // WS_MAX_MESSAGE_BYTES for this run
const CHAT_LIMIT = 64 * 1024; // WS_CHAT_MAX_BYTES, the default
const BUDGET_MS = 15_000;
const MAX_CASES = 4_000;
const AT_ONCE = 48;
const PONG_WAIT_MS = 500;
const FIN_WAIT_MS = 1_000;
const FROM = ['127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.1.4'];

/** xorshift32 (Marsaglia 2003): a small, seedable generator; a case is reproducible from (seed, index). */
function generator(seed: number): () => number {
  let x = seed >>> 0 || 0x2545f491;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

interface Case {
  index: number;
  kind: string;
  path: (typeof PATHS)[number];
  bytes: Buffer;
  /** Where the bytes are cut into separate writes. */
  cuts: number[];
}

function makeCase(seed: number, index: number): Case {
  const rnd = generator((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T,>(items: readonly T[]): T => items[int(items.length)]!;
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  const path = pick(PATHS);
  const echo = path.endsWith('/echo');

  const validText = (): Buffer =>
    echo ? Buffer.from(`echo ${index} ✓`) : Buffer.from(JSON.stringify({ type: 'send', text: `fuzz ${index}`, clientMsgId: `f${index}` }));
  const validFrame = (): Buffer => {
    switch (int(5)) {
      case 0:
        return wireFrame(1, validText());
      case 1:
        return wireFrame(2, bytes(int(200)));
      case 2:
        return wireFrame(9, bytes(int(126)));
      case 3:
        return wireFrame(10, bytes(int(20)));
      default:
        return Buffer.concat([wireFrame(1, validText().subarray(0, 3), { fin: false }), wireFrame(0, validText().subarray(3))]);
    }
  };
  /** A header with a 64-bit length field (5.2: "the most significant bit MUST be 0"), then a few payload bytes. */
  const longLength = (length: bigint, opcode = 2): Buffer => {
    const head = Buffer.alloc(14);
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(length & 0xffff_ffff_ffff_ffffn, 2);
    head.writeUInt32BE(0x01020304, 10);
    return Buffer.concat([head, bytes(int(64))]);
  };

  const kinds: Array<[string, number, () => Buffer]> = [
    ['random bytes', 14, () => bytes(1 + int(rnd() < 0.9 ? 64 : 4_096))],
    [
      'bit flips in a frame header',
      18,
      () => {
        const frame = validFrame();
        for (let flips = 1 + int(3); flips > 0; flips--) frame[int(Math.min(frame.length, 14))]! ^= 1 << int(8);
        return frame;
      },
    ],
    ['reserved opcode', 8, () => wireFrame(pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), bytes(int(40)))],
    ['RSV bits', 7, () => wireFrame(pick([1, 2, 9]), echo ? Buffer.from('rsv') : validText(), { rsv: 1 + int(7) })],
    ['unmasked frame', 5, () => wireFrame(pick([1, 2, 8, 9]), bytes(int(30)), { mask: false })],
    [
      'a huge length field',
      10,
      () =>
        longLength(
          pick([
            2n ** 63n,
            2n ** 64n - 1n,
            2n ** 63n + BigInt(int(1 << 30)),
            BigInt(2 ** 32 + int(1 << 30)),
            BigInt(ECHO_LIMIT + 1),
            BigInt(CHAT_LIMIT + 1),
            BigInt(16 * MiB + 1),
          ]),
        ),
    ],
    [
      'a truncated frame',
      10,
      () => {
        const frame = Buffer.concat([validFrame(), wireFrame(2, bytes(100 + int(3_000)))]);
        return frame.subarray(0, 1 + int(frame.length - 1));
      },
    ],
    [
      'a bad close code',
      8,
      () => wireFrame(8, closePayload(pick([0, 999, 1004, 1005, 1006, 1012, 1015, 1016, 1100, 2000, 2999, 5000, 65535]), 'bad')),
    ],
    [
      'a bad control frame',
      7,
      () =>
        pick([
          () => wireFrame(9, bytes(126 + int(200))), // 5.5 "All control frames MUST have a payload length of 125 bytes or less"
          () => wireFrame(9, bytes(5), { fin: false }), // 5.5 "All control frames … MUST NOT be fragmented."
          () => wireFrame(8, Buffer.from([0x03])), // a 1-byte close body
          () => wireFrame(8, Buffer.concat([closePayload(1000), Buffer.from([0xc3, 0x28])])), // invalid UTF-8 reason
          () => wireFrame(8, closePayload(pick([1000, 1001, 3000, 4999]), 'bye')), // a well-formed close
        ])(),
    ],
    [
      'invalid UTF-8 in a text message',
      5,
      () => wireFrame(1, Buffer.concat([Buffer.from('ok '), Buffer.from(pick([[0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xe2, 0x82]]))])),
    ],
    [
      'fragments out of order',
      4,
      () =>
        pick([
          () => wireFrame(0, Buffer.from('continuation with nothing to continue')),
          () => Buffer.concat([wireFrame(1, Buffer.from('first'), { fin: false }), wireFrame(2, Buffer.from('a new message mid-message'))]),
          () => Buffer.concat([wireFrame(2, bytes(10), { fin: false }), wireFrame(9, bytes(4)), wireFrame(0, bytes(10))]),
        ])(),
    ],
    [
      'many fragments',
      4,
      () => {
        const count = 1_000 + int(20_000);
        const parts = [wireFrame(2, Buffer.from([1]), { fin: false })];
        const middle = wireFrame(0, Buffer.from([2]), { fin: false });
        for (let i = 0; i < count; i++) parts.push(middle);
        if (rnd() < 0.7) parts.push(wireFrame(0, Buffer.from([3])));
        return Buffer.concat(parts);
      },
    ],
  ];
  let roll = rnd() * kinds.reduce((sum, [, weight]) => sum + weight, 0);
  let chosen = kinds[0]!;
  for (const kind of kinds) {
    roll -= kind[1];
    if (roll < 0) {
      chosen = kind;
      break;
    }
  }
  // Sometimes a valid frame first, so the attack lands in a connection that is in use.
  const body = chosen[2]();
  const payload = rnd() < 0.3 ? Buffer.concat([validFrame(), body]) : body;
  const cuts = Array.from({ length: int(3) }, () => int(payload.length)).sort((a, b) => a - b);
  return { index, kind: chosen[0], path, bytes: payload, cuts };
}

/** What the server should make of the bytes: do they end on a frame boundary, and which close frame do they hold? */
function scan(bytes: Buffer, limit: number): { complete: boolean; oversize: boolean; closeCode: number | undefined } {
  let at = 0;
  let closeCode: number | undefined;
  let oversize = false;
  while (at < bytes.length) {
    if (bytes.length - at < 2) return { complete: false, oversize, closeCode };
    const opcode = bytes[at]! & 0x0f;
    const masked = (bytes[at + 1]! & 0x80) !== 0;
    let length = BigInt(bytes[at + 1]! & 0x7f);
    let head = 2;
    if (length === 126n) {
      if (bytes.length - at < 4) return { complete: false, oversize, closeCode };
      length = BigInt(bytes.readUInt16BE(at + 2));
      head = 4;
    } else if (length === 127n) {
      if (bytes.length - at < 10) return { complete: false, oversize, closeCode };
      length = bytes.readBigUInt64BE(at + 2);
      head = 10;
    }
    if (length > BigInt(limit)) oversize = true;
    const end = BigInt(at + head + (masked ? 4 : 0)) + length;
    if (end > BigInt(bytes.length)) return { complete: false, oversize, closeCode };
    if (opcode === 8 && closeCode === undefined) {
      const start = at + head + (masked ? 4 : 0);
      const key = masked ? bytes.subarray(at + head, at + head + 4) : Buffer.alloc(4);
      const body = Buffer.from(bytes.subarray(start, Number(end)).map((b, i) => b ^ key[i % 4]!));
      closeCode = body.length >= 2 ? body.readUInt16BE(0) : 1005;
    }
    at = Number(end);
  }
  return { complete: true, oversize, closeCode };
}

type Outcome = { ok: true; how: string } | { ok: false; how: string };

async function runCase(server: ServerProcess, c: Case): Promise<Outcome> {
  const limit = c.path.endsWith('/echo') ? ECHO_LIMIT : CHAT_LIMIT;
  const expectation = scan(c.bytes, limit);
  const peer = new WirePeer(server.port, c.path, server.host, { from: FROM[c.index % FROM.length], keepPayloads: false });
  try {
    const status = await peer.response(3_000);
    if (status !== 101) return { ok: false, how: `handshake answered ${status}` };
    let from = 0;
    for (const cut of [...c.cuts, c.bytes.length]) {
      if (!(await peer.write(c.bytes.subarray(from, cut)))) break;
      from = cut;
      await new Promise((r) => setImmediate(r));
    }
    const probe = Buffer.from([c.index & 0xff, (c.index >> 8) & 0xff, 0x70, 0x21]);
    await peer.write(wireFrame(9, probe));
    const ponged = (): boolean => peer.frames.some((f) => f.opcode === 10 && f.payload.equals(probe));
    await peer.waitFor(() => peer.ended || peer.closeCode !== undefined || ponged(), PONG_WAIT_MS);
    if (peer.badFrame) return { ok: false, how: `the server sent a malformed frame: ${peer.badFrame}` };
    if (peer.closeCode !== undefined || peer.ended) {
      // Let the TCP close follow the close frame.
      await peer.waitFor(() => peer.ended, FIN_WAIT_MS);
      const code = peer.closeCode;
      if (code === undefined) return { ok: true, how: 'closed: TCP' };
      if ([1002, 1007, 1008, 1009].includes(code)) return { ok: true, how: `closed: ${code}` };
      if (expectation.closeCode !== undefined && (code === expectation.closeCode || code === 1000 || code === 1005)) {
        return { ok: true, how: 'closing handshake' };
      }
      return { ok: false, how: `closed with ${code} ${peer.closeReason ?? ''}`.trim() };
    }
    if (ponged()) return { ok: true, how: 'answered the ping' };
    if (expectation.complete) return { ok: false, how: `no pong within ${PONG_WAIT_MS} ms after whole frames, and still open` };
    // 5.2/10.4: a length over the limit (or with its top bit set) is refused when it is read, not waited for.
    if (expectation.oversize) return { ok: false, how: 'waited for the rest of an over-limit frame instead of closing' };
    peer.socket.end();
    if (!(await peer.waitFor(() => peer.ended, FIN_WAIT_MS))) return { ok: false, how: `still open ${FIN_WAIT_MS} ms after our FIN` };
    return { ok: true, how: 'waited mid-frame, closed on our FIN' };
  } finally {
    peer.destroy();
  }
}

it('finding 11: fuzzed frames on the four WebSocket paths: the server never exits, never hangs, closes with a protocol code or answers', async () => {
  const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 32);
  const only = process.env.FUZZ_CASE !== undefined ? Number(process.env.FUZZ_CASE) : undefined;
  console.log(`[fuzz] seed ${seed} (FUZZ_SEED=${seed} replays this run${only !== undefined ? `, case ${only} only` : ''})`);

  const server = await startServer(
    { JOIN_RATE_LIMIT: '1000000', SEND_RATE_LIMIT: '1000000', SEND_RATE_LIMIT_PER_ADDRESS: '1000000', WS_MAX_MESSAGE_BYTES: String(ECHO_LIMIT) },
    { inspect: true },
  );
  await fillRoom(server, 5, (i) => `seed ${i}`, '127.0.0.9');
  const before = await roomSnapshot(server);
  const probe = await MemoryProbe.start(server);

  const tally: Record<string, Record<string, number>> = {};
  const failures: Array<{ c: Case; how: string }> = [];
  const inFlight = new Set<Case>();
  let killer: Case[] = [];
  let next = only ?? 0;
  const last = only !== undefined ? only + 1 : MAX_CASES;
  let done = 0;
  const until = performance.now() + BUDGET_MS;
  const worker = async (): Promise<void> => {
    while (next < last && performance.now() < until && killer.length === 0) {
      const c = makeCase(seed, next++);
      inFlight.add(c);
      const outcome = await runCase(server, c);
      inFlight.delete(c);
      if (!server.alive() && killer.length === 0) killer = [c, ...inFlight];
      done++;
      (tally[c.kind] ??= {})[outcome.how] = (tally[c.kind]?.[outcome.how] ?? 0) + 1;
      if (!outcome.ok) failures.push({ c, how: outcome.how });
    }
  };
  await Promise.all(Array.from({ length: only !== undefined ? 1 : AT_ONCE }, worker));
  const memory = await probe.finish(`${done} fuzzed connections`);

  const explain = ({ c, how }: { c: Case; how: string }): string =>
    `case ${c.index} (${c.kind}) on ${c.path}: ${how}; bytes ${c.bytes.subarray(0, 48).toString('hex')}${c.bytes.length > 48 ? `… (${c.bytes.length})` : ''}`;
  console.log(`[fuzz] seed ${seed}: ${done} connections; outcomes ${JSON.stringify(tally, null, 1)}`);
  expect(
    server.alive(),
    `seed ${seed}: the server died; cases in flight:\n${killer.map((c) => explain({ c, how: 'in flight' })).join('\n')}\nit printed:\n${server.output()}`,
  ).toBe(true);
  expect.soft(failures.map(explain).slice(0, 15), `seed ${seed}: ${failures.length} connections ended badly (first 15)`).toEqual([]);
  if (only === undefined) expect.soft(done, `seed ${seed}: connections within ${BUDGET_MS} ms`).toBeGreaterThanOrEqual(1_000);
  expectBoundedGrowth(memory);
  // Fuzzed frames may be valid sends that the room stores; what was there before is untouched.
  const after = await roomSnapshot(server);
  expect(after.epoch, 'the epoch').toEqual(before.epoch);
  expect(after.messages.slice(0, before.messages.length), 'the messages from before the fuzz').toEqual(before.messages);
  await expectSurvived(server, after);
}, 25_000);

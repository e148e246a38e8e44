// Finding 5: every /ws/raw chat connection is recorded for the inspector, and the
// records outlived their connections. CONTRACT v2: "nothing is kept per closed
// connection beyond a fixed, small window".
import { afterEach, expect, it } from 'vitest';
import { closePayload, wireFrame } from '../helpers/contract.ts';
import {
  FAST_SENDS,
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

const CYCLES = 5_000;
const WARM_UP = 250;
const AT_ONCE = 16;
const ROOM = 200;

/**
 * The smaller bound, on what the server's JavaScript holds after a full GC: 16 MiB for
 * 5,000 closed connections is 3.3 kB each, room for the identity each one created (the
 * room may remember 100,000) and any fixed window of recent connections, but far from
 * the frames each connection was sent (the leak this finding is about kept ≈ 50 kB per
 * connection, ≈ 250 MiB here). RSS is held to a looser 128 MiB: even with no leak at all
 * it grows by tens of MiB over 5,000 connections, freed memory that V8 and malloc keep
 * mapped after the burst's garbage (measured with the heap flat, +1–2 MiB: +50 MiB of RSS
 * on Node 20, +87 MiB on Node 24, whose young generation is larger).
 */
const HEAP_BOUND = 16 * MiB;
const RSS_BOUND = 128 * MiB;

/** Opens /ws/raw?after=0, sends a close frame, waits for the server to end TCP. Null when all went well. */
async function cycle(server: ServerProcess): Promise<string | null> {
  const peer = new WirePeer(server.port, '/ws/raw?after=0', server.host, { parse: false });
  try {
    const status = await peer.response(5_000);
    if (status !== 101) return `handshake answered ${status}`;
    await peer.write(wireFrame(8, closePayload(1000)));
    if (!(await peer.waitFor(() => peer.ended, 5_000))) return 'the server did not end the connection after the close handshake';
    return null;
  } finally {
    peer.destroy();
  }
}

/** Runs `count` cycles, `AT_ONCE` at a time, for at most `budgetMs`; what went wrong, counted. */
async function cycles(server: ServerProcess, count: number, budgetMs: number): Promise<{ done: number; problems: Record<string, number> }> {
  const until = performance.now() + budgetMs;
  const problems: Record<string, number> = {};
  let started = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (started < count && performance.now() < until) {
      started++;
      const problem = await cycle(server);
      done++;
      if (problem) problems[problem] = (problems[problem] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
  return { done, problems };
}

it(`finding 5: ${CYCLES} connect/close cycles on /ws/raw?after=0 (a ${ROOM}-message room) keep under 16 MiB of heap, 128 MiB of RSS`, async () => {
  // Each cycle is a new identity, as the attack's were; the join budget is lifted so that it can be.
  const server = await startServer({ ...FAST_SENDS, JOIN_RATE_LIMIT: '1000000' }, { inspect: true });
  await fillRoom(server, ROOM, (i) => `message ${i} for every newcomer's replay`);
  const before = await roomSnapshot(server);
  await cycles(server, WARM_UP, 5_000);

  const probe = await MemoryProbe.start(server);
  const started = performance.now();
  const { done, problems } = await cycles(server, CYCLES, 14_000);
  const memory = await probe.finish(`${done} connect/close cycles on /ws/raw?after=0 in ${Math.round(performance.now() - started)} ms`);
  console.log(`[memory] kept per closed connection: ${Math.round(memory.growth / Math.max(1, done))} bytes of RSS`);

  // On a busy machine fewer fit in the time; 1,000 already show the leak this finding is
  // about (50 kB each: 50 MiB) against the 16 MiB bound.
  if (done < CYCLES) console.log(`[memory] only ${done} of ${CYCLES} cycles fit in 14 s`);
  expect.soft(done, 'cycles completed within 14 s').toBeGreaterThanOrEqual(1_000);
  expect.soft(problems, 'cycles that went wrong').toEqual({});
  expectBoundedGrowth(memory, HEAP_BOUND, 'heap');
  expectBoundedGrowth(memory, RSS_BOUND);
  await expectSurvived(server, before);
}, 25_000);

// Finding 7: requests whose bodies never finish. CONTRACT v2: "a request body must
// arrive within 10 s (`408`) … and connections per address are bounded"
// (REQUEST_TIMEOUT_MS, MAX_CONNECTIONS_PER_ADDRESS; over the limit: 429 RATE_LIMITED
// and the socket closed). Meanwhile everyone else is served.
import { afterEach, expect, it } from 'vitest';
import {
  expectSurvived,
  fillRoom,
  http,
  rawRequest,
  roomSnapshot,
  sleep,
  startServer,
  stopAllServers,
  type WirePeer,
} from '../helpers/process.ts';

afterEach(stopAllServers);

const LIMIT = 20;
const TIMEOUT_MS = 1_500;
const SOCKETS = 40;

it(`finding 7: ${SOCKETS} half-sent bodies from one address: ${SOCKETS - LIMIT} get 429, ${LIMIT} get 408 within the timeout + 1.5 s, another address is served meanwhile`, async () => {
  const server = await startServer({ MAX_CONNECTIONS_PER_ADDRESS: String(LIMIT), REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });
  await fillRoom(server, 5, (i) => `seed ${i}`, '127.0.0.3');
  const before = await roomSnapshot(server);

  // Headers and the first half of a 64-byte body, then nothing.
  const half = `POST /api/messages HTTP/1.1\r\nHost: ${server.host}\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{"clientId":"stalled","text":"`;
  const stalled: Array<{ peer: WirePeer; sentAt: number }> = [];
  for (let i = 0; i < SOCKETS; i++) {
    stalled.push({ peer: rawRequest(server, half, '127.0.0.1'), sentAt: performance.now() });
    await new Promise<void>((resolve) => {
      const socket = stalled[i]!.peer.socket;
      if (!socket.connecting) return resolve();
      socket.once('connect', () => resolve()).once('error', () => resolve());
    });
  }

  // Another student, while the 40 sockets hang.
  await sleep(300);
  const other = await http(server, 'POST', '/api/join', { body: { name: 'another student' }, from: '127.0.0.2', timeoutMs: 3_000 }).catch(
    (err: Error) => ({ status: 0, raw: err.message, ms: Infinity }),
  );
  expect.soft({ status: other.status }, `a join from 127.0.0.2 during the stall: ${other.raw.slice(0, 200)}`).toEqual({ status: 201 });
  expect.soft(other.ms, 'ms for the join from 127.0.0.2').toBeLessThan(1_000);

  const answers = await Promise.all(
    stalled.map(async ({ peer, sentAt }) => {
      const answer = await peer.answer(TIMEOUT_MS + 3_000);
      const at = performance.now() - sentAt;
      peer.destroy();
      return { ...answer, code: answer.body?.error?.code as string | undefined, ms: Math.round(at) };
    }),
  );
  const count = (status: number): number => answers.filter((a) => a.status === status).length;
  const tally: Record<string, number> = {};
  for (const a of answers) {
    const key = `${a.status} ${a.code ?? '(no JSON code)'}`;
    tally[key] = (tally[key] ?? 0) + 1;
  }
  console.log(`[stalled] answers: ${JSON.stringify(tally)}; 408s after ${answers.filter((a) => a.status === 408).map((a) => a.ms).join(', ')} ms`);

  expect.soft({ '429': count(429), '408': count(408) }, `answers to the ${SOCKETS} stalled sockets (0 = none): ${JSON.stringify(tally)}`).toEqual({
    '429': SOCKETS - LIMIT,
    '408': LIMIT,
  });
  for (const a of answers.filter((x) => x.status === 429)) expect.soft(a.code, '429 code').toBe('RATE_LIMITED');
  for (const a of answers.filter((x) => x.status === 408)) {
    expect.soft(a.code, '408 code').toBe('REQUEST_TIMEOUT');
    expect.soft(a.ms, 'ms from sending the headers to the 408').toBeLessThanOrEqual(TIMEOUT_MS + 1_500);
    expect.soft(a.ms, 'a 408 only once the body had its time').toBeGreaterThanOrEqual(TIMEOUT_MS - 500);
  }
  await expectSurvived(server, before);
}, 20_000);

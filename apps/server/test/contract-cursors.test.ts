// CONTRACT.md "Cursors" on GET /api/poll and GET /api/longpoll: history without
// `after`, seq > after oldest first, pages of at most 1 000, a truncated window,
// a cursor above lastSeq, and 400 INVALID_CURSOR for a bad `after` / `timeout`.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { LongPollHub } from '@wirebench/transports/polling';
import { appPool, call, expectError, join, roomState, send, testApp, type Json } from './helpers/contract.ts';

const pool = appPool();
afterEach(() => pool.closeAll());

/** A hub that counts the polls it was asked to hold. */
class CountingHub extends LongPollHub {
  holds = 0;
  override hold(...args: Parameters<LongPollHub['hold']>): () => void {
    this.holds++;
    return super.hold(...args);
  }
}

async function fill(app: FastifyInstance, n: number): Promise<string> {
  const { clientId } = await join(app);
  for (let i = 1; i <= n; i++) await send(app, clientId, `m${i}`);
  return clientId;
}

const seqs = (messages: Json[]): number[] => messages.map((m) => m.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// Long polls get `timeout=0` wherever nothing newer exists, so a hold is never needed here.
const lanes = [
  { path: '/api/poll', q: '' },
  { path: '/api/longpoll', q: '&timeout=0' },
] as const;

describe.each(lanes)('$path cursors', ({ path, q }) => {
  it('without after: the last HISTORY_LIMIT messages and lastSeq', async () => {
    const app = pool.fresh({ historyLimit: 4 });
    await fill(app, 10);
    const res = await call(app, 'GET', `${path}?${q.slice(1)}`);
    expect(res.status).toBe(200);
    expect(seqs(res.body.messages)).toEqual([7, 8, 9, 10]);
    expect(res.body.lastSeq).toBe(10);
    expect(res.body.truncated).toBeUndefined();
  });

  it('without after on an empty room: no messages, lastSeq 0 (answered at once)', async () => {
    const hub = new CountingHub();
    const app = pool.fresh({ longPollTimeoutMs: 2_000 }, { hub });
    const res = await call(app, 'GET', path);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ messages: [], lastSeq: 0, epoch: expect.any(String) });
    expect(hub.holds).toBe(0);
  });

  it('after=N: every message with seq > N, oldest first', async () => {
    const app = pool.fresh({ historyLimit: 2 });
    await fill(app, 6);
    const all = (await roomState(app)).all;
    for (const n of [0, 1, 3, 5]) {
      const res = await call(app, 'GET', `${path}?after=${n}${q}`);
      expect(res.status).toBe(200);
      expect(res.body.messages).toEqual(all.filter((m) => m.seq > n));
      expect(res.body.lastSeq).toBe(6);
      expect(res.body.truncated).toBeUndefined();
    }
    const at = await call(app, 'GET', `${path}?after=6${q}`);
    expect(at.body).toEqual({ messages: [], lastSeq: 6, epoch: expect.any(String) });
  });

  it('after above lastSeq (a restarted server): empty with the current lastSeq, answered at once', async () => {
    const hub = new CountingHub();
    const app = pool.fresh({ longPollTimeoutMs: 2_000 }, { hub });
    await fill(app, 3);
    // No `timeout` here: a long poll must not be held for a cursor from another life of the room.
    const res = await call(app, 'GET', `${path}?after=50`);
    expect(res.status).toBe(200);
    expect(res.body.messages).toEqual([]);
    expect(res.body.lastSeq).toBe(3);
    expect(hub.holds).toBe(0);
  });

  it('a cursor older than the retained window starts at the oldest retained, truncated: true', async () => {
    const app = pool.fresh({ historyLimit: 2, retainLimit: 5 });
    await fill(app, 12);
    for (const n of [0, 3, 6]) {
      const res = await call(app, 'GET', `${path}?after=${n}${q}`);
      expect(res.status).toBe(200);
      expect(seqs(res.body.messages)).toEqual([8, 9, 10, 11, 12]);
      expect(res.body.truncated).toBe(true);
      expect(res.body.lastSeq).toBe(12);
    }
    // after=7 has lost nothing: the retained window starts at 8.
    const whole = await call(app, 'GET', `${path}?after=7${q}`);
    expect(seqs(whole.body.messages)).toEqual([8, 9, 10, 11, 12]);
    expect(whole.body.truncated).toBeUndefined();
  });

  const badAfter = ['-1', '1.5', 'abc', '1e2', '0x10', '99999999999999999999', '1%202'];
  it.each(badAfter)('after=%s is 400 INVALID_CURSOR', async (after) => {
    const app = pool.fresh();
    await fill(app, 2);
    const before = await roomState(app);
    expectError(await call(app, 'GET', `${path}?after=${after}${q}`), 400, 'INVALID_CURSOR');
    expect(await roomState(app)).toEqual(before);
  });

  it('a repeated after is 400 INVALID_CURSOR', async () => {
    const app = pool.fresh();
    await fill(app, 2);
    expectError(await call(app, 'GET', `${path}?after=0&after=1${q}`), 400, 'INVALID_CURSOR');
  });
});

describe('pages of at most 1 000', () => {
  // One room of 1 200 messages for the whole block (outside the per-test pool).
  const app = testApp({ sendRateLimit: 100_000 });
  beforeAll(() => fill(app, 1200), 60_000);
  afterAll(() => app.close());

  for (const { path, q } of lanes) {
    it(`${path}: after=0 gives 1..1000, then after=1000 gives 1001..1200`, async () => {
      const first = await call(app, 'GET', `${path}?after=0${q}`);
      expect(first.status).toBe(200);
      expect(seqs(first.body.messages)).toEqual(range(1, 1000));
      expect(first.body.lastSeq).toBe(1200);
      const second = await call(app, 'GET', `${path}?after=1000${q}`);
      expect(seqs(second.body.messages)).toEqual(range(1001, 1200));
      expect(second.body.lastSeq).toBe(1200);
      const none = await call(app, 'GET', `${path}?after=1200${q}`);
      expect(none.body).toEqual({ messages: [], lastSeq: 1200, epoch: expect.any(String) });
    });
  }

  it('without after: the last HISTORY_LIMIT (100) only', async () => {
    const res = await call(app, 'GET', '/api/poll');
    expect(seqs(res.body.messages)).toEqual(range(1101, 1200));
  });

  it('join replays the last 100', async () => {
    const res = await call(app, 'POST', '/api/join', {});
    expect(res.body.lastSeq).toBe(1200);
    expect(seqs(res.body.messages)).toEqual(range(1101, 1200));
  });
});

describe('/api/longpoll timeout parameter', () => {
  const badTimeout = ['-1', '60001', '1.5', 'abc', '1e3', '99999999999999999999'];
  it.each(badTimeout)('timeout=%s is 400 INVALID_CURSOR', async (timeout) => {
    const app = pool.fresh();
    expectError(await call(app, 'GET', `/api/longpoll?after=0&timeout=${timeout}`), 400, 'INVALID_CURSOR');
  });

  it('a repeated timeout is 400 INVALID_CURSOR', async () => {
    const app = pool.fresh();
    expectError(await call(app, 'GET', '/api/longpoll?after=0&timeout=0&timeout=5'), 400, 'INVALID_CURSOR');
  });

  it('timeout=60000 and timeout=0 are in range', async () => {
    const app = pool.fresh();
    await fill(app, 1);
    expect((await call(app, 'GET', '/api/longpoll?after=0&timeout=60000')).body.messages.length).toBe(1);
    expect((await call(app, 'GET', '/api/longpoll?after=1&timeout=0')).body).toEqual({ messages: [], lastSeq: 1, epoch: expect.any(String) });
  });
});

describe('/api/events cursor errors', () => {
  it.each(['-1', '1.5', 'abc'])('after=%s is a 400 INVALID_CURSOR JSON answer, not a stream', async (after) => {
    const app = pool.fresh();
    expectError(await call(app, 'GET', `/api/events?after=${after}`), 400, 'INVALID_CURSOR');
  });

  it('a repeated after is 400 INVALID_CURSOR', async () => {
    const app = pool.fresh();
    expectError(await call(app, 'GET', '/api/events?after=1&after=2'), 400, 'INVALID_CURSOR');
  });
});

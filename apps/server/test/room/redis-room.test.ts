// The Redis room passes the same conformance suite as the memory room, against
// a real redis-server this file starts (each test gets a room of its own name).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRoom } from '../../src/room/redis-room.ts';
import { RedisInstance, stopAllRedis } from '../helpers/redis.ts';
import { CONFORMANCE_LIMITS, roomConformance } from './conformance.ts';

let redis: RedisInstance;
let rooms = 0;

beforeAll(async () => {
  redis = await RedisInstance.start();
}, 15_000);
afterAll(() => stopAllRedis());

function open(clock: { now: number }, limits = CONFORMANCE_LIMITS, node = 'test:1', room = `conformance-${++rooms}`): Promise<RedisRoom> {
  return RedisRoom.connect({
    ...limits,
    sendRateWindowMs: 10_000,
    joinRateWindowMs: 60_000,
    now: () => clock.now,
    url: redis.url,
    node,
    room,
  });
}

roomConformance('RedisRoom', async (limits, clock) => {
  const room = await open(clock, limits);
  return { room, dispose: () => room.close() };
});

/** Raw commands to the test's Redis, as an operator with redis-cli would type them. */
async function redisCall(...args: string[]): Promise<unknown> {
  const { createClient } = await import('@redis/client');
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    return await client.sendCommand(args);
  } finally {
    client.destroy();
  }
}

const until = async (check: () => boolean, ms = 5_000): Promise<void> => {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('RedisRoom: several processes, one room', () => {
  it('a message stored by one process reaches the listeners of another, in seq order, once', async () => {
    const clock = { now: 5_000 };
    const name = `shared-${++rooms}`;
    const a = await open(clock, CONFORMANCE_LIMITS, 'a:1', name);
    const b = await open(clock, CONFORMANCE_LIMITS, 'b:1', name);
    try {
      const heardByB: number[] = [];
      b.subscribe((m) => heardByB.push(m.seq));
      const ana = await a.join({ address: '10.0.0.1' });
      const bo = await b.join({ address: '10.0.0.2' });
      await Promise.all([
        a.send({ clientId: ana.clientId, clientSecret: ana.clientSecret, text: 'a1', via: 'sse', address: '10.0.0.1' }),
        b.send({ clientId: bo.clientId, clientSecret: bo.clientSecret, text: 'b1', via: 'sse', address: '10.0.0.2' }),
        a.send({ clientId: ana.clientId, clientSecret: ana.clientSecret, text: 'a2', via: 'sse', address: '10.0.0.1' }),
      ]);
      await until(() => heardByB.length === 3);
      expect(heardByB).toEqual([1, 2, 3]);
      // Each process learns of the other's messages through its own follower: wait for a's too.
      await until(() => a.head.lastSeq === 3);
      expect(a.head).toEqual(b.head);
      // Identities, secrets and idempotency are the room's, not a process's.
      await b.authenticate(ana.clientId, ana.clientSecret);
      const first = await a.send({ clientId: ana.clientId, clientSecret: ana.clientSecret, text: 'x', clientMsgId: 'k', via: 'sse', address: '10.0.0.1' });
      const again = await b.send({ clientId: ana.clientId, clientSecret: ana.clientSecret, text: 'y', clientMsgId: 'k', via: 'sse', address: '10.0.0.3' });
      expect(again).toEqual({ created: false, message: first.message });
      await a.setLocked(true);
      expect(await b.isLocked()).toBe(true);
      await expect(b.join({ address: '10.0.0.9' })).rejects.toMatchObject({ code: 'ROOM_LOCKED' });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a process whose subscriber connection was cut reads what it missed from the stream', async () => {
    const clock = { now: 5_000 };
    const name = `cut-${++rooms}`;
    const a = await open(clock, CONFORMANCE_LIMITS, 'a:1', name);
    const b = await open(clock, CONFORMANCE_LIMITS, 'b:1', name);
    try {
      const heardByB: number[] = [];
      b.subscribe((m) => heardByB.push(m.seq));
      const ana = await a.join({ address: '10.0.0.1' });
      // Every pub/sub connection is cut (b's included) while a keeps sending.
      await redisCall('CLIENT', 'KILL', 'TYPE', 'pubsub');
      for (let i = 0; i < 4; i++) await a.send({ clientId: ana.clientId, clientSecret: ana.clientSecret, text: `m${i}`, via: 'sse', address: '10.0.0.1' });
      await until(() => heardByB.length === 4);
      expect(heardByB).toEqual([1, 2, 3, 4]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('secrets are stored as hashes; the stream keeps the retained window; keys carry the room hash tag', async () => {
    const clock = { now: 5_000 };
    const name = `keys-${++rooms}`;
    const room = await open(clock, { ...CONFORMANCE_LIMITS, retainLimit: 5 }, 'a:1', name);
    try {
      const ana = await room.join({ address: '10.0.0.1' });
      for (let i = 0; i < 9; i++) await room.send({ clientId: ana.clientId, clientSecret: ana.clientSecret, text: `m${i}`, clientMsgId: `k${i}`, via: 'sse', address: '10.0.0.1' });
      expect(await redisCall('XLEN', `wb:{${name}}:log`)).toBe(5);
      // The idempotency keys of messages that left the window went with them.
      expect(await redisCall('HLEN', `wb:{${name}}:idem`)).toBe(5);
      const keys = (await redisCall('KEYS', `*${name}*`)) as string[];
      expect(keys.every((k) => k.startsWith(`wb:{${name}}:`))).toBe(true);
      const dump = JSON.stringify(await Promise.all(keys.filter((k) => k.includes(':c:')).map((k) => redisCall('HGETALL', k))));
      expect(dump).not.toContain(ana.clientSecret);
    } finally {
      await room.close();
    }
  });

  it('a Redis that lost its data: a new epoch, numbering from 1; listeners are told of the restart before the new room\'s first message', async () => {
    const clock = { now: 5_000 };
    const name = `lost-${++rooms}`;
    const room = await open(clock, CONFORMANCE_LIMITS, 'a:1', name);
    try {
      const heard: Array<number | string> = [];
      room.subscribe((m) => heard.push(m.seq));
      const restarted: string[] = [];
      room.onRestart((epoch) => {
        restarted.push(epoch);
        heard.push('restart');
      });
      const ana = await room.join({ address: '10.0.0.1' });
      await room.send({ clientId: ana.clientId, clientSecret: ana.clientSecret, text: 'before', via: 'sse', address: '10.0.0.1' });
      const before = room.head.epoch;
      const keys = (await redisCall('KEYS', `wb:{${name}}:*`)) as string[];
      await redisCall('DEL', ...keys);
      // A quiet room notices by itself (the head check), without a request.
      await until(() => restarted.length === 1);
      expect(restarted[0]).not.toBe(before);
      expect(room.head).toEqual({ lastSeq: 0, epoch: restarted[0] });
      const since = await room.since(1, { epoch: before });
      expect(since).toMatchObject({ messages: [], ahead: true, lastSeq: 0, epoch: restarted[0] });
      await expect(room.send({ clientId: ana.clientId, clientSecret: ana.clientSecret, text: 'after', via: 'sse', address: '10.0.0.1' })).rejects.toMatchObject({
        code: 'UNKNOWN_CLIENT',
      });
      const bea = await room.join({ address: '10.0.0.1' });
      await room.send({ clientId: bea.clientId, clientSecret: bea.clientSecret, text: 'new room', via: 'sse', address: '10.0.0.1' });
      expect(heard).toEqual([1, 'restart', 1]);
    } finally {
      await room.close();
    }
  });
});

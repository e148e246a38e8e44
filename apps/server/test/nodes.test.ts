// Which process served what (#14): `nodes` in GET /api/stats lists the processes serving the
// room (in memory: this one; on Redis: every process with a fresh lease in `wb:{main}:nodes`),
// and the SSE `state` event names the process serving the stream (EventSource cannot read
// X-Wirebench-Node).
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedisRoom } from '../src/cluster/room.ts';
import { defaultConfig } from '../src/config.ts';
import { NODE_LEASE_MS, RedisRoom } from '../src/room/redis-room.ts';
import { appPool, ONE_ADDRESS_CLASS, SseReader, until } from './helpers/contract.ts';
import { RedisInstance, stopAllRedis } from './helpers/redis.ts';

const pool = appPool();
afterAll(async () => {
  await pool.closeAll();
  await stopAllRedis();
});

const statsOf = async (url: string) => (await fetch(`${url}/api/stats`)).json();

describe('nodes in /api/stats', () => {
  it('a room in memory: this process alone, by its NODE_ID; its SSE state event names it', async () => {
    const app = pool.fresh({ nodeId: 'solo' });
    const stats = (await app.inject({ method: 'GET', url: '/api/stats' })).json();
    expect(stats.nodes).toEqual(['solo']);
    const { url } = await pool.listening({ nodeId: 'solo-2' });
    expect((await statsOf(url)).nodes).toEqual(['solo-2']);
    const reader = new SseReader(`${url}/api/events`);
    const [state] = await reader.waitFor(1);
    expect(state!.event).toBe('state');
    expect(JSON.parse(state!.data)).toMatchObject({ lastSeq: 0, node: 'solo-2' });
    reader.req.destroy();
  });

  it('a room on Redis: every process serving it, from any of them; one that leaves, or whose lease ran out, is not listed', async () => {
    const redis = await RedisInstance.start();
    const rooms: RedisRoom[] = [];
    try {
      const startNode = async (nodeId: string) => {
        const config = { ...defaultConfig, ...ONE_ADDRESS_CLASS, redisUrl: redis.url, nodeId };
        const room = await connectRedisRoom(config, () => {});
        rooms.push(room);
        return { room, ...(await pool.listening(config, { room })) };
      };
      const a = await startNode('node-a');
      const b = await startNode('node-b');
      // A process whose clock says its lease ran out long ago: as one that died without leaving.
      const ghost = await RedisRoom.connect({
        url: redis.url,
        node: 'ghost',
        historyLimit: 100,
        retainLimit: 1_000,
        maxTextLength: 2_000,
        sendRateLimit: 300,
        sendRateWindowMs: 10_000,
        sendRateLimitPerAddress: 3_000,
        joinRateLimit: 1_000,
        joinRateWindowMs: 60_000,
        maxClients: 1_000,
        now: () => Date.now() - NODE_LEASE_MS - 5_000,
      });
      rooms.push(ghost);
      ghost.announce('ghost');

      await until(async () => (await statsOf(a.url)).nodes.length === 2, 'both processes listed');
      expect((await statsOf(a.url)).nodes).toEqual(['node-a', 'node-b']);
      expect((await statsOf(b.url)).nodes).toEqual(['node-a', 'node-b']);
      const reader = new SseReader(`${b.url}/api/events`);
      expect(JSON.parse((await reader.waitFor(1))[0]!.data).node).toBe('node-b');
      reader.req.destroy();

      await b.app.close();
      await b.room.close();
      expect((await statsOf(a.url)).nodes).toEqual(['node-a']);
    } finally {
      await Promise.all(rooms.map((r) => r.close()));
    }
  }, 30_000);
});

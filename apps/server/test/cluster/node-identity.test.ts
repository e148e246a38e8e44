// CONTRACT "several processes, one room": every HTTP answer names its process
// (X-Wirebench-Node), so does the WebSocket welcome of both stacks; a process
// whose Redis is away answers 503 ROOM_UNAVAILABLE and recovers by itself.
import { hostname } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../../src/app.ts';
import { connectRedisRoom } from '../../src/cluster/room.ts';
import { defaultConfig } from '../../src/config.ts';
import { RedisInstance, stopAllRedis } from '../helpers/redis.ts';

afterAll(() => stopAllRedis());

function firstFrame(url: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('message', (data: Buffer) => {
      resolve(JSON.parse(data.toString('utf8')));
      ws.close();
    });
    ws.once('error', reject);
  });
}

describe('X-Wirebench-Node and the welcome', () => {
  it('every HTTP answer carries NODE_ID: a route, an error, a not-found, a held poll, an event stream', async () => {
    const app = buildApp({ nodeId: 'node-7' });
    try {
      for (const [method, url] of [['GET', '/healthz'], ['GET', '/api/poll?after=x'], ['GET', '/nowhere'], ['GET', '/api/longpoll?timeout=0']] as const) {
        const res = await app.inject({ method, url });
        expect(res.headers['x-wirebench-node'], `${method} ${url}`).toBe('node-7');
      }
      const join = await app.inject({ method: 'POST', url: '/api/join', payload: {} });
      expect(join.statusCode).toBe(201);
      expect(join.headers['x-wirebench-node']).toBe('node-7');
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as { port: number }).port;
      const controller = new AbortController();
      const sse = await fetch(`http://127.0.0.1:${port}/api/events`, { signal: controller.signal });
      expect(sse.headers.get('x-wirebench-node')).toBe('node-7');
      controller.abort();
    } finally {
      await app.close();
    }
  });

  it('without NODE_ID: the host name and the bound port, in the header and in both stacks\' welcome', async () => {
    const app = buildApp({});
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as { port: number }).port;
      const expected = `${hostname()}:${port}`;
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).headers.get('x-wirebench-node')).toBe(expected);
      for (const path of ['/ws/raw', '/ws/lib']) {
        expect(await firstFrame(`ws://127.0.0.1:${port}${path}`), path).toMatchObject({ type: 'welcome', node: expected });
      }
    } finally {
      await app.close();
    }
  });
});

describe('Redis away', () => {
  it('503 ROOM_UNAVAILABLE with Retry-After, nothing stored; the same process serves again once Redis is back', async () => {
    const redis = await RedisInstance.start({ persist: true });
    const config = { ...defaultConfig, redisUrl: redis.url, nodeId: 'n1', teacherKey: 'k'.repeat(16) };
    const room = await connectRedisRoom(config, () => {});
    const app = buildApp(config, { room });
    try {
      const joined = (await app.inject({ method: 'POST', url: '/api/join', payload: { name: 'ana' } })).json();
      await redis.kill();
      const refused = await app.inject({ method: 'POST', url: '/api/messages', payload: { clientId: joined.clientId, clientSecret: joined.clientSecret, text: 'lost?' } });
      expect(refused.statusCode).toBe(503);
      expect(refused.json()).toMatchObject({ error: { code: 'ROOM_UNAVAILABLE' } });
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.headers['x-wirebench-node']).toBe('n1');
      expect((await app.inject({ method: 'GET', url: '/api/poll' })).statusCode).toBe(503);
      await redis.restart({ keepData: true });
      let sent;
      const until = performance.now() + 10_000;
      do {
        await new Promise((r) => setTimeout(r, 100));
        sent = await app.inject({ method: 'POST', url: '/api/messages', payload: { clientId: joined.clientId, clientSecret: joined.clientSecret, text: 'back' } });
      } while (sent.statusCode === 503 && performance.now() < until);
      expect(sent.statusCode).toBe(201);
      // The refused message was never stored: the first message is this one.
      expect(sent.json().message).toMatchObject({ seq: 1, text: 'back' });
      expect((await app.inject({ method: 'GET', url: '/api/poll?after=0' })).json().epoch).toBe(joined.epoch);
    } finally {
      await app.close();
      await room.close();
    }
  }, 30_000);
});

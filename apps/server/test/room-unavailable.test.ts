// A process whose Redis is away says so (docs/09-contract.md): 503 ROOM_UNAVAILABLE with
// Retry-After over HTTP, an `error` frame with that code on a chat WebSocket (which stays
// open), a refused handshake — through the one error path (errors.ts), while every other
// 5xx stays a bare 500 INTERNAL with no details.
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedisRoom } from '../src/cluster/room.ts';
import { defaultConfig } from '../src/config.ts';
import { toWireError } from '../src/errors.ts';
import { RoomUnavailable } from '../src/room/redis-room.ts';
import { appPool, handshakeStatus, ONE_ADDRESS_CLASS, openChat } from './helpers/contract.ts';
import { RedisInstance, stopAllRedis } from './helpers/redis.ts';

const pool = appPool();
afterAll(async () => {
  await pool.closeAll();
  await stopAllRedis();
});

describe('toWireError', () => {
  it('lets 503 ROOM_UNAVAILABLE through; any other 5xx, and anything unknown, is 500 INTERNAL', () => {
    expect(toWireError(new RoomUnavailable())).toEqual({ statusCode: 503, code: 'ROOM_UNAVAILABLE', message: expect.stringContaining('Redis') });
    const leaky = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:6379'), { statusCode: 502, code: 'BAD_GATEWAY' });
    expect(toWireError(leaky)).toEqual({ statusCode: 500, code: 'INTERNAL', message: 'internal server error' });
    expect(toWireError(Object.assign(new Error('x'), { statusCode: 503, code: 'SOMETHING_ELSE' })).code).toBe('INTERNAL');
    expect(toWireError(new TypeError('boom'))).toEqual({ statusCode: 500, code: 'INTERNAL', message: 'internal server error' });
  });
});

describe('Redis away, on a running process', () => {
  it('HTTP: 503 with Retry-After; both chat WebSockets: an error frame ROOM_UNAVAILABLE, the socket stays; a new handshake: 503', async () => {
    const redis = await RedisInstance.start();
    const config = { ...defaultConfig, ...ONE_ADDRESS_CLASS, redisUrl: redis.url, nodeId: 'n1' };
    const room = await connectRedisRoom(config, () => {});
    try {
      const { url } = await pool.listening(config, { room });
      const ws = url.replace('http', 'ws');
      const raw = await openChat(`${ws}/ws/raw`);
      const lib = await openChat(`${ws}/ws/lib`);
      const joined = await (await fetch(`${url}/api/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();

      await redis.kill();

      const refused = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: joined.clientId, clientSecret: joined.clientSecret, text: 'lost?' }),
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.headers.get('x-wirebench-node')).toBe('n1');
      expect(await refused.json()).toEqual({ error: { code: 'ROOM_UNAVAILABLE', message: expect.any(String) } });

      for (const [name, chat] of [['ws-raw', raw], ['ws-lib', lib]] as const) {
        chat.peer.sendJson({ type: 'send', text: 'lost?', clientMsgId: 'k1' });
        expect(await chat.peer.next(), name).toEqual({ type: 'error', code: 'ROOM_UNAVAILABLE', message: expect.any(String) });
        expect(chat.peer.ws.readyState, `${name}: still open`).toBe(chat.peer.ws.OPEN);
      }
      expect(await handshakeStatus(`${ws}/ws/raw`)).toBe(503);
      expect(await handshakeStatus(`${ws}/ws/lib`)).toBe(503);
      await raw.peer.close();
      await lib.peer.close();
    } finally {
      await room.close();
    }
  }, 30_000);
});

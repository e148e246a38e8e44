// The room a process serves when REDIS_URL is set: connected before the app is
// built, with the same limits the memory room takes from the configuration.
import { hostname } from 'node:os';
import { roomLimits, type AppConfig } from '../config.ts';
import { RedisRoom } from '../room/redis-room.ts';

export function connectRedisRoom(config: AppConfig, warn: (line: string) => void): Promise<RedisRoom> {
  return RedisRoom.connect({
    url: config.redisUrl,
    // The owner of this process's pins: NODE_ID, or a name no other process has (the port may still be 0 here).
    node: config.nodeId || `${hostname()}:pid-${process.pid}`,
    ...roomLimits(config),
    warn,
  });
}

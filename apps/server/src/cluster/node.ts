// What tells the processes of one room apart (CONTRACT "several processes, one
// room"): every HTTP answer names the process that served it, and a process that
// cannot reach the room's store says so plainly.
import { hostname } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config.ts';
import { RoomUnavailable } from '../room/redis-room.ts';

export const NODE_HEADER = 'x-wirebench-node';

/** NODE_ID's default: this machine's name and the port the process listens on. */
export function defaultNodeId(port: number): string {
  return `${hostname()}:${port}`;
}

const unavailable = new WeakSet<FastifyRequest>();

/**
 * Sets `config.nodeId` once the port is known, names the process on every answer
 * (on the raw response, so event streams and held polls that write their own head
 * carry it too), and answers 503 ROOM_UNAVAILABLE with Retry-After when Redis is away.
 */
export function installNodeIdentity(app: FastifyInstance, config: AppConfig): void {
  app.addHook('onListen', async () => {
    const address = app.server.address();
    config.nodeId ||= defaultNodeId(typeof address === 'object' && address ? address.port : config.port);
  });
  app.addHook('onRequest', async (_request, reply) => {
    // Never listened (a test's inject): the configured port stands in.
    config.nodeId ||= defaultNodeId(config.port);
    reply.raw.setHeader(NODE_HEADER, config.nodeId);
  });
  // The one error handler turns every 5xx into a bare 500; this one is the client's to know.
  app.addHook('onError', async (request, _reply, error) => {
    if (error instanceof RoomUnavailable) unavailable.add(request);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!unavailable.has(request)) return payload;
    const { code, message } = new RoomUnavailable();
    void reply.code(503).header('retry-after', '1');
    return JSON.stringify({ error: { code, message } });
  });
}

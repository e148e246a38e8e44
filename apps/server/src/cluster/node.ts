// What tells the processes of one room apart (CONTRACT "several processes, one
// room"): every HTTP answer names the process that served it, and a process that
// cannot reach the room's store says so plainly.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../config.ts';

export const NODE_HEADER = 'x-wirebench-node';

/** NODE_ID's default: this machine's name and the port the process listens on. */
export function defaultNodeId(port: number): string {
  return `${hostname()}:${port}`;
}

/**
 * Sets `config.nodeId` once the port is known, and names the process on every answer
 * (on the raw response, so event streams and held polls that write their own head
 * carry it too). A process whose Redis is away answers 503 ROOM_UNAVAILABLE with
 * Retry-After (errors.ts, http/errors-plugin.ts).
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
}

// What every transport and route is given (only the room is also decorated
// on the app), and the small helpers they share.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TransportId } from '@wirebench/transports/contract';
import type { LongPollHub } from '@wirebench/transports/polling';
import type { AppConfig } from './config.ts';
import type { Inspector } from './inspect/inspector.ts';
import type { FanOut } from './room/fanout.ts';
import type { Room } from './room/room.ts';
import type { Stats } from './room/stats.ts';

export interface ServerContext {
  config: AppConfig;
  room: Room;
  fanout: FanOut;
  stats: Stats;
  hub: LongPollHub;
  inspector: Inspector;
  /** Set when the server starts shutting down: nothing new is held open. */
  lifecycle: { closing: boolean };
}

/**
 * Counts one HTTP request of a transport (its request line, headers and body),
 * and, given its reply, the bytes of the answer. Requests that deliver room
 * messages are counted by the fan-out instead, as its peers.
 */
export function countRequest(ctx: ServerContext, transport: TransportId, request: FastifyRequest, reply?: FastifyReply): void {
  ctx.stats.request(transport, request.raw);
  if (reply) reply.raw.once('close', ctx.stats.track(transport, request.raw.socket, false));
}

/**
 * The optional `clientId` query parameter of polls and streams: it attributes
 * the request to a client (its delay, its cut, the head counts). Unknown ids
 * are ignored.
 */
export async function attributedClient(ctx: ServerContext, transport: TransportId, clientId: unknown): Promise<string | undefined> {
  if (typeof clientId !== 'string' || !(await ctx.room.touch(clientId))) return undefined;
  ctx.stats.seen(transport, clientId);
  return clientId;
}

/** The peer's network address, the key of the per-address limits. */
export const addressOf = (request: FastifyRequest): string => request.socket.remoteAddress ?? request.ip;

export const pollQuerySchema = {
  type: 'object',
  properties: {
    after: { type: 'string' },
    timeout: { type: 'string' },
    epoch: { type: 'string' },
    clientId: { type: 'string' },
  },
} as const;

export interface PollQuery {
  after?: string;
  timeout?: string;
  epoch?: string;
  clientId?: string;
}

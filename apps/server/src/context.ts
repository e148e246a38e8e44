// What every transport and route is given (only the room is also decorated
// on the app), and the small helpers they share.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TransportId } from '@wirebench/transports/contract';
import type { LongPollHub } from '@wirebench/transports/polling';
import type { AppConfig } from './config.ts';
import type { TeacherGate } from './http/teacher.ts';
import type { Inspector } from './inspect/inspector.ts';
import type { LessonService } from './lessons/service.ts';
import type { FanOut } from './room/fanout.ts';
import type { Room } from './room/room.ts';
import type { Stats } from './room/stats.ts';
import { TeacherOnly, UnknownClient } from './errors.ts';
import { peerAddress } from './http/guards.ts';

export interface ServerContext {
  config: AppConfig;
  room: Room;
  fanout: FanOut;
  stats: Stats;
  hub: LongPollHub;
  inspector: Inspector;
  teacher: TeacherGate;
  /** What the class sees of the lesson; the fan-out carries its signal. */
  lessons: LessonService;
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
 * are ignored; a removed client's polls and streams get 403 CLIENT_REMOVED, so
 * every lane of a removed student stops at its next request.
 */
export async function attributedClient(ctx: ServerContext, transport: TransportId, clientId: unknown): Promise<string | undefined> {
  if (typeof clientId !== 'string' || !(await ctx.room.touch(clientId))) return undefined;
  ctx.stats.seen(transport, clientId);
  return clientId;
}

/** The peer's network address, the key of the per-address limits. */
export const addressOf = (request: FastifyRequest): string => peerAddress(request.raw.socket) ?? request.ip;

/**
 * The client a request may act on: the teacher may act on anyone; anyone else
 * only on themselves, with their own secret (401 TEACHER_ONLY without either).
 */
export async function authorizeFor(ctx: ServerContext, request: FastifyRequest, clientId: string, clientSecret: unknown): Promise<void> {
  if (ctx.teacher.isTeacher(request)) {
    if (!(await ctx.room.knows(clientId))) throw new UnknownClient(clientId);
    return;
  }
  if (clientSecret === undefined) throw new TeacherOnly();
  await ctx.room.authenticate(clientId, clientSecret);
}

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

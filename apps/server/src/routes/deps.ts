import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CursorAnswer } from '@wirebench/transports/polling';
import type { ChatMessage, PollResponse, TransportId } from '@wirebench/transports/contract';
import type { LongPollHub } from '@wirebench/transports/polling';
import type { AppConfig } from '../config.ts';
import type { Room } from '../room/room.ts';
import type { Stats } from '../room/stats.ts';
import type { ClientControls } from '../room/delivery.ts';
import type { Inspector } from '../inspect/inspector.ts';

/** What every transport plugin is given; only the room is also decorated on the app. */
export interface Deps {
  config: AppConfig;
  room: Room;
  stats: Stats;
  controls: ClientControls;
  hub: LongPollHub;
  inspector: Inspector;
  /** Set when the server starts shutting down: nothing new is held open. */
  lifecycle: { closing: boolean };
}

/** Counts an HTTP request for a transport and the bytes its response writes. */
export function countRequest(
  deps: Deps,
  transport: TransportId,
  request: FastifyRequest,
  reply: FastifyReply,
  connection = false,
  clientId?: string,
): void {
  deps.stats.request(transport, request.raw);
  const untrack = deps.stats.track(transport, request.raw.socket, connection, clientId);
  reply.raw.once('close', untrack);
}

export function pollBody(answer: CursorAnswer<ChatMessage>): PollResponse {
  const body: PollResponse = { messages: answer.messages, lastSeq: answer.lastSeq };
  if (answer.truncated) body.truncated = true;
  return body;
}

/** The optional `clientId` query parameter of polls and streams (attribution only). */
export function attributedClient(deps: Deps, transport: TransportId, clientId: unknown): string | undefined {
  if (typeof clientId !== 'string' || !deps.room.touch(clientId)) return undefined;
  deps.stats.seen(transport, clientId);
  return clientId;
}

export const pollQuerySchema = {
  type: 'object',
  properties: {
    after: { type: 'string' },
    timeout: { type: 'string' },
    clientId: { type: 'string' },
  },
} as const;

export interface PollQuery {
  after?: string;
  timeout?: string;
  clientId?: string;
}

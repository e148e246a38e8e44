// POST /api/join and POST /api/messages: how HTTP clients enter the room and speak in it.
import type { FastifyPluginAsync } from 'fastify';
import { HTTP_SEND_VIAS, type HttpSendVia, type JoinResponse } from '@wirebench/transports/contract';
import { addressOf, countRequest, type ServerContext } from '../context.ts';
import { InvalidBody } from '../errors.ts';

const sendSchema = {
  type: 'object',
  required: ['clientId', 'text'],
  properties: {
    clientId: { type: 'string', minLength: 1, maxLength: 200 },
    clientSecret: { type: 'string', maxLength: 200 },
    text: { type: 'string' },
    clientMsgId: { type: ['string', 'null'] },
    name: { type: 'string' },
    via: { type: 'string', enum: [...HTTP_SEND_VIAS] },
  },
} as const;

interface SendBody {
  clientId: string;
  clientSecret?: string;
  text: string;
  clientMsgId?: string | null;
  name?: string;
  via?: HttpSendVia;
}

const isVia = (v: unknown): v is HttpSendVia => typeof v === 'string' && (HTTP_SEND_VIAS as readonly string[]).includes(v);

export const joinMessagesRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { room, stats } = ctx;

  // `via` in the join body is a Wirebench extension: it attributes the request to a lane in /api/stats.
  app.post('/api/join', async (request, reply) => {
    const body = request.body ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidBody('body must be a JSON object');
    const { name, via } = body as { name?: unknown; via?: unknown };
    if (via !== undefined && !isVia(via)) throw new InvalidBody(`via must be one of ${HTTP_SEND_VIAS.join(', ')}`);
    // A join with the teacher key makes a teacher's identity: past the lock and the per-address budgets.
    const joined: JoinResponse = await room.join({ name, address: addressOf(request), teacher: ctx.teacher.isTeacher(request) });
    if (via !== undefined) {
      countRequest(ctx, via, request, reply);
      stats.seen(via, joined.clientId);
      stats.delivered(via, joined.messages.length);
    }
    return reply.code(201).send(joined);
  });

  app.post<{ Body: SendBody }>('/api/messages', { schema: { body: sendSchema } }, async (request, reply) => {
    const via = request.body.via ?? 'short-poll';
    countRequest(ctx, via, request, reply);
    const { message, created } = await room.send({ ...request.body, clientSecret: request.body.clientSecret, via, address: addressOf(request) });
    stats.seen(via, message.clientId);
    return reply.code(created ? 201 : 200).send({ message });
  });
};

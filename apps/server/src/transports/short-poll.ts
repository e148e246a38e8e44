// GET /api/poll: short polling. Answers at once with whatever is new, never held.
import { TRANSPORTS } from '@wirebench/transports/contract';
import type { FastifyPluginAsync } from 'fastify';
import { parseCursor, parseEpoch } from '@wirebench/transports/polling';
import { attributedClient, countRequest, pollQuerySchema, type PollQuery, type ServerContext } from '../context.ts';
import { InvalidCursor } from '../errors.ts';
import { replyChannel } from './http-channel.ts';

export const shortPollRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  // #region poll
  app.get<{ Querystring: PollQuery }>(TRANSPORTS['short-poll'].path, { schema: { querystring: pollQuerySchema } }, async (request, reply) => {
    const after = parseCursor(request.query.after);
    if (!after.ok) throw new InvalidCursor(after.message);
    const epoch = parseEpoch(request.query.epoch);
    if (!epoch.ok) throw new InvalidCursor(epoch.message);
    countRequest(ctx, 'short-poll', request);
    const clientId = await attributedClient(ctx, 'short-poll', request.query.clientId);
    const { json, count } = await ctx.fanout.pollAnswer(after.value, epoch.value);
    // The answer leaves through the fan-out: the client's delay, its cut, the drain timeout.
    const send = (body: unknown): void => void reply.type('application/json; charset=utf-8').send(body);
    const peer = ctx.fanout.attach({
      transport: 'short-poll',
      clientId,
      connection: false,
      channel: replyChannel(reply, () => {}, send),
    });
    reply.raw.once('close', () => peer.detach());
    ctx.stats.delivered('short-poll', count);
    peer.send(json, json.length);
    return reply;
  });
  // #endregion poll
};

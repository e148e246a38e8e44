// GET /api/poll: short polling. Answers at once with whatever is new, never held.
import type { FastifyPluginAsync } from 'fastify';
import { parseCursor } from '@wirebench/transports/polling';
import { InvalidCursor } from '../errors.ts';
import { attributedClient, countRequest, pollBody, pollQuerySchema, type Deps, type PollQuery } from './deps.ts';
import { sleep } from './sleep.ts';

export const shortPollRoutes: FastifyPluginAsync<Deps> = async (app, deps) => {
  // #region poll
  app.get<{ Querystring: PollQuery }>('/api/poll', { schema: { querystring: pollQuerySchema } }, async (request, reply) => {
    const after = parseCursor(request.query.after);
    if (!after.ok) throw new InvalidCursor(after.message);
    countRequest(deps, 'short-poll', request, reply);
    const clientId = attributedClient(deps, 'short-poll', request.query.clientId);
    const delay = deps.controls.delay(clientId);
    if (delay > 0) await sleep(delay);
    const answer = deps.room.since(after.value);
    deps.stats.delivered('short-poll', answer.messages.length);
    return pollBody(answer);
  });
  // #endregion poll
};

// GET /api/longpoll: long polling. Answered at once when something newer than
// `after` exists; otherwise held in the hub until a message arrives or the
// timeout runs out (then an empty answer). A client that goes away releases
// its waiter, timer and listeners at once.
import type { FastifyPluginAsync } from 'fastify';
import { DEFAULTS } from '@wirebench/transports/contract';
import { parseCursor, parseIntParam } from '@wirebench/transports/polling';
import { InvalidCursor } from '../errors.ts';
import { attributedClient, countRequest, pollBody, pollQuerySchema, type Deps, type PollQuery } from './deps.ts';

export const longPollRoutes: FastifyPluginAsync<Deps> = async (app, deps) => {
  const { room, hub, controls, stats, config } = deps;
  const unsubscribe = room.subscribe((message) => hub.notify(message.seq));
  app.addHook('onClose', async () => unsubscribe());

  // The polls one message wakes mostly share a cursor: each answer is serialised once.
  const answers = new Map<number | undefined, { json: string; count: number }>();
  let answersSeq = -1;
  const answerFor = (after: number | undefined): { json: string; count: number } => {
    if (answersSeq !== room.lastSeq) {
      answers.clear();
      answersSeq = room.lastSeq;
    }
    let answer = answers.get(after);
    if (answer === undefined) {
      const body = pollBody(room.since(after));
      answer = { json: JSON.stringify(body), count: body.messages.length };
      if (answers.size < 16) answers.set(after, answer);
    }
    return answer;
  };

  app.get<{ Querystring: PollQuery }>('/api/longpoll', { schema: { querystring: pollQuerySchema } }, (request, reply) => {
    const after = parseCursor(request.query.after);
    if (!after.ok) throw new InvalidCursor(after.message);
    const timeout = parseIntParam('timeout', request.query.timeout, 0, DEFAULTS.longPollMaxTimeoutMs);
    if (!timeout.ok) throw new InvalidCursor(timeout.message);
    const timeoutMs = timeout.value ?? config.longPollTimeoutMs;
    const clientId = attributedClient(deps, 'long-poll', request.query.clientId);
    countRequest(deps, 'long-poll', request, reply, true, clientId);

    const res = reply.raw;
    let delayTimer: ReturnType<typeof setTimeout> | undefined;
    let release = (): void => {};
    let unregisterCut = (): void => {};
    const cleanup = (): void => {
      release();
      unregisterCut();
      if (delayTimer !== undefined) clearTimeout(delayTimer);
      res.off('close', cleanup);
    };
    res.once('close', cleanup);

    const answer = (): void => {
      cleanup();
      const { json, count } = answerFor(after.value);
      stats.delivered('long-poll', count);
      void reply.type('application/json; charset=utf-8').send(json);
    };
    const answerAfterDelay = (): void => {
      const ms = controls.delay(clientId);
      if (ms > 0) delayTimer = setTimeout(answer, ms);
      else answer();
    };

    // #region hold
    const now = room.since(after.value);
    if (now.messages.length > 0 || now.ahead || now.truncated || timeoutMs === 0 || after.value === undefined) {
      answerAfterDelay();
      return reply;
    }
    release = hub.hold(after.value, timeoutMs, answerAfterDelay);
    unregisterCut = controls.onCut(clientId, () => res.destroy());
    // #endregion hold
    return reply;
  });
};

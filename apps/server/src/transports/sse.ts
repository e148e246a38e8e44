// GET /api/events: Server-Sent Events. Headers at once, a named `state` event,
// the history or the replay after the cursor, then every message as an
// unnamed event whose id is its seq, and a comment every 15 s so proxies keep
// the stream open.
import type { FastifyPluginAsync } from 'fastify';
import { TRANSPORTS, type SseStateEvent } from '@wirebench/transports/contract';
import { parseCursor, parseEpoch } from '@wirebench/transports/polling';
import { encodeComment, encodeNamedEvent, resumeCursor } from '@wirebench/transports/sse';
import { attributedClient, countRequest, pollQuerySchema, type PollQuery, type ServerContext } from '../context.ts';
import { InvalidCursor } from '../errors.ts';
import { openEventStream } from '../http/event-stream.ts';
import { replyChannel } from './http-channel.ts';

/**
 * The named `state` event opening every stream: `{ lastSeq, epoch, truncated, node }`.
 * Browsers ignore named events nobody listens for; our client uses it to
 * notice that the room started again (another epoch) or a truncated replay.
 * `node` names the process serving the stream: EventSource cannot read the
 * X-Wirebench-Node header.
 */
const encodeState = (state: SseStateEvent): string => encodeNamedEvent('state', JSON.stringify(state));

const keepAlive = encodeComment('keep-alive');

export const sseRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const stateEvent = (head: Omit<SseStateEvent, 'node'>): string => encodeState({ ...head, node: ctx.config.nodeId });
  app.get<{ Querystring: PollQuery }>(TRANSPORTS.sse.path, { schema: { querystring: pollQuerySchema } }, async (request, reply) => {
    const cursor = parseCursor(resumeCursor(request.headers['last-event-id'], request.query.after));
    if (!cursor.ok) throw new InvalidCursor(cursor.message);
    const epoch = parseEpoch(request.query.epoch);
    if (!epoch.ok) throw new InvalidCursor(epoch.message);
    countRequest(ctx, 'sse', request);
    const clientId = await attributedClient(ctx, 'sse', request.query.clientId);

    // #region open-stream
    const res = openEventStream(reply);
    const channel = replyChannel(reply, () => res.end(), (chunk) => res.write(chunk));
    channel.keepAlive = () => res.write(keepAlive);
    const peer = ctx.fanout.attachStream({
      transport: 'sse',
      clientId,
      channel,
      connection: true,
      form: 'sse',
      after: cursor.value,
      epoch: epoch.value,
      greet: ({ lastSeq, epoch, truncated }) => stateEvent({ lastSeq, epoch, truncated }),
    });
    res.on('drain', () => peer.drained());
    res.once('close', () => peer.detach());
    // #endregion open-stream
    return reply;
  });
};

// GET /api/inspect?clientId=: the inspector feed as Server-Sent Events. The
// feed is a fan-out peer like any stream: bounded, kept alive, ended at shutdown.
import type { FastifyPluginAsync } from 'fastify';
import { encodeComment, encodeSseEvent } from '@wirebench/transports/sse';
import { authorizeFor, type ServerContext } from '../context.ts';
import { openEventStream } from '../http/event-stream.ts';
import { replyChannel } from '../transports/http-channel.ts';

const keepAlive = encodeComment('keep-alive');

const querystring = {
  type: 'object',
  required: ['clientId'],
  properties: { clientId: { type: 'string', minLength: 1, maxLength: 200 }, clientSecret: { type: 'string', maxLength: 200 } },
} as const;

/** The teacher may watch anyone's frames; a client its own, with `&clientSecret=` (CONTRACT v2). */
export const inspectRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { inspector, fanout } = ctx;
  app.get<{ Querystring: { clientId: string; clientSecret?: string } }>(
    '/api/inspect',
    { schema: { querystring } },
    async (request, reply) => {
      const { clientId, clientSecret } = request.query;
      await authorizeFor(ctx, request, clientId, clientSecret);
      const res = openEventStream(reply);
      const channel = replyChannel(reply, () => res.end(), (chunk) => res.write(chunk));
      channel.keepAlive = () => res.write(keepAlive);
      const peer = fanout.attach({ transport: null, channel, connection: false });
      const unsubscribe = inspector.subscribe(clientId, (event) => {
        const chunk = encodeSseEvent({ data: JSON.stringify(event) });
        peer.send(chunk, chunk.length);
      });
      res.on('drain', () => peer.drained());
      res.once('close', () => {
        unsubscribe();
        peer.detach();
      });
      return reply;
    },
  );
};

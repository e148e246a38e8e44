// GET /api/inspect?clientId=: the inspector feed as Server-Sent Events. The
// feed is a fan-out peer like any stream: bounded, kept alive, ended at shutdown.
import type { FastifyPluginAsync } from 'fastify';
import { encodeComment } from '@wirebench/transports/sse';
import type { ServerContext } from '../context.ts';
import { UnknownClient } from '../errors.ts';
import { openEventStream } from '../http/event-stream.ts';
import { replyChannel } from '../transports/http-channel.ts';

const keepAlive = encodeComment('keep-alive');

export const inspectRoutes: FastifyPluginAsync<ServerContext> = async (app, { inspector, room, fanout }) => {
  app.get<{ Querystring: { clientId: string } }>(
    '/api/inspect',
    { schema: { querystring: { type: 'object', required: ['clientId'], properties: { clientId: { type: 'string', minLength: 1 } } } } },
    async (request, reply) => {
      const { clientId } = request.query;
      if (!(await room.knows(clientId))) throw new UnknownClient(clientId);
      const res = openEventStream(reply);
      const channel = replyChannel(reply, () => res.end(), (chunk) => res.write(chunk));
      channel.keepAlive = () => res.write(keepAlive);
      const peer = fanout.attach({ transport: null, channel, connection: false });
      const unsubscribe = inspector.subscribe(clientId, (event) => {
        const chunk = `data: ${JSON.stringify(event)}\n\n`;
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

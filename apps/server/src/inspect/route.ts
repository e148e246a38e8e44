// GET /api/inspect?clientId=: the inspector feed as Server-Sent Events.
import type { FastifyPluginAsync } from 'fastify';
import { UnknownClient } from '../errors.ts';
import { openEventStream } from '../http/event-stream.ts';
import type { Deps } from '../routes/deps.ts';

export const inspectRoutes: FastifyPluginAsync<Deps> = async (app, { inspector, room }) => {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get<{ Querystring: { clientId: string } }>(
    '/api/inspect',
    { schema: { querystring: { type: 'object', required: ['clientId'], properties: { clientId: { type: 'string', minLength: 1 } } } } },
    (request, reply) => {
      const { clientId } = request.query;
      if (!room.knows(clientId)) throw new UnknownClient(clientId);
      const { res, write } = openEventStream(reply, 1 << 20);
      const unsubscribe = inspector.subscribe(clientId, (event) => write(`data: ${JSON.stringify(event)}\n\n`));
      const end = (): void => {
        res.end();
      };
      open.add(end);
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      res.once('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
        open.delete(end);
      });
    },
  );
};

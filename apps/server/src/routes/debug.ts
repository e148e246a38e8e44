// Dashboard controls (Wirebench extensions): delay a lane, cut a lane server-side.
import type { FastifyPluginAsync } from 'fastify';
import { UnknownClient } from '../errors.ts';
import type { ServerContext } from '../context.ts';

export const debugRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { room, fanout, config } = ctx;

  app.post<{ Body: { clientId: string; ms: number } }>(
    '/api/debug/delay',
    {
      schema: {
        body: {
          type: 'object',
          required: ['clientId', 'ms'],
          properties: {
            clientId: { type: 'string', minLength: 1 },
            ms: { type: 'integer', minimum: 0, maximum: config.maxDebugDelayMs },
          },
        },
      },
    },
    async (request) => {
      const { clientId, ms } = request.body;
      if (!(await room.knows(clientId))) throw new UnknownClient(clientId);
      fanout.setDelay(clientId, ms);
      return { clientId, ms };
    },
  );

  app.post<{ Body: { clientId: string } }>(
    '/api/debug/cut',
    {
      schema: {
        body: { type: 'object', required: ['clientId'], properties: { clientId: { type: 'string', minLength: 1 } } },
      },
    },
    async (request) => {
      const { clientId } = request.body;
      if (!(await room.knows(clientId))) throw new UnknownClient(clientId);
      return { clientId, cut: fanout.cut(clientId) };
    },
  );
};

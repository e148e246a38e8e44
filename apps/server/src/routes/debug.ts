// Dashboard controls (Wirebench extensions): delay a lane, cut a lane
// server-side. The teacher may act on anyone; a client on itself, with its own
// secret (CONTRACT v2).
import type { FastifyPluginAsync } from 'fastify';
import { authorizeFor, type ServerContext } from '../context.ts';

const target = {
  clientId: { type: 'string', minLength: 1, maxLength: 200 },
  clientSecret: { type: 'string', maxLength: 200 },
} as const;

export const debugRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { fanout, config } = ctx;

  app.post<{ Body: { clientId: string; clientSecret?: string; ms: number } }>(
    '/api/debug/delay',
    {
      schema: {
        body: {
          type: 'object',
          required: ['clientId', 'ms'],
          properties: { ...target, ms: { type: 'integer', minimum: 0, maximum: config.maxDebugDelayMs } },
        },
      },
    },
    async (request) => {
      const { clientId, clientSecret, ms } = request.body;
      await authorizeFor(ctx, request, clientId, clientSecret);
      fanout.setDelay(clientId, ms);
      return { clientId, ms };
    },
  );

  app.post<{ Body: { clientId: string; clientSecret?: string } }>(
    '/api/debug/cut',
    { schema: { body: { type: 'object', required: ['clientId'], properties: target } } },
    async (request) => {
      const { clientId, clientSecret } = request.body;
      await authorizeFor(ctx, request, clientId, clientSecret);
      return { clientId, cut: fanout.cut(clientId) };
    },
  );
};

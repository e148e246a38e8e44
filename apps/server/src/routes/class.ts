// The teacher's class (CONTRACT v2 "the teacher"): the clients list, removing
// a client, locking the room, and (an extension) assigning transports, which
// a student page asks for with its own secret.
import type { FastifyPluginAsync } from 'fastify';
import { TRANSPORT_IDS, type AssignmentState, type ClassMe, type ClientsResponse, type TransportId } from '@wirebench/transports/contract';
import type { ServerContext } from '../context.ts';
import { UnknownClient } from '../errors.ts';

const identitySchema = {
  type: 'object',
  required: ['clientId', 'clientSecret'],
  properties: { clientId: { type: 'string', minLength: 1, maxLength: 200 }, clientSecret: { type: 'string', maxLength: 200 } },
} as const;

export const classRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { room, fanout, stats, teacher } = ctx;
  const teacherOnly = { onRequest: teacher.only };

  app.get('/api/clients', teacherOnly, async (): Promise<ClientsResponse> => {
    const clients = (await room.clients()).map((client) => {
      const open = new Set<TransportId>([...fanout.transportsOf(client.clientId), ...stats.recentTransports(client.clientId)]);
      return { ...client, transports: TRANSPORT_IDS.filter((id) => open.has(id)) };
    });
    return { clients, locked: await room.isLocked(), assignment: await room.assignmentMode() };
  });

  app.post<{ Params: { clientId: string } }>('/api/clients/:clientId/remove', teacherOnly, async (request) => {
    const { clientId } = request.params;
    if (!(await room.remove(clientId))) throw new UnknownClient(clientId);
    return { clientId, removed: true, closed: fanout.removeClient(clientId) };
  });

  app.post<{ Body: { locked: boolean } }>(
    '/api/room/lock',
    { ...teacherOnly, schema: { body: { type: 'object', required: ['locked'], properties: { locked: { type: 'boolean' } } } } },
    async (request) => {
      await room.setLocked(request.body.locked);
      return { locked: request.body.locked };
    },
  );

  app.post<{ Body: { mode: AssignmentState['mode'] } }>(
    '/api/class/assign',
    {
      ...teacherOnly,
      schema: { body: { type: 'object', required: ['mode'], properties: { mode: { type: 'string', enum: ['round-robin', 'none'] } } } },
    },
    async (request): Promise<AssignmentState> => ({ mode: request.body.mode, assigned: await room.assign(request.body.mode) }),
  );

  app.post<{ Body: { clientId: string; clientSecret: string } }>(
    '/api/class/me',
    { schema: { body: identitySchema } },
    async (request): Promise<ClassMe> => ({
      transport: await room.assignment(request.body.clientId, request.body.clientSecret),
      locked: await room.isLocked(),
    }),
  );
};

// GET /api/stats, GET /healthz and GET /api/info (a Wirebench extension for the dashboard).
import type { FastifyPluginAsync } from 'fastify';
import { networkInterfaces } from 'node:os';
import type { InfoResponse, StatsResponse } from '@wirebench/transports/contract';
import type { ServerContext } from '../context.ts';
import { isLoopback, joinUrls } from '../network.ts';

export const VERSION = '0.1.0';

export const statsRoutes: FastifyPluginAsync<ServerContext> = async (app, deps) => {
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/api/stats', async (): Promise<StatsResponse> => {
    const [clients, nodes] = await Promise.all([deps.room.activeClients(), deps.room.nodes()]);
    return {
      ...deps.stats.snapshot({ ...deps.room.head, clients }),
      // Lets a page estimate its clock's offset from the server's (NTP-style, from the round trip).
      serverTime: Date.now(),
      // The process answering is one of them, announced or not yet (a test's inject never listens).
      nodes: [...new Set([...nodes, deps.config.nodeId])].sort(),
    };
  });

  app.get('/api/info', async (): Promise<InfoResponse> => {
    // The address actually bound (a host name resolved); inject() never binds.
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : deps.config.port;
    const host = typeof address === 'object' && address ? address.address : deps.config.host;
    const { config } = deps;
    return {
      version: VERSION,
      joinUrls: joinUrls({ host, port }, networkInterfaces()),
      loopbackOnly: isLoopback(host),
      locked: await deps.room.isLocked(),
      config: {
        longPollTimeoutMs: config.longPollTimeoutMs,
        historyLimit: config.historyLimit,
        retainLimit: config.retainLimit,
        maxTextLength: config.maxTextLength,
        sendRateLimit: config.sendRateLimit,
      },
    };
  });
};

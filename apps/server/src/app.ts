// buildApp(config): the whole server as a fastify instance. Registers
// plugins; never listens (main.ts does, tests use inject or port 0).
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { LongPollHub } from '@wirebench/transports/polling';
import { defaultConfig, type AppConfig } from './config.ts';
import { OriginNotAllowed } from './errors.ts';
import { installErrorHandling } from './http/errors-plugin.ts';
import { edgeServerOptions, installEdgeGuards } from './http/guards.ts';
import { installJsonParser } from './http/json.ts';
import { originAllowed } from './http/origin.ts';
import { installUpgradeDispatcher } from './http/upgrade.ts';
import { Inspector } from './inspect/inspector.ts';
import { inspectRoutes } from './inspect/route.ts';
import { ClientControls } from './room/delivery.ts';
import { Room } from './room/room.ts';
import { Stats } from './room/stats.ts';
import { debugRoutes } from './routes/debug.ts';
import type { Deps } from './routes/deps.ts';
import { joinMessagesRoutes } from './routes/join-messages.ts';
import { longPollRoutes } from './routes/long-poll.ts';
import { shortPollRoutes } from './routes/short-poll.ts';
import { sseRoutes } from './routes/sse.ts';
import { statsRoutes } from './routes/stats.ts';
import { upgradeRequired } from './routes/upgrade-required.ts';
import { wsLibRoutes } from './routes/ws-lib.ts';
import { createRawWebSocketServer } from './routes/ws-raw.ts';

declare module 'fastify' {
  interface FastifyInstance {
    room: Room;
  }
}

/** Collaborators a test may replace (a hub on fake timers, a room clock). */
export interface AppParts {
  hub?: LongPollHub;
  now?: () => number;
}

export function buildApp(overrides: Partial<AppConfig> = {}, parts: AppParts = {}): FastifyInstance {
  const config: AppConfig = { ...defaultConfig, ...overrides };
  const app = Fastify({
    logger: config.logger ? { level: 'info' } : false,
    // A class polling every second would flood the teacher's terminal: log errors, one line each.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBodyBytes,
    // Held long polls and open streams are answered on close; idle keep-alive sockets are cut.
    forceCloseConnections: 'idle',
    // A request must arrive within requestTimeoutMs (408); one that has arrived is never cut.
    ...edgeServerOptions(config),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });

  const room = new Room({
    historyLimit: config.historyLimit,
    retainLimit: config.retainLimit,
    maxTextLength: config.maxTextLength,
    sendRateLimit: config.sendRateLimit,
    sendRateWindowMs: config.sendRateWindowMs,
    ...(parts.now ? { now: parts.now } : {}),
  });
  app.decorate('room', room);
  const deps: Deps = {
    config,
    room,
    stats: new Stats(),
    controls: new ClientControls(),
    hub: parts.hub ?? new LongPollHub(),
    inspector: new Inspector(),
    lifecycle: { closing: false },
  };

  installErrorHandling(app);

  installJsonParser(app);
  installEdgeGuards(app, config);

  app.addHook('onRequest', async (request, reply) => {
    // While shutting down, keep-alive clients are told to go: no request after this one.
    if (deps.lifecycle.closing) void reply.header('connection', 'close');
    if (!originAllowed(request.headers.origin, request.headers.host, config.allowedOrigins)) {
      throw new OriginNotAllowed(request.headers.origin ?? '');
    }
  });

  const raw = createRawWebSocketServer(deps);
  const libChat = new EventEmitter();
  const libEcho = new EventEmitter();
  installUpgradeDispatcher(app.server, config, deps.lifecycle, { raw, libChat, libEcho }, app.log);
  app.get('/ws/raw', upgradeRequired);
  app.get('/ws/raw/echo', upgradeRequired);

  // Shutdown (CONTRACT "Running"): answer held polls, 1001 to WebSockets, end streams.
  app.addHook('preClose', async () => {
    deps.lifecycle.closing = true;
    deps.hub.shutdown();
    raw.shutdown();
  });

  void app.register(joinMessagesRoutes, deps);
  void app.register(shortPollRoutes, deps);
  void app.register(longPollRoutes, deps);
  void app.register(sseRoutes, deps);
  void app.register(statsRoutes, deps);
  void app.register(debugRoutes, deps);
  void app.register(inspectRoutes, deps);
  void app.register(wsLibRoutes, { ...deps, chatBus: libChat, echoBus: libEcho });

  if (config.staticDir && existsSync(config.staticDir)) {
    void app.register(fastifyStatic, { root: config.staticDir, prefix: '/', wildcard: true, index: 'index.html' });
  }
  return app;
}

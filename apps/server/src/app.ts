// buildApp(config): the whole server as a fastify instance. Registers
// plugins; never listens (main.ts does, tests use inject or port 0).
import { TRANSPORTS } from '@wirebench/transports/contract';
import { existsSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { LongPollHub } from '@wirebench/transports/polling';
import { installNodeIdentity } from './cluster/node.ts';
import { defaultConfig, roomLimits, type AppConfig } from './config.ts';
import { OriginNotAllowed } from './errors.ts';
import { installErrorHandling } from './http/errors-plugin.ts';
import { edgeServerOptions, installEdgeGuards } from './http/guards.ts';
import { installJsonParser } from './http/json.ts';
import { originAllowed } from './http/origin.ts';
import { installSecurityHeaders } from './http/security.ts';
import { staticSite } from './http/static-site.ts';
import { teacherGate } from './http/teacher.ts';
import { installUpgradeDispatcher } from './http/upgrade.ts';
import type { ServerContext } from './context.ts';
import { Inspector } from './inspect/inspector.ts';
import { inspectRoutes } from './inspect/route.ts';
import { loadLessonCatalog, type LessonCatalog } from './lessons/catalog.ts';
import { MemoryLessonStore } from './lessons/memory-store.ts';
import { LessonService } from './lessons/service.ts';
import type { LessonStore } from './lessons/store.ts';
import { FanOut, type FanOutTimers } from './room/fanout.ts';
import { MemoryRoom } from './room/memory-room.ts';
import { newSecret } from './room/secret.ts';
import type { Room } from './room/room.ts';
import { Stats } from './room/stats.ts';
import { debugRoutes } from './routes/debug.ts';
import { classRoutes } from './routes/class.ts';
import { joinMessagesRoutes } from './routes/join-messages.ts';
import { lessonRoutes } from './routes/lessons.ts';
import { statsRoutes } from './routes/stats.ts';
import { upgradeRequired } from './routes/upgrade-required.ts';
import { longPollRoutes } from './transports/long-poll.ts';
import { shortPollRoutes } from './transports/short-poll.ts';
import { sseRoutes } from './transports/sse.ts';
import { createLibWebSockets } from './transports/ws-lib.ts';
import { createRawWebSocketServer } from './transports/ws-raw.ts';

declare module 'fastify' {
  interface FastifyInstance {
    room: Room;
  }
}

/** Collaborators a test may replace (a hub on fake timers, a room clock, the fan-out's timers, another room). */
export interface AppParts {
  hub?: LongPollHub;
  now?: () => number;
  timers?: FanOutTimers;
  room?: Room;
  /** Lessons other than docs/lessons/, and where their state lives. */
  lessonCatalog?: LessonCatalog;
  lessonStore?: LessonStore;
}

export function buildApp(overrides: Partial<AppConfig> = {}, parts: AppParts = {}): FastifyInstance {
  const config: AppConfig = { ...defaultConfig, ...overrides };
  // No TEACHER_KEY: a random one for this run (main.ts prints it in the teacher URL).
  config.teacherKey ||= newSecret();
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

  installNodeIdentity(app, config);

  const now = parts.now ?? Date.now;
  // With REDIS_URL the room is connected before the app is built (main.ts), and passed in.
  if (config.redisUrl && !parts.room) throw new Error('REDIS_URL is set: connect a RedisRoom first and pass it as parts.room');
  const room =
    parts.room ??
    new MemoryRoom({ ...roomLimits(config), now });
  app.decorate('room', room);
  // Listening, the process has its name (installNodeIdentity): the room lists it among those serving it.
  app.addHook('onListen', async () => room.announce(config.nodeId));
  const stats = new Stats(now);
  const lessons = new LessonService(parts.lessonCatalog ?? loadLessonCatalog(), parts.lessonStore ?? new MemoryLessonStore(now), {
    maxAnswers: config.maxClients,
  });
  const ctx: ServerContext = {
    config,
    room,
    stats,
    fanout: new FanOut(room, stats, config, parts.timers, lessons),
    hub: parts.hub ?? new LongPollHub(),
    inspector: new Inspector(),
    teacher: teacherGate(config.teacherKey, now),
    lessons,
    lifecycle: { closing: false },
  };

  installErrorHandling(app);
  installSecurityHeaders(app);

  installJsonParser(app);
  installEdgeGuards(app, config, ctx.teacher.trusted);

  app.addHook('onRequest', async (request, reply) => {
    // While shutting down, keep-alive clients are told to go: no request after this one.
    if (ctx.lifecycle.closing) void reply.header('connection', 'close');
    if (!originAllowed(request.headers.origin, request.headers.host, config.allowedOrigins)) {
      throw new OriginNotAllowed(request.headers.origin ?? '');
    }
  });

  const raw = createRawWebSocketServer(ctx);
  const lib = createLibWebSockets(ctx);
  installUpgradeDispatcher(app.server, config, ctx.lifecycle, { raw, lib }, app.log);
  app.get(TRANSPORTS['ws-raw'].path, upgradeRequired);
  app.get('/ws/raw/echo', upgradeRequired);

  // Shutdown (CONTRACT "Running"): answer held polls, 1001 to WebSockets, end streams.
  app.addHook('preClose', async () => {
    ctx.lifecycle.closing = true;
    ctx.fanout.shutdown();
    ctx.hub.shutdown();
    lessons.close();
  });

  for (const routes of [joinMessagesRoutes, classRoutes, shortPollRoutes, longPollRoutes, sseRoutes, statsRoutes, debugRoutes, inspectRoutes]) {
    void app.register(routes, ctx);
  }
  void app.register(lessonRoutes(lessons), ctx);
  void app.register(lib.plugin);

  if (config.staticDir && existsSync(config.staticDir)) {
    void app.register(staticSite, { root: config.staticDir });
  }
  return app;
}

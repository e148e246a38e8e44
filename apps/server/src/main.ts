// The only caller of listen(): configuration from the environment, the student
// and teacher URLs printed, and a quiet exit 0 on SIGINT/SIGTERM.
import { networkInterfaces } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { connectRedisRoom } from './cluster/room.ts';
import { ConfigError, configFromEnv } from './config.ts';
import { isLoopback, joinUrls, startupLines } from './network.ts';
import { newSecret } from './room/secret.ts';

const here = dirname(fileURLToPath(import.meta.url));
// Built: apps/server/dist/main.js; dev (tsx): apps/server/src/main.ts. Both sit next to ../../web/dist.
const staticDir = process.env.STATIC_DIR ?? resolve(here, '../../web/dist');

let config;
try {
  config = configFromEnv(process.env, { staticDir, logger: process.env.LOG !== '0' });
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`wirebench: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

// Made here rather than in buildApp, so that the key printed is the key the server checks.
const teacherKey = config.teacherKey || newSecret();
const appConfig = { ...config, teacherKey };
let app: FastifyInstance;
try {
  app = await build();
} catch (err) {
  console.error(`wirebench: cannot reach the room store at REDIS_URL (${(err as Error).message})`);
  process.exit(1);
}

/** The app, on a room in Redis when REDIS_URL is set (connected first), else in this process's memory. */
async function build(): Promise<FastifyInstance> {
  if (!appConfig.redisUrl) return buildApp(appConfig);
  const room = await connectRedisRoom(appConfig, (line) => app?.log.warn(line));
  const built = buildApp(appConfig, { room });
  built.addHook('onClose', () => room.close());
  // The fan-out starts the room again by itself (FanOut.restart); the teacher is told why clients reconnect.
  room.onRestart((epoch) => console.log(`wirebench: the room store lost its data: the room starts again (epoch ${epoch})`));
  return built;
}

// Ctrl+C is how a class ends: the exit is quiet and 0, so pnpm reports no failure.
// Under `pnpm start` the signal comes twice (from the terminal, and pnpm passes
// it on): the second changes nothing. Installed before listening, so that a
// signal sent the moment the URLs appear finds it in place.
let listening = false;
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (!listening) process.exit(0);
  // Peers get a moment to answer the close handshake; then we go regardless.
  const force = setTimeout(() => process.exit(0), 5_000);
  force.unref();
  await app.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

// The last line of defence: the room lives in this process, so a bug that slips past every
// guard costs one error line (and whatever connection it was serving), never the class's room.
process.on('uncaughtException', (err) => app.log.error({ err }, 'uncaught exception; the server goes on'));
process.on('unhandledRejection', (err) => app.log.error({ err }, 'unhandled rejection; the server goes on'));

// fastify logs each listening address at info level: the lines below say it plainly instead.
const logLevel = app.log.level;
app.log.level = 'warn';
try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  const hint = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ' (is Wirebench already running? PORT=0 picks a free port)' : '';
  console.error(`wirebench: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}${hint}`);
  process.exit(1);
}
app.log.level = logLevel;
listening = true;

const address = app.server.address();
const bound = typeof address === 'object' && address ? { host: address.address, port: address.port } : { host: config.host, port: config.port };
const lines = startupLines(joinUrls(bound, networkInterfaces()), { loopbackOnly: isLoopback(bound.host), teacherKey });
console.log(lines.join('\n'));

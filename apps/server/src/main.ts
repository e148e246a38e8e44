// The only caller of listen(): configuration from the environment, the URL
// printed, and a clean exit on SIGINT/SIGTERM.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.ts';
import { ConfigError, configFromEnv } from './config.ts';
import { joinUrls } from './routes/stats.ts';

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

const app = buildApp(config);
try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  console.error(`wirebench: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
  process.exit(1);
}
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
const urls = joinUrls(config.host, port);
console.log(`Wirebench listening on ${urls[0]}`);
if (urls.length > 1) console.log(`Students can join at:\n${urls.map((u) => `  ${u}`).join('\n')}`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down');
  // Peers get a moment to answer the close handshake; then we go regardless.
  const force = setTimeout(() => process.exit(0), 5_000);
  force.unref();
  await app.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

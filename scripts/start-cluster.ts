// `pnpm start:cluster`: one room served by NODES processes (3 by default) that
// share it through Redis, behind a request-by-request round-robin on PORT. Without
// REDIS_URL a private redis-server is started on a free port, its data in a temp
// dir, and stopped on exit. Ctrl+C stops everything this script started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RoundRobin } from '../apps/server/src/cluster/round-robin.ts';
import { isLoopback, joinUrls, startupLines } from '../apps/server/src/network.ts';
import { newSecret } from '../apps/server/src/room/secret.ts';
import { isStale, startTargets } from './build-state.ts';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const env = process.env;
const host = env.HOST || '127.0.0.1';
const port = Number(env.PORT ?? 3000);
const count = Number(env.NODES ?? 3);
if (!Number.isInteger(count) || count < 1 || count > 32) {
  console.error(`wirebench: NODES must be 1 to 32, got "${env.NODES}"`);
  process.exit(2);
}
// Every process checks the same key (shared configuration).
const teacherKey = env.TEACHER_KEY || newSecret();

const children = new Set<ChildProcess>();
let redisDir: string | undefined;
let proxy: RoundRobin | undefined;
let stopping = false;

async function stop(code = 0): Promise<never> {
  if (!stopping) {
    stopping = true;
    await proxy?.close();
    const exits = [...children].map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))));
    for (const child of children) child.kill('SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 6_000))]);
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answers(redisPort: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: redisPort });
    socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => (socket.destroy(), resolve(d.toString().startsWith('+PONG'))));
  });
}

/** A private redis-server: loopback only, append-only file in a temp dir. */
async function startRedis(): Promise<string> {
  const redisPort = await freePort();
  redisDir = mkdtempSync(join(tmpdir(), 'wirebench-cluster-'));
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', redisDir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  redis.once('error', () => {
    console.error('wirebench: redis-server was not found. Install it (Debian/Ubuntu: apt-get install redis-server), or set REDIS_URL.');
    void stop(1);
  });
  children.add(redis);
  for (let i = 0; i < 100 && !(await answers(redisPort)); i++) await new Promise((r) => setTimeout(r, 50));
  return `redis://127.0.0.1:${redisPort}`;
}

/** One server process on its own port; resolves once it printed that it listens. */
function startNode(i: number, nodePort: number, redisUrl: string): Promise<void> {
  const child = spawn(process.execPath, [join(root, 'apps/server/dist/main.js')], {
    env: {
      ...env,
      HOST: '127.0.0.1',
      PORT: String(nodePort),
      REDIS_URL: redisUrl,
      TEACHER_KEY: teacherKey,
      NODE_ID: env[`NODE_ID_${i}`] || `node-${i}:${nodePort}`,
      // Behind the round-robin every student has its address: the per-address budgets are the class's.
      JOIN_RATE_LIMIT: env.JOIN_RATE_LIMIT || '100000',
      SEND_RATE_LIMIT_PER_ADDRESS: env.SEND_RATE_LIMIT_PER_ADDRESS || '100000',
      MAX_CONNECTIONS_PER_ADDRESS: env.MAX_CONNECTIONS_PER_ADDRESS || '100000',
      STATIC_DIR: env.STATIC_DIR || join(root, 'apps/web/dist'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (!stopping) console.error(`wirebench: node-${i} exited (${code ?? signal}); the others go on`);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/listening on/.test(out)) resolve();
    });
    child.once('exit', () => reject(new Error(`node-${i} stopped before listening:\n${out}`)));
  });
}

// What `pnpm start` builds when stale (the server and the dashboard), then the processes.
for (const target of startTargets(root).filter(isStale)) {
  console.log(`Building ${target.name}…`);
  const result = spawnSync('pnpm', ['--filter', target.filter, 'run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) {
    console.error(`wirebench: building ${target.name} failed (pnpm --filter ${target.filter} build)`);
    process.exit(1);
  }
}

try {
  const redisUrl = env.REDIS_URL || (await startRedis());
  const ports: number[] = [];
  for (let i = 1; i <= count; i++) ports.push(await freePort());
  await Promise.all(ports.map((p, i) => startNode(i + 1, p, redisUrl)));
  proxy = new RoundRobin(ports.map((p) => ({ host: '127.0.0.1', port: p })));
  const bound = await proxy.listen(port, host);
  const lines = startupLines(joinUrls(bound, networkInterfaces()), { loopbackOnly: isLoopback(bound.host), teacherKey });
  console.log(lines.join('\n'));
  console.log(`${count} processes share the room through ${env.REDIS_URL ? 'REDIS_URL' : 'a private redis-server'}; each request goes to the next one (ports ${ports.join(', ')}).`);
} catch (err) {
  console.error(`wirebench: ${(err as Error).message}`);
  await stop(1);
}

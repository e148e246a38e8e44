// The cluster scenario's own processes beside the servers: a private redis-server on a free
// loopback port (data in a temp dir, removed when it stops) and the round-robin in front of
// several servers. Each is registered with processes.ts, so killAll() stops it by PID too.
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register, withTimeout } from '../processes.ts';

export const REDIS_SERVER = process.env.REDIS_SERVER || 'redis-server';

/** Why the scenario cannot run here, or null when redis-server answers --version. */
export function redisMissing(bin = REDIS_SERVER): string | null {
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 5_000 });
  if (probe.error) return `${bin} not found (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message}): install Debian's redis-server, or point REDIS_SERVER at one`;
  if (probe.status !== 0) return `${bin} --version exited with ${probe.status}`;
  return null;
}

/** redis-server's version line, e.g. "7.0.15". */
export function redisVersion(bin = REDIS_SERVER): string {
  return /v=(\S+)/.exec(spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'unknown';
}

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

/** Sends one inline command and returns the reply's text once `complete` says it is whole. */
function ask(port: number, command: string, complete: (reply: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2_000, () => (socket.destroy(), reject(new Error(`redis on ${port}: no answer to ${command}`))));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      if (complete(reply)) {
        socket.destroy();
        resolve(reply);
      }
    });
  });
}

/** A bulk string reply ($<length>\r\n<bytes>\r\n) is whole. */
export function bulkComplete(reply: string): boolean {
  const m = /^\$(\d+)\r\n/.exec(reply);
  return m !== null && Buffer.byteLength(reply, 'latin1') >= m[0].length + Number(m[1]) + 2;
}

/**
 * CPU time the whole machine spent busy so far, ms summed over its cores, from the first line
 * of /proc/stat (user nice system idle iowait irq softirq steal, in USER_HZ = 100 ticks per
 * second): every process the kernel runs, other tenants' included.
 */
export function machineBusyMs(stat = readFileSync('/proc/stat', 'utf8')): number {
  const fields = stat.split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / 100;
}

/** Calls and time per command from INFO commandstats ("cmdstat_<name>:calls=N,usec=U,…" lines). */
export function parseCommandStats(info: string): Map<string, { calls: number; usec: number }> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}

/** What Redis did between two commandstats readings. */
export interface RedisWork {
  /** Script runs (EVAL, EVALSHA and their read-only forms): one round trip each. */
  scripts: number;
  /** Time Redis spent in those scripts, µs. */
  scriptUsec: number;
  /** Every command, those a script ran counted too (Redis counts both), INFO left out. */
  commands: number;
}

const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro']);

export function redisWork(before: Map<string, { calls: number; usec: number }>, after: Map<string, { calls: number; usec: number }>): RedisWork {
  const work: RedisWork = { scripts: 0, scriptUsec: 0, commands: 0 };
  for (const [name, now] of after) {
    if (name === 'info') continue;
    const was = before.get(name) ?? { calls: 0, usec: 0 };
    work.commands += now.calls - was.calls;
    if (SCRIPT_COMMANDS.has(name)) {
      work.scripts += now.calls - was.calls;
      work.scriptUsec += now.usec - was.usec;
    }
  }
  return work;
}

/**
 * Persistence as `pnpm start:cluster` runs it: an append-only file, fsync before every reply
 * ("nothing acknowledged is lost"), in a temp dir.
 */
export const REDIS_PERSISTENCE = ['--appendonly', 'yes', '--appendfsync', 'always'];

export class BenchRedis {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<BenchRedis> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'wirebench-bench-redis-'));
    const child = register(
      spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...REDIS_PERSISTENCE], { stdio: 'ignore' }),
    );
    const redis = new BenchRedis(child, port, dir);
    const until = Date.now() + 10_000;
    for (;;) {
      const pong = await ask(port, 'PING', (r) => r.includes('\r\n')).catch(() => '');
      if (pong.startsWith('+PONG')) return redis;
      if (child.exitCode !== null || Date.now() > until) {
        await redis.stop();
        throw new Error(`redis-server did not answer PING on ${port}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Calls and time per command since Redis started (INFO commandstats). */
  async commandStats(): Promise<Map<string, { calls: number; usec: number }>> {
    return parseCommandStats(await ask(this.port, 'INFO commandstats', bulkComplete));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      process.kill(this.pid, 'SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class BenchProxy {
  private constructor(
    readonly child: ChildProcess,
    readonly base: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(ports: number[]): Promise<BenchProxy> {
    const entry = fileURLToPath(new URL('./cluster-proxy.ts', import.meta.url));
    const child = register(fork(entry, ports.map(String), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const port = await withTimeout(
      new Promise<number>((resolve, reject) => {
        child.once('message', (m: { port: number }) => resolve(m.port));
        child.once('exit', (code) => reject(new Error(`round-robin exited with ${code}`)));
      }),
      20_000,
      'round-robin start',
    );
    return new BenchProxy(child, `http://127.0.0.1:${port}`);
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.pid, 'SIGKILL');
  }
}

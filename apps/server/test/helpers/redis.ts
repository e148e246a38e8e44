// A real redis-server for the tests: started on a free loopback port with its
// data (if any) in a temp dir, ready once it answers PING, stopped by PID,
// and its dir deleted. Every instance a file started is stopped by stopAllRedis().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/** A free TCP port on 127.0.0.1 (the kernel's pick, released before it is used). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether something on the port answers a PING with +PONG. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let got = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}

export interface RedisOptions {
  /** Append-only file, fsync on every write: an acknowledged write survives a kill. Default: no persistence. */
  persist?: boolean;
}

const running = new Set<RedisInstance>();

export class RedisInstance {
  private proc: ChildProcess | undefined;
  private output = '';
  readonly dir: string;

  private constructor(
    readonly port: number,
    private readonly options: RedisOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'wirebench-redis-'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  static async start(options: RedisOptions = {}): Promise<RedisInstance> {
    const redis = new RedisInstance(await freePort(), options);
    running.add(redis);
    try {
      await redis.launch();
    } catch (err) {
      await redis.stop();
      throw err;
    }
    return redis;
  }

  private async launch(): Promise<void> {
    const persistence = this.options.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--dir', this.dir, ...persistence];
    const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
    proc.stderr!.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
    const until = performance.now() + 10_000;
    while (!(await pong(this.port))) {
      if (proc.exitCode !== null || performance.now() > until) {
        throw new Error(`redis-server did not answer PING on ${this.port}: ${this.output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills the process (SIGKILL: nothing is flushed that was not already) and waits for it to go. */
  async kill(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  /** Starts it again on the same port: with its data, or with its data dir emptied first. */
  async restart(opts: { keepData: boolean }): Promise<void> {
    await this.kill();
    if (!opts.keepData) rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    running.delete(this);
  }
}

/** afterAll: every instance this file started is killed by PID and its dir removed. */
export async function stopAllRedis(): Promise<void> {
  await Promise.all([...running].map((r) => r.stop()));
}

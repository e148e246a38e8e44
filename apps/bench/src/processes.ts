// Child processes of the bench: the production server, the TCP echo ceiling and the load
// workers. Every child is registered when it starts and killed by its PID at the end, on
// error and on SIGINT; children also exit by themselves when the driver's IPC channel closes.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from './protocol.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const serverEntry = resolve(repoRoot, 'apps/server/dist/main.js');

const children = new Set<ChildProcess>();

/** Keeps `child` for killAll(); every process the bench starts goes through here. */
export function register(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Kills every child still running, each by its own PID. */
export function killAll(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

/** Rejects with a readable message when `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

// ---------------------------------------------------------------- the server

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** VmRSS from /proc/<pid>/status, bytes. */
  vmRss: number;
}

/**
 * What every bench server runs with. All bench clients share 127.0.0.1, so the limits the
 * server keeps per address (connections, new identities per 60 s, sends per 10 s) would
 * throttle the load itself: they are set above what the scenario opens. A server that does
 * not know a variable ignores it. MAX_BUFFERED_BYTES, MAX_CLIENTS, DRAIN_TIMEOUT_MS and
 * REQUEST_TIMEOUT_MS keep their defaults: no scenario reaches them with clients that read.
 */
export function benchServerEnv(clients: number): Record<string, string> {
  if (!(Number.isInteger(clients) && clients >= 0)) throw new RangeError(`client count must be a whole number, got ${clients}`);
  // Twice the count: closed connections a scenario replaces (warm-ups, keep-alive sockets
  // the agent renews) may still be counted, and the sender and the driver's /api/stats add a few.
  const perAddress = String(2 * clients + 100);
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG: '0',
    // The memory room, whatever the caller's environment says: a scenario that wants Redis sets it.
    REDIS_URL: '',
    SEND_RATE_LIMIT: '1000000000',
    SEND_RATE_LIMIT_PER_ADDRESS: '1000000000',
    MAX_CONNECTIONS_PER_ADDRESS: perAddress,
    JOIN_RATE_LIMIT: perAddress,
  };
}

export class ServerProcess {
  private memId = 0;
  private constructor(
    readonly child: ChildProcess,
    readonly base: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Starts the built server. `clients` is the most connections (and new identities) the
   * scenario opens at once: the per-address limits are lifted above it (benchServerEnv).
   */
  static async start(opts: { clients: number; env?: Record<string, string> }): Promise<ServerProcess> {
    const child = register(
      spawn(process.execPath, ['--expose-gc', '--require', resolve(here, 'server-probe.cjs'), serverEntry], {
        cwd: repoRoot,
        env: { ...process.env, ...benchServerEnv(opts.clients), ...opts.env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      }),
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const base = await withTimeout(
      new Promise<string>((resolveUrl, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Wirebench listening on (http:\/\/[^\s]+)/.exec(out);
          if (m) resolveUrl(m[1]!.replace(/\/$/, ''));
        });
        child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${stderr}`)));
      }),
      15_000,
      'server start',
    );
    return new ServerProcess(child, base);
  }

  /** RSS from /proc (what the kernel charges) and the V8 heap from the preloaded probe, after a full GC when asked. */
  async memory(gc: boolean): Promise<MemorySample> {
    const id = ++this.memId;
    const fromProbe = await withTimeout(
      new Promise<Omit<MemorySample, 'vmRss'>>((resolveMem) => {
        const onMessage = (m: { type?: string; id?: number } & Omit<MemorySample, 'vmRss'>): void => {
          if (m.type === 'mem' && m.id === id) {
            this.child.off('message', onMessage);
            resolveMem(m);
          }
        };
        this.child.on('message', onMessage);
        this.child.send({ type: 'mem', id, gc });
      }),
      20_000,
      'server memory probe',
    );
    return { ...fromProbe, vmRss: readVmRss(this.pid) };
  }

  /** CPU time (user + system) of the server process so far, ms, from /proc/<pid>/stat. */
  cpuMs(): number {
    return readCpuMs(this.pid);
  }

  async stats(): Promise<StatsBody> {
    const res = await fetch(`${this.base}/api/stats`);
    return (await res.json()) as StatsBody;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    process.kill(this.pid, 'SIGTERM');
    await withTimeout(exited, 8_000, 'server stop').catch(() => {
      process.kill(this.pid, 'SIGKILL');
    });
  }
}

export interface TransportStatsBody {
  connections: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  delivered: number;
  /** CONTRACT v2: peers dropped as slow consumers (absent from a v1 server). */
  slowConsumers?: number;
}
export interface StatsBody {
  transports: Record<string, TransportStatsBody>;
  room: { lastSeq: number; clients: number };
}

export function readVmRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** VmHWM (peak RSS) from /proc/<pid>/status, bytes. */
export function readVmHwm(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/**
 * Resets the process's peak RSS (VmHWM) to its current RSS: proc(5), clear_refs, "5".
 * False when the kernel refuses (no such file, not permitted): then only samples give the peak.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which is in parentheses and may hold spaces).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

// ---------------------------------------------------------------- the TCP echo ceiling

export async function startTcpEcho(): Promise<{ port: number; pid: number; stop: () => void }> {
  const child = register(fork(resolve(here, 'tcp-echo.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const port = await withTimeout(
    new Promise<number>((resolvePort, reject) => {
      child.once('message', (m: { port: number }) => resolvePort(m.port));
      child.once('exit', (code) => reject(new Error(`tcp echo exited with ${code}`)));
    }),
    10_000,
    'tcp echo start',
  );
  return {
    port,
    pid: child.pid!,
    stop: () => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
    },
  };
}

// ---------------------------------------------------------------- load workers

export class Worker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private constructor(readonly child: ChildProcess) {
    child.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(m.error));
    });
    child.once('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`worker ${child.pid} exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(): Promise<Worker> {
    const child = register(
      fork(resolve(here, 'load/worker.ts'), [], {
        execArgv: ['--import', 'tsx', '--max-old-space-size=2048'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    await withTimeout(
      new Promise<void>((r, reject) => {
        child.once('message', () => r());
        child.once('exit', (code) => reject(new Error(`worker exited with ${code} at start`)));
      }),
      30_000,
      'worker start',
    );
    return new Worker(child);
  }

  call<T>(command: Command, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    const p = new Promise<T>((resolveCall, reject) => {
      this.waiting.set(id, { resolve: resolveCall as (v: unknown) => void, reject });
      this.child.send({ id, ...command });
    });
    return withTimeout(p, timeoutMs, `worker ${this.pid} ${command.cmd}`);
  }

  /** CPU time (user + system) of the worker so far, ms. */
  cpuMs(): number {
    return readCpuMs(this.pid);
  }
}

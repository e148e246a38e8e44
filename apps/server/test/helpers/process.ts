// The built server as an outside attacker meets it: `node dist/main.js` as a
// child process on a real port. Start it, read its memory from /proc, stop it
// by PID, and talk to it over sockets bound to chosen 127.x source addresses
// (each address is another student's laptop as far as the server can tell).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { expect } from 'vitest';
import { upgradeRequest, type Json } from './contract.ts';

export const MiB = 1024 * 1024;
/** The bound every memory case asserts unless it says otherwise. */
export const MEMORY_BOUND = 64 * MiB;
/** Where health and room checks come from, so they never count against an attacker's address. */
export const CHECK_FROM = '127.0.0.254';

/** The server under test; WIREBENCH_SERVER_JS points at another build (an older commit, say). */
export const SERVER_JS = process.env.WIREBENCH_SERVER_JS ?? fileURLToPath(new URL('../../dist/main.js', import.meta.url));

const OUTPUT_KEPT = 16_000;
const START_TIMEOUT_MS = 15_000;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with `promise`, or rejects naming `what` after `ms`. */
export function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------
// The process

const running = new Set<ServerProcess>();

export class ServerProcess {
  readonly pid: number;
  readonly host: string;
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The DevTools endpoint when started with `inspect` (loopback, used only to collect garbage). */
  inspectorUrl: string | undefined;
  private log = '';

  constructor(
    readonly proc: ChildProcess,
    readonly port: number,
  ) {
    if (proc.pid === undefined) throw new Error('the server process has no pid');
    this.pid = proc.pid;
    this.host = `127.0.0.1:${port}`;
    this.url = `http://${this.host}`;
    this.exited = new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve({ code: proc.exitCode, signal: proc.signalCode });
      else proc.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  /** @internal */
  append(chunk: string): void {
    this.log = (this.log + chunk).slice(-OUTPUT_KEPT);
  }

  /** What the process printed (stdout and stderr), for failure messages. */
  output(): string {
    return this.log === '' ? '(no output)' : this.log;
  }

  alive(): boolean {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return false;
    try {
      process.kill(this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** CPU time used so far (user + system), in clock ticks (/proc/<pid>/stat). */
  cpuTicks(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  }

  /** Waits until the process has used almost no CPU for 200 ms (it has read what was sent); false after `ms`. */
  async idle(ms = 10_000): Promise<boolean> {
    const until = performance.now() + ms;
    let last = this.cpuTicks();
    while (performance.now() < until) {
      await sleep(200);
      if (!this.alive()) return false;
      const now = this.cpuTicks();
      if (now - last <= 2) return true;
      last = now;
    }
    return false;
  }

  /** Resident memory now (VmRSS), in bytes. */
  rss(): number {
    return statusField(this.pid, 'VmRSS');
  }

  /**
   * Makes the server run a full garbage collection (DevTools protocol) and returns its
   * V8 heap plus external memory afterwards; undefined when it was not started with `inspect`.
   */
  async collectGarbage(): Promise<number | undefined> {
    if (this.inspectorUrl === undefined || !this.alive()) return undefined;
    const session = new WebSocket(this.inspectorUrl);
    session.on('error', () => {});
    try {
      await deadline(new Promise((resolve, reject) => session.once('open', resolve).once('error', reject)), 5_000, 'the inspector session');
      let nextId = 0;
      const call = (method: string, params: object = {}): Promise<Json> => {
        const id = ++nextId;
        const answer = new Promise<Json>((resolve) => {
          const onMessage = (data: Buffer): void => {
            const reply = JSON.parse(data.toString('utf8'));
            if (reply.id !== id) return;
            session.off('message', onMessage);
            resolve(reply.result);
          };
          session.on('message', onMessage);
        });
        session.send(JSON.stringify({ id, method, params }));
        return deadline(answer, 10_000, method);
      };
      await call('HeapProfiler.collectGarbage');
      const usage = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())' });
      const { heapUsed, external } = JSON.parse(usage.result.value) as { heapUsed: number; external: number };
      return heapUsed + external;
    } finally {
      session.close();
    }
  }

  /** Signals the process by PID and waits for it to exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 8_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive()) {
      try {
        process.kill(this.pid, signal);
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        if (this.alive()) process.kill(this.pid, 'SIGKILL');
      }, graceMs);
      const result = await this.exited;
      clearTimeout(timer);
      running.delete(this);
      return result;
    }
    running.delete(this);
    return this.exited;
  }
}

/**
 * Starts the built server with HOST=127.0.0.1 PORT=0 LOG=0 STATIC_DIR=/nonexistent
 * plus `env`, and waits for its `Wirebench listening on http://127.0.0.1:<port>` line.
 * `inspect` opens the DevTools port on loopback so a MemoryProbe can collect garbage.
 */
export function startServer(env: Record<string, string> = {}, opts: { inspect?: boolean } = {}): Promise<ServerProcess> {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run 'pnpm --filter @wirebench/server build' first`);
  const args = opts.inspect ? ['--inspect=127.0.0.1:0', SERVER_JS] : [SERVER_JS];
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG: '0', STATIC_DIR: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let early = '';
    let server: ServerProcess | undefined;
    const timer = setTimeout(() => {
      if (proc.pid !== undefined) process.kill(proc.pid, 'SIGKILL');
      reject(new Error(`the server did not print its URL within ${START_TIMEOUT_MS} ms: ${early}`));
    }, START_TIMEOUT_MS);
    const onOutput = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      if (server) return server.append(text);
      early += text;
      const m = /Wirebench listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(early);
      if (!m) return;
      clearTimeout(timer);
      server = new ServerProcess(proc, Number(m[1]));
      server.inspectorUrl = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(early)?.[1];
      if (opts.inspect && server.inspectorUrl === undefined) return reject(new Error(`no DevTools URL in: ${early}`));
      server.append(early);
      running.add(server);
      resolve(server);
    };
    proc.stdout!.on('data', onOutput);
    proc.stderr!.on('data', onOutput);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!server) reject(new Error(`the server exited (${code ?? signal}) before listening: ${early}`));
    });
  });
}

/**
 * One server shared by the tests of a file (a room that is slow to fill): started and
 * prepared on first use, and again if an attack took it down.
 */
export function sharedServer(
  env: Record<string, string>,
  prepare: (server: ServerProcess) => Promise<void>,
  opts: { inspect?: boolean } = {},
): () => Promise<ServerProcess> {
  let current: ServerProcess | undefined;
  return async () => {
    if (current?.alive()) return current;
    if (current) console.log(`[server] the shared server died; it printed:\n${current.output()}\n[server] starting another`);
    const server = await startServer(env, opts);
    try {
      await prepare(server);
    } catch (err) {
      await server.stop('SIGKILL', 0);
      throw err;
    }
    current = server;
    return current;
  };
}

/** afterEach: every server this file started and did not stop is killed by PID. */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop('SIGKILL', 0)));
}

// ---------------------------------------------------------------------------
// Memory, from /proc/<pid>/status

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

export interface MemoryReport {
  label: string;
  /** RSS at the start, after a full garbage collection when the server allows one. */
  before: number;
  /** RSS at the end, after a full garbage collection when the server allows one: what it keeps. */
  after: number;
  /** The highest RSS since the start, garbage and all. */
  peak: number;
  growth: number;
  peakGrowth: number;
  /** Whether before and after were taken after a full collection (the server runs with the inspector). */
  collected: boolean;
  /** V8 heap plus external memory after a collection, at the start and at the end (bytes). */
  heapBefore?: number;
  heapAfter?: number;
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

/**
 * The server's memory over an attack. V8 and malloc keep freed memory mapped, so a
 * server that churns through garbage shows RSS growth it does not hold (tens of MiB
 * for a few thousand connections). When the server was started with `inspect`, the
 * probe makes it collect its garbage (DevTools protocol, loopback) until its heap is
 * settled before it reads VmRSS at the start and at the end, so `growth` is memory the
 * server keeps (plus what the allocators did not give back). The peak
 * comes from the kernel's high-water mark (VmHWM, reset through /proc/<pid>/clear_refs)
 * and from sampling VmRSS every 20 ms.
 */
export class MemoryProbe {
  private before = 0;
  private heapBefore: number | undefined;
  private sampledPeak = 0;
  private hwmReset = false;
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  private constructor(private readonly server: ServerProcess) {}

  static async start(server: ServerProcess): Promise<MemoryProbe> {
    const probe = new MemoryProbe(server);
    probe.heapBefore = await probe.settle();
    try {
      writeFileSync(`/proc/${server.pid}/clear_refs`, '5');
      probe.hwmReset = true;
    } catch {
      probe.hwmReset = false;
    }
    probe.before = server.rss();
    probe.sampledPeak = probe.before;
    probe.last = probe.before;
    probe.timer = setInterval(() => probe.sample(), 20);
    probe.timer.unref();
    return probe;
  }

  /**
   * Full collections, 1 s apart, until the heap stops shrinking (at most three): what a
   * connection keeps for a moment after it closed (a linger timer, say) is let go first.
   */
  private async settle(): Promise<number | undefined> {
    let heap = await this.server.collectGarbage();
    for (let i = 0; i < 2 && heap !== undefined; i++) {
      await sleep(1_000);
      const next = await this.server.collectGarbage();
      if (next === undefined) break;
      const shrank = heap - next;
      heap = next;
      if (shrank < MiB / 4) break;
    }
    return heap;
  }

  private sample(): void {
    try {
      this.last = this.server.rss();
      this.sampledPeak = Math.max(this.sampledPeak, this.last);
    } catch {
      clearInterval(this.timer); // the process is gone; the test's liveness check says so
    }
  }

  /** Stops sampling and reports (one log line for the report). Call it while the attack is still in place. */
  async finish(label: string): Promise<MemoryReport> {
    this.sample();
    clearInterval(this.timer);
    let peak = this.sampledPeak;
    if (this.hwmReset && this.server.alive()) peak = Math.max(peak, statusField(this.server.pid, 'VmHWM'));
    const heapAfter = this.server.alive() ? await this.settle() : undefined;
    if (this.server.alive()) this.last = this.server.rss();
    peak = Math.max(peak, this.last);
    const collected = this.heapBefore !== undefined && heapAfter !== undefined;
    const report: MemoryReport = {
      label,
      before: this.before,
      after: this.last,
      peak,
      growth: this.last - this.before,
      peakGrowth: peak - this.before,
      collected,
      ...(collected ? { heapBefore: this.heapBefore, heapAfter } : {}),
    };
    const heap = collected ? `; V8 heap + external ${mib(report.heapBefore!)} → ${mib(report.heapAfter!)}` : '';
    console.log(
      `[memory] ${label}: RSS ${mib(report.before)} → ${mib(report.after)}${collected ? ' (both after a full GC)' : ''} = +${mib(report.growth)}; peak ${mib(peak)} = +${mib(report.peakGrowth)}${heap}`,
    );
    return report;
  }
}

/**
 * Asserts the server's memory growth is under `bound` (64 MiB unless the test justifies
 * another), soft (the test goes on to its other checks and fails at the end). `measure`:
 * - 'kept' (default): RSS at the end minus RSS at the start, each after a full GC when
 *   the server was started with `inspect`; taken while the attack is still in place;
 * - 'heap': V8 heap plus external memory after a full GC (needs `inspect`): what the
 *   server's JavaScript holds, free of allocator slack.
 * The peak is reported in the message, not asserted: it holds garbage not yet collected.
 */
export function expectBoundedGrowth(report: MemoryReport, bound = MEMORY_BOUND, measure: 'kept' | 'heap' = 'kept'): void {
  if (measure === 'heap') {
    expect(report.collected, `${report.label}: the server must run with the inspector to measure its heap`).toBe(true);
    const growth = report.heapAfter! - report.heapBefore!;
    expect
      .soft(growth, `${report.label}: the server's V8 heap + external memory grew by ${mib(growth)} (${mib(report.heapBefore!)} → ${mib(report.heapAfter!)}, after a full GC); the bound is ${mib(bound)}`)
      .toBeLessThan(bound);
    return;
  }
  const collected = report.collected ? ', both after a full GC' : '';
  expect
    .soft(report.growth, `${report.label}: the server's RSS grew by ${mib(report.growth)} (${mib(report.before)} → ${mib(report.after)}${collected}; peak ${mib(report.peak)}); the bound is ${mib(bound)}`)
    .toBeLessThan(bound);
}

// ---------------------------------------------------------------------------
// HTTP over a socket from a chosen address

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Json;
  raw: string;
  /** Milliseconds from sending to the complete answer. */
  ms: number;
}

export interface RequestOptions {
  /** JSON-encoded unless a Buffer or a string (sent as is, as application/json). */
  body?: unknown;
  headers?: Record<string, string>;
  /** The source address (default 127.0.0.1). */
  from?: string;
  timeoutMs?: number;
}

/** One request on its own connection (no keep-alive), from `from`. */
export function http(server: ServerProcess, method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
  const started = performance.now();
  const payload =
    opts.body === undefined
      ? undefined
      : Buffer.isBuffer(opts.body)
        ? opts.body
        : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
  const headers: Record<string, string> = { ...(payload ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  const answer = new Promise<Reply>((resolve, reject) => {
    const fail = (err: Error): void => reject(new Error(`${method} ${path} from ${opts.from ?? '127.0.0.1'}: ${err.message}`));
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, method, path, headers, agent: false, localAddress: opts.from ?? '127.0.0.1' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let body: Json = undefined;
          try {
            body = JSON.parse(raw);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, raw, ms: performance.now() - started });
        });
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
  return deadline(answer, opts.timeoutMs ?? 10_000, `${method} ${path}`);
}

export function expectErrorReply(reply: Reply, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body?.error?.code }, reply.raw.slice(0, 300)).toEqual({ status, code });
  expect(typeof reply.body.error.message).toBe('string');
}

/** POST /api/join from `from`: { clientId, clientSecret, … }. */
export async function joinFrom(server: ServerProcess, from = '127.0.0.1', name = 'student'): Promise<Json> {
  const reply = await http(server, 'POST', '/api/join', { body: { name }, from });
  expect(reply.status, reply.raw.slice(0, 300)).toBe(201);
  return reply.body;
}

// ---------------------------------------------------------------------------
// The room, as an outsider checks it

export interface RoomSnapshot {
  lastSeq: number;
  epoch: unknown;
  /** Every retained message, via short polls from after=0. */
  messages: Json[];
}

export async function roomSnapshot(server: ServerProcess): Promise<RoomSnapshot> {
  const stats = await http(server, 'GET', '/api/stats', { from: CHECK_FROM });
  expect(stats.status, stats.raw.slice(0, 300)).toBe(200);
  const messages: Json[] = [];
  let after = 0;
  for (;;) {
    // A page of 1,000 long messages can be larger than MAX_BUFFERED_BYTES; this client reads it all.
    const page = await http(server, 'GET', `/api/poll?after=${after}`, { from: CHECK_FROM, timeoutMs: 15_000 }).catch((err: Error) => {
      throw new Error(`checking the room (a client that reads): ${err.message}`);
    });
    expect(page.status, page.raw.slice(0, 300)).toBe(200);
    if (page.body.messages.length === 0) break;
    messages.push(...page.body.messages);
    after = page.body.messages[page.body.messages.length - 1].seq;
  }
  return { lastSeq: stats.body.room.lastSeq, epoch: stats.body.room.epoch, messages };
}

/** `/healthz` from the checking address: its answer and how long it took. */
export async function health(server: ServerProcess, timeoutMs = 5_000): Promise<Reply> {
  return http(server, 'GET', '/healthz', { from: CHECK_FROM, timeoutMs });
}

// A /healthz pinger in a process of its own: its timings are the server's, not those of a
// test process busy reading a replay. Arguments: port, source address. One line per answer:
// milliseconds, or "fail <reason>".
const PINGER = `
const http = require('node:http');
const [port, from] = process.argv.slice(1);
const once = () => new Promise((resolve) => {
  const started = performance.now();
  const req = http.get({ host: '127.0.0.1', port: Number(port), path: '/healthz', localAddress: from, agent: false, timeout: 5000 }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode === 200 ? String(performance.now() - started) : 'fail status ' + res.statusCode));
  });
  req.on('timeout', () => req.destroy(new Error('no answer in 5 s')));
  req.on('error', (err) => resolve('fail ' + err.message));
});
// Never outlives a test that lost track of it.
setTimeout(() => process.exit(0), 60000).unref();
(async () => {
  for (;;) {
    process.stdout.write((await once()) + '\\n');
    await new Promise((r) => setTimeout(r, 100));
  }
})();
`;

export interface HealthTimings {
  /** Milliseconds per answer, Infinity for a failed one. */
  times: number[];
  max: number;
  failures: string[];
}

/** Pings /healthz every 100 ms from a child process until `stop()` (which kills it by PID). */
export function healthPinger(server: ServerProcess): { stop: () => Promise<HealthTimings> } {
  const child = spawn(process.execPath, ['-e', PINGER, String(server.port), CHECK_FROM], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      try {
        if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
      } catch {
        // it has exited already
      }
      await exited;
      const lines = out.split('\n').filter((l) => l !== '');
      const failures = lines.filter((l) => l.startsWith('fail'));
      if (err !== '') failures.push(`fail: the pinger printed ${err.slice(0, 500)}`);
      const times = lines.map((l) => (l.startsWith('fail') ? Infinity : Number(l)));
      return { times, max: times.length > 0 ? Math.max(...times) : Infinity, failures };
    },
  };
}

/**
 * After an attack: the process is alive, `/healthz` answers `{ ok: true }`, and the
 * room is what it was (`lastSeq`, `epoch`, every retained message).
 */
export async function expectSurvived(server: ServerProcess, before: RoomSnapshot | null): Promise<void> {
  // A crash may take a moment to reach the exit status.
  await sleep(50);
  expect(server.alive(), `the server process died; it printed:\n${server.output()}`).toBe(true);
  const ok = await health(server);
  expect({ status: ok.status, body: ok.body }, 'GET /healthz after the attack').toEqual({ status: 200, body: { ok: true } });
  if (before === null) return;
  const after = await roomSnapshot(server);
  expect({ lastSeq: after.lastSeq, epoch: after.epoch }, 'the room lastSeq and epoch after the attack').toEqual({
    lastSeq: before.lastSeq,
    epoch: before.epoch,
  });
  expect(after.messages.length, 'retained messages after the attack').toBe(before.messages.length);
  expect(after.messages, 'the room history after the attack').toEqual(before.messages);
}

// ---------------------------------------------------------------------------
// Filling the room fast (over /ws/lib, acks awaited, a bounded number in flight)

export const FAST_SENDS: Record<string, string> = { SEND_RATE_LIMIT: '100000000', SEND_RATE_LIMIT_PER_ADDRESS: '100000000' };

/** A text of `codePoints` code points, 4 UTF-8 bytes each but the numbered prefix. */
export const bulkyText = (i: number, codePoints = 2_000): string => {
  const prefix = `${i}:`;
  return prefix + '😀'.repeat(codePoints - prefix.length);
};

/** Sends `count` messages from one /ws/lib client; resolves with the last acknowledged seq. */
export async function fillRoom(server: ServerProcess, count: number, text: (i: number) => string, from = '127.0.0.1'): Promise<number> {
  const ws = new WebSocket(`ws://${server.host}/ws/lib`, { localAddress: from, maxPayload: 1 << 30 });
  ws.on('error', () => {});
  const done = new Promise<number>((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    let lastSeq = 0;
    const pump = (): void => {
      while (sent < count && sent - acked < 64) {
        ws.send(JSON.stringify({ type: 'send', text: text(sent), clientMsgId: `fill-${sent}` }));
        sent++;
      }
    };
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8'));
      if (frame.type === 'welcome') return pump();
      if (frame.type === 'error') return reject(new Error(`filling the room: ${JSON.stringify(frame)}`));
      if (frame.type !== 'ack') return;
      acked++;
      lastSeq = Math.max(lastSeq, frame.seq);
      if (acked === count) resolve(lastSeq);
      else pump();
    });
    ws.once('close', (code) => reject(new Error(`the filling socket closed with ${code} after ${acked} acks`)));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`filling the room: handshake answered ${res.statusCode}`)));
  });
  try {
    return await deadline(done, 20_000, `filling the room with ${count} messages`);
  } finally {
    ws.terminate();
  }
}

// ---------------------------------------------------------------------------
// A WebSocket peer written by hand over node:net: any bytes, any source address,
// and a reader that can stop reading (a peer whose kernel buffer fills up).

export interface ServerFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Buffer;
}

export interface WireOptions {
  from?: string;
  /** Header lines replacing or adding to the upgrade request's. */
  headers?: Record<string, string | null>;
  /** Bytes written in the same write as the upgrade request. */
  extra?: Buffer;
  /** A whole request instead of the upgrade request. */
  request?: string | Buffer;
  /** Stop reading once the response head has arrived (the socket is paused). */
  pauseAfterHead?: boolean;
  /** Keep the payloads of data frames (default true; false keeps only control frames). */
  keepPayloads?: boolean;
  /** Parse the frames after a 101 (default true; false only counts their bytes in `dataBytes`). */
  parse?: boolean;
}

export class WirePeer {
  readonly socket: Socket;
  /** The response head (status line and headers), once it arrived. */
  head: string | undefined;
  status: number | undefined;
  /** What came after the head when the answer was not a 101 (an HTTP body). */
  body = '';
  bodyBytes = 0;
  readonly frames: ServerFrame[] = [];
  /** Payload bytes of data frames received. */
  dataBytes = 0;
  /** TCP is over (end, reset or close). */
  ended = false;
  endedAt = 0;
  error: Error | undefined;
  /** The first malformed server frame, if any (the server must never send one). */
  badFrame: string | undefined;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiters: Array<() => void> = [];
  private readonly keepPayloads: boolean;
  private readonly parse: boolean;

  constructor(port: number, path: string, host: string, opts: WireOptions = {}) {
    this.keepPayloads = opts.keepPayloads ?? true;
    this.parse = opts.parse ?? true;
    this.socket = connect({ port, host: '127.0.0.1', localAddress: opts.from ?? '127.0.0.1' });
    this.socket.setNoDelay(true);
    this.socket.on('error', (err) => {
      this.error = err;
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk, opts.pauseAfterHead ?? false));
    this.socket.on('close', () => {
      this.ended = true;
      this.endedAt = performance.now();
      this.wake();
    });
    const request = opts.request ?? upgradeRequest(path, host, { headers: opts.headers ?? {} });
    const bytes = typeof request === 'string' ? Buffer.from(request, 'latin1') : request;
    this.socket.write(opts.extra ? Buffer.concat([bytes, opts.extra]) : bytes);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) {
      const all = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [all];
    }
    return this.chunks[0]!.subarray(0, n);
  }

  private onData(chunk: Buffer, pauseAfterHead: boolean): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.head === undefined) {
      const all = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [all];
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.head = all.subarray(0, end).toString('latin1');
      this.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(this.head)?.[1] ?? 0);
      this.take(end + 4);
      if (pauseAfterHead) this.socket.pause();
    }
    if (this.status !== 101) {
      const bytes = this.take(this.buffered);
      this.bodyBytes += bytes.length;
      if (this.keepPayloads) this.body += bytes.toString('utf8');
    } else if (this.parse) {
      this.parseFrames();
    } else {
      this.dataBytes += this.take(this.buffered).length;
    }
    this.wake();
  }

  private parseFrames(): void {
    while (this.buffered >= 2 && this.badFrame === undefined) {
      const h = this.peek(2);
      let length = h[1]! & 0x7f;
      let at = 2;
      if (h[1]! & 0x80) this.badFrame = 'a server frame is masked (RFC 6455 5.1)';
      if (length === 126) {
        if (this.buffered < 4) return;
        length = this.peek(4).readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (this.buffered < 10) return;
        const big = this.peek(10).readBigUInt64BE(2);
        if (big > BigInt(1 << 30)) {
          this.badFrame = `a server frame claims ${big} bytes`;
          return;
        }
        length = Number(big);
        at = 10;
      }
      if (this.buffered < at + length) return;
      const bytes = this.take(at + length);
      const opcode = bytes[0]! & 0x0f;
      const isData = opcode < 8;
      if (isData) this.dataBytes += length;
      this.frames.push({
        fin: (bytes[0]! & 0x80) !== 0,
        rsv: (bytes[0]! >> 4) & 0x07,
        opcode,
        payload: isData && !this.keepPayloads ? Buffer.alloc(0) : Buffer.from(bytes.subarray(at)),
      });
    }
  }

  /** Resolves true once `check` holds, false if it did not within `ms` (TCP closing counts as a reason to look again). */
  async waitFor(check: () => boolean, ms: number): Promise<boolean> {
    const until = performance.now() + ms;
    while (!check()) {
      const left = until - performance.now();
      if (left <= 0 || (this.ended && !check())) return check();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Waits for the response head; its status (0 if the connection ended first). */
  async response(ms = 5_000): Promise<number> {
    await this.waitFor(() => this.status !== undefined, ms);
    return this.status ?? 0;
  }

  /**
   * Waits for a whole HTTP answer (its Content-Length read, or the connection ended):
   * the status (0 for none) and the body parsed as JSON (undefined if it is not JSON).
   */
  async answer(ms = 5_000): Promise<{ status: number; body: Json; raw: string }> {
    const length = (): number | undefined => {
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(this.head ?? '');
      return m ? Number(m[1]) : undefined;
    };
    await this.waitFor(() => this.ended || (this.head !== undefined && this.bodyBytes >= (length() ?? Infinity)), ms);
    let body: Json = undefined;
    try {
      body = JSON.parse(this.body);
    } catch {
      body = undefined;
    }
    return { status: this.status ?? 0, body, raw: this.body };
  }

  /** The code of the server's close frame (1005 when it has none), if one arrived. */
  get closeCode(): number | undefined {
    const close = this.frames.find((f) => f.opcode === 8);
    if (!close) return undefined;
    return close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005;
  }

  get closeReason(): string | undefined {
    const close = this.frames.find((f) => f.opcode === 8);
    return close && close.payload.length > 2 ? close.payload.subarray(2).toString('utf8') : undefined;
  }

  /** Text frames parsed as JSON, in order. */
  json(): Json[] {
    return this.frames.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.payload.toString('utf8')));
  }

  /** Writes, waiting for the socket to drain if needed; false if the socket is gone. */
  async write(bytes: Buffer): Promise<boolean> {
    if (this.ended || this.socket.destroyed) return false;
    if (this.socket.write(bytes)) return true;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
    return !this.ended;
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Opens a hand-written WebSocket (or any request) and waits for the response head. */
export async function openWire(server: ServerProcess, path: string, opts: WireOptions = {}): Promise<WirePeer> {
  const peer = new WirePeer(server.port, path, server.host, opts);
  await peer.response();
  return peer;
}

/** Sends `request` (any bytes) as is from `from`; read the answer with `answer()`. */
export function rawRequest(server: ServerProcess, request: string | Buffer, from = '127.0.0.1'): WirePeer {
  return new WirePeer(server.port, '', server.host, { request, from });
}

/** A socket that sends `request` and then never reads a byte. */
export function silentRequest(server: ServerProcess, request: string, from = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: server.port, host: '127.0.0.1', localAddress: from });
    socket.pause();
    socket.on('error', () => {});
    socket.once('connect', () => {
      socket.write(request);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

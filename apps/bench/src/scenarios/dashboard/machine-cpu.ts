// CPU of the whole machine while the dashboard draws: /proc/stat for every core, /proc/<pid>/stat
// for Chromium's processes (the driver's non-Node descendants), the server and the load processes.
import { readFileSync, readdirSync } from 'node:fs';
import { cpus as cpuList } from 'node:os';
import { performance } from 'node:perf_hooks';

/** Busy and total jiffies of all CPUs from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal (guest is inside user)
  return { busy: total - idle, total };
}

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux
const cpus = (): number => cpuList().length;

export interface ProcEntry {
  ppid: number;
  comm: string;
  cpuMs: number;
}

function readProcs(): Map<number, ProcEntry> {
  const out = new Map<number, ProcEntry>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      out.set(Number(name), { ppid: Number(fields[1]), comm, cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/**
 * CPU time (ms) of the browser: every descendant of `driverPid` except the Node children
 * (server, load workers, codec) and theirs. Chromium's processes come and go (renderers per
 * page), so a difference over a window is a close estimate, not an exact one.
 */
export function browserCpuMs(driverPid: number, procs: Map<number, ProcEntry> = readProcs()): number {
  let total = 0;
  for (const ms of browserCpuByPid(driverPid, procs).values()) total += ms;
  return total;
}

/** The same, per process: a window is differenced process by process (see browserMsBetween). */
export function browserCpuByPid(driverPid: number, procs: Map<number, ProcEntry> = readProcs()): Map<number, number> {
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  const out = new Map<number, number>();
  const stack = [...(children.get(driverPid) ?? [])].filter((pid) => procs.get(pid)!.comm !== 'node');
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.set(pid, procs.get(pid)!.cpuMs);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Browser CPU ms between two readings, process by process: a process that ended in between
 * (a closed page's renderer) is left out rather than subtracted, which made a window's
 * figure negative; one that started in between counts whole.
 */
export function browserMsBetween(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): number {
  let ms = 0;
  for (const [pid, cpuMs] of b) ms += Math.max(0, cpuMs - (a.get(pid) ?? 0));
  return ms;
}

/** Which Chromium process a pid is, from its command line's `--type=` (none: the browser process). */
export function chromiumKind(pid: number): string {
  try {
    // Chromium rewrites its process title, so the arguments may be one space-separated string.
    const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    const type = /--type=(\S+)/.exec(line)?.[1];
    if (!type) return 'browser';
    if (type === 'utility') return /--utility-sub-type=\S*network/i.test(line) ? 'network' : 'utility';
    return type === 'gpu-process' ? 'gpu' : type;
  } catch {
    return 'gone';
  }
}

/** The same difference, summed by kind of process (browser, renderer, gpu, network, …), ms. */
export function browserMsByKind(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, cpuMs] of b) {
    const kind = chromiumKind(pid);
    out[kind] = (out[kind] ?? 0) + Math.max(0, cpuMs - (a.get(pid) ?? 0));
  }
  return out;
}

/** CPU readings at one instant, to be differenced over a window. */
export interface CpuMark {
  t: number;
  machine: { busy: number; total: number };
  /** CPU ms per Chromium process. */
  browser: Map<number, number>;
  server: number;
  /** The load processes together (the sender and the class's students). */
  sender: number;
  driver: number;
}

export interface WindowCpu {
  /** Share of all the machine's cores in use over the window, % (every process the kernel runs, not only the bench's). */
  machinePct: number;
  /** What the machine ran besides Chromium, the server, the sender and this driver, % of one core: other tenants' load shows here. */
  otherPct: number;
  /** Chromium's processes together, % of one core. */
  browserPct: number;
  /** The same by kind of process (browser, renderer, gpu, network, …), % of one core. */
  browserByKind: Record<string, number>;
  /** Server, and the load processes (sender and students) together, % of one core (NaN where there is no server). */
  serverPct: number;
  senderPct: number;
}

export function cpuMark(server: { cpuMs(): number } | null, ...load: Array<{ cpuMs(): number }>): CpuMark {
  const own = process.cpuUsage();
  return {
    t: performance.now(),
    machine: machineTicks(),
    browser: browserCpuByPid(process.pid),
    server: server ? server.cpuMs() : NaN,
    sender: load.reduce((sum, w) => sum + w.cpuMs(), 0),
    driver: (own.user + own.system) / 1000,
  };
}

export function cpuBetween(a: CpuMark, b: CpuMark): WindowCpu {
  const wallMs = b.t - a.t;
  const pct = (x: number, y: number): number => ((y - x) / wallMs) * 100;
  const machinePct = ((b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total)) * 100;
  const browserPct = (browserMsBetween(a.browser, b.browser) / wallMs) * 100;
  const serverPct = pct(a.server, b.server);
  const senderPct = pct(a.sender, b.sender);
  const ours = browserPct + (Number.isFinite(serverPct) ? serverPct : 0) + senderPct + pct(a.driver, b.driver);
  const browserByKind = Object.fromEntries(Object.entries(browserMsByKind(a.browser, b.browser)).map(([k, ms]) => [k, (ms / wallMs) * 100]));
  return { machinePct, otherPct: Math.max(0, machinePct * cpus() - ours), browserPct, browserByKind, serverPct, senderPct };
}

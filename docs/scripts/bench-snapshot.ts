// pnpm --filter @wirebench/docs bench:snapshot [path/to/report.json]
//
// Distils one `pnpm bench` report (bench-results/<time>/report.json, gitignored) into the
// small committed file docs/data/bench-snapshot.json, which the docs generators render into
// tables (generators/bench.ts). Without an argument it takes the newest report of a full
// run: `quick: false` and every scenario present (a `--only` run leaves some out). Nothing is measured here and
// nothing is rounded: the snapshot keeps the report's numbers; the renderers round.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// --- the snapshot -------------------------------------------------------------------------

/** Median and range of a figure's runs, as the report gives them. */
export interface Range {
  median: number;
  min: number;
  max: number;
}

export interface SnapshotTarget {
  name: string;
  goal: string;
  /** The report's own wording of the measurement, ratios to other stacks included. */
  measured: string;
  /** The leading figure of `measured`, when it has the form "<median><unit> (<min>–<max>)". */
  median: number | null;
  min: number | null;
  max: number | null;
  unit: string;
  met: boolean;
  note: string;
}

export interface BenchSnapshot {
  /** The report this was distilled from, relative to the repository. */
  source: string;
  startedAt: string;
  command: string;
  runs: number;
  machine: { cpus: number; node: string; platform: string; totalMemGiB: number };
  targets: SnapshotTarget[];
  echo: {
    clients: number;
    cases: Array<{ target: string; size: number; msgsPerSec: Range; p50Ms: Range; p99Ms: Range; errors: number }>;
    ratios: Array<{ size: number; rawOverLib: Range; rawOverTcp: Range; libOverTcp: Range }>;
  };
  broadcast: {
    cases: Array<{ transport: string; receivers: number; burst: number; deliveriesPerSec: Range; firstMs: Range; medianMs: Range; lastMs: Range; missing: number }>;
    ratios: Array<{ receivers: number; rawOverLib: Range }>;
    /** Latency: this many messages, this far apart, each timed to every receiver. */
    latencyMessages: number;
    spacingMs: number;
    shortPollIntervalMs: number;
  };
  idle: Array<{ transport: string; clients: number; rssPerClient: Range; heapPerClient: Range; wakeLastMs: Range | null }>;
  polling: Array<{ transport: string; clients: number; messagesPerSecond: number; requestsPerSec: Range; requestsPerDelivered: Range; bytesPerDelivered: Range }>;
  codec: Array<{ name: string; kind: string; payloadBytes: number; ratio: Range }>;
  dashboard: {
    budgetBytes: number;
    initialGzipBytes: number;
    initialBytes: number;
    initialFiles: number;
    allJsGzipBytes: number;
    allJsFiles: number;
    bundleMet: boolean;
    browser: string;
    lanes: string[];
    messagesPerSecond: number;
    loadedFps: Range;
    referenceFps: Range;
    loadedOverReference: Range;
    loadedP95FrameMs: Range;
    framesMet: boolean;
  };
}

export class SnapshotError extends Error {}

type Json = Record<string, unknown>;

function field(obj: unknown, path: string): unknown {
  let at: unknown = obj;
  for (const key of path.split('.')) {
    if (!at || typeof at !== 'object' || !(key in at)) throw new SnapshotError(`report.json has no "${path}"`);
    at = (at as Json)[key];
  }
  return at;
}

function num(obj: unknown, path: string): number {
  const v = field(obj, path);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SnapshotError(`report.json "${path}" is not a number`);
  return v;
}

function str(obj: unknown, path: string): string {
  const v = field(obj, path);
  if (typeof v !== 'string') throw new SnapshotError(`report.json "${path}" is not a string`);
  return v;
}

function list(obj: unknown, path: string): unknown[] {
  const v = field(obj, path);
  if (!Array.isArray(v)) throw new SnapshotError(`report.json "${path}" is not a list`);
  return v;
}

function range(obj: unknown, path: string): Range {
  return { median: num(obj, `${path}.median`), min: num(obj, `${path}.min`), max: num(obj, `${path}.max`) };
}

/** "0.98× (0.98–1.03); …" → 0.98, 0.98, 1.03, "×"; "11,279 B (10,549–11,737)" → …, "B". */
export function parseMeasured(measured: string): Pick<SnapshotTarget, 'median' | 'min' | 'max' | 'unit'> {
  const n = (s: string) => Number(s.replace(/,/g, ''));
  const m = /^([\d,]+(?:\.\d+)?)\s*([^\d\s(;,]*)\s*(?:\(([\d,]+(?:\.\d+)?)–([\d,]+(?:\.\d+)?)\))?/.exec(measured);
  if (!m) return { median: null, min: null, max: null, unit: '' };
  return { median: n(m[1]!), unit: m[2] ?? '', min: m[3] ? n(m[3]) : null, max: m[4] ? n(m[4]) : null };
}

const SCENARIOS = ['echo', 'broadcast', 'idle', 'polling', 'codec', 'dashboard'] as const;

/** A report of a full run: not --quick, and no scenario left out. */
export function isFullRun(report: unknown): boolean {
  if (!report || typeof report !== 'object') return false;
  const r = report as Json;
  return r.quick === false && SCENARIOS.every((s) => r[s] !== undefined && r[s] !== null);
}

export function distil(report: unknown, source: string): BenchSnapshot {
  if (!isFullRun(report)) throw new SnapshotError(`${source} is not a full run (quick: true, or a scenario is missing)`);
  const r = report as Json;
  const initial = field(r, 'dashboard.bundle.initial') as Json;
  return {
    source,
    startedAt: str(r, 'startedAt'),
    command: str(r, 'command'),
    runs: num(r, 'runs'),
    machine: { cpus: num(r, 'machine.cpus'), node: str(r, 'machine.node'), platform: str(r, 'machine.platform'), totalMemGiB: num(r, 'machine.totalMemGiB') },
    targets: list(r, 'targets').map((t) => {
      const measured = str(t, 'measured');
      return { name: str(t, 'name'), goal: str(t, 'goal'), measured, ...parseMeasured(measured), met: field(t, 'met') === true, note: str(t, 'note') };
    }),
    echo: {
      clients: num(r, 'echo.clients'),
      cases: list(r, 'echo.cases').map((c) => ({
        target: str(c, 'target'),
        size: num(c, 'size'),
        msgsPerSec: range(c, 'msgsPerSec'),
        p50Ms: range(c, 'p50Ms'),
        p99Ms: range(c, 'p99Ms'),
        errors: num(c, 'errors'),
      })),
      ratios: list(r, 'echo.ratios').map((c) => ({ size: num(c, 'size'), rawOverLib: range(c, 'rawOverLib'), rawOverTcp: range(c, 'rawOverTcp'), libOverTcp: range(c, 'libOverTcp') })),
    },
    broadcast: {
      cases: list(r, 'broadcast.cases').map((c) => ({
        transport: str(c, 'transport'),
        receivers: num(c, 'receivers'),
        burst: num(c, 'burst'),
        deliveriesPerSec: range(c, 'deliveriesPerSec'),
        firstMs: range(c, 'firstMs'),
        medianMs: range(c, 'medianMs'),
        lastMs: range(c, 'lastMs'),
        missing: num(c, 'missing'),
      })),
      ratios: list(r, 'broadcast.ratios').map((c) => ({ receivers: num(c, 'receivers'), rawOverLib: range(c, 'rawOverLib') })),
      latencyMessages: num(r, 'broadcast.latencyMessages'),
      spacingMs: num(r, 'broadcast.spacingMs'),
      shortPollIntervalMs: num(r, 'broadcast.shortPollIntervalMs'),
    },
    idle: list(r, 'idle').map((c) => ({
      transport: str(c, 'transport'),
      clients: num(c, 'clients'),
      rssPerClient: range(c, 'rssPerClient'),
      heapPerClient: range(c, 'heapPerClient'),
      // Short polling holds nothing to wake: the report gives null.
      wakeLastMs: field(c, 'wakeLastMs') === null ? null : range(c, 'wakeLastMs'),
    })),
    polling: list(r, 'polling').map((c) => ({
      transport: str(c, 'transport'),
      clients: num(c, 'clients'),
      messagesPerSecond: num(c, 'messagesPerSecond'),
      requestsPerSec: range(c, 'requestsPerSec'),
      requestsPerDelivered: range(c, 'requestsPerDelivered'),
      bytesPerDelivered: range(c, 'bytesPerDelivered'),
    })),
    codec: list(r, 'codec').map((c) => ({ name: str(c, 'name'), kind: str(c, 'kind'), payloadBytes: num(c, 'payloadBytes'), ratio: range(c, 'ratio') })),
    dashboard: {
      budgetBytes: num(r, 'dashboard.bundle.budgetBytes'),
      initialGzipBytes: num(initial, 'gzipBytes'),
      initialBytes: num(initial, 'bytes'),
      initialFiles: list(initial, 'files').length,
      allJsGzipBytes: num(r, 'dashboard.bundle.allJs.gzipBytes'),
      allJsFiles: num(r, 'dashboard.bundle.allJs.files'),
      bundleMet: field(r, 'dashboard.bundle.met') === true,
      browser: str(r, 'dashboard.frames.browser'),
      lanes: list(r, 'dashboard.frames.lanes').map(String),
      messagesPerSecond: num(r, 'dashboard.frames.messagesPerSecond'),
      loadedFps: range(r, 'dashboard.frames.loadedFps'),
      referenceFps: range(r, 'dashboard.frames.referenceFps'),
      loadedOverReference: range(r, 'dashboard.frames.loadedOverReference'),
      loadedP95FrameMs: range(r, 'dashboard.frames.loadedP95FrameMs'),
      framesMet: field(r, 'dashboard.frames.met') === true,
    },
  };
}

/** The newest bench-results/<time>/report.json of a full run, or null. */
export function newestFullReport(resultsDir: string): string | null {
  if (!existsSync(resultsDir)) return null;
  const dirs = readdirSync(resultsDir).sort().reverse();
  for (const d of dirs) {
    const path = join(resultsDir, d, 'report.json');
    if (!existsSync(path)) continue;
    try {
      if (isFullRun(JSON.parse(readFileSync(path, 'utf8')))) return path;
    } catch {
      // an unreadable or half-written report is skipped
    }
  }
  return null;
}

export function readSnapshot(root: string): BenchSnapshot {
  return JSON.parse(readFileSync(join(root, 'docs/data/bench-snapshot.json'), 'utf8')) as BenchSnapshot;
}

// --- command line ---------------------------------------------------------------------------

function main(): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const arg = process.argv[2];
  const path = arg ? resolve(process.env.INIT_CWD ?? process.cwd(), arg) : newestFullReport(join(root, 'bench-results'));
  if (!path) {
    console.error('bench-snapshot: no full run in bench-results/ (run pnpm bench, or name a report.json)');
    process.exit(1);
  }
  let snapshot: BenchSnapshot;
  try {
    snapshot = distil(JSON.parse(readFileSync(path, 'utf8')), relative(root, path));
  } catch (err) {
    console.error(`bench-snapshot: ${(err as Error).message}`);
    process.exit(1);
  }
  const out = join(root, 'docs/data/bench-snapshot.json');
  writeFileSync(out, `${JSON.stringify(snapshot, null, 2)}\n`);
  const missed = snapshot.targets.filter((t) => !t.met).length;
  console.log(`bench-snapshot: ${relative(root, out)} from ${snapshot.source} (${snapshot.targets.length} targets, ${missed} missed); run pnpm docs:sync next`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}

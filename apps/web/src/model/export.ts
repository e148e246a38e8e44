// Export of a run: JSON with everything, CSV with one latency sample per row, and a
// spreadsheet (.xlsx) with a sheet per table: the run, a summary per lane, and the series
// behind each chart. Times are ISO 8601 (UTC) wherever a spreadsheet shows them.
import type { TransportId } from '@wirebench/transports/contract';
import { TRANSPORTS } from '@wirebench/transports/contract';
import type { ClientCounters } from '@wirebench/transports/client';
import type { LatencySample, OffsetEstimate } from './measurements.ts';
import type { SeqTrackerState } from './seq-tracker.ts';
import { bytesPerMessage, histograms, percentiles, PERCENTILE_METHOD } from '../lib/stats-math.ts';
import { download } from '../lib/download.ts';

export interface LaneExport {
  transport: TransportId;
  clientId: string | null;
  /** The client's counters, the bytes it moved (headers / payload, up / down) included. */
  counters: ClientCounters;
  seq: SeqTrackerState;
  serverDelayMs: number;
}

export interface RunExport {
  exportedAt: string;
  runStartedAt: number;
  clockOffset: OffsetEstimate | null;
  lanes: LaneExport[];
  samples: LatencySample[];
  serverStats: unknown;
}

export function buildRunJson(run: RunExport): string {
  const lanes = run.lanes.map((l) => {
    const own = run.samples.filter((s) => s.lane === l.transport && !s.estimated).map((s) => s.latencyMs);
    const est = run.samples.filter((s) => s.lane === l.transport && s.estimated).map((s) => s.latencyMs);
    return {
      ...l,
      latency: { exact: percentiles(own), estimated: percentiles(est) },
      bytesPerMessage: bytesPerMessage(l.counters, l.counters.messages),
    };
  });
  return JSON.stringify({ ...run, lanes }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

/**
 * A spreadsheet opening the CSV runs a cell that starts with `=`, `+`, `-` or `@` as a
 * formula, and some strip a leading tab or CR first (OWASP, "CSV Injection"). Text cells
 * (ids chosen by whoever sent the message) starting so get a leading `'` inside quotes,
 * which makes the cell text; number cells are written as numbers, a negative one included.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

type Cell = { text: string | null } | { number: number; digits?: number } | boolean;

function csvField(cell: Cell): string {
  if (typeof cell === 'boolean') return String(cell);
  if ('number' in cell) {
    if (!Number.isFinite(cell.number)) return '';
    return cell.digits === undefined ? String(cell.number) : cell.number.toFixed(cell.digits);
  }
  if (cell.text === null) return '';
  const neutral = FORMULA_START.test(cell.text);
  const s = neutral ? `'${cell.text}` : cell.text;
  return neutral || /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** An epoch time in ms (the page clock and the server's are both epoch ms) as ISO 8601, UTC. */
export function isoTime(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

export const CSV_HEADER = ['seq', 'lane', 'clientMsgId', 'receivedAt', 'serverTime', 'latencyMs', 'estimated'] as const;

export function buildCsv(samples: readonly LatencySample[]): string {
  const rows = [CSV_HEADER.join(',')];
  for (const s of samples) {
    const cells: Cell[] = [
      { number: s.seq },
      { text: s.lane },
      { text: s.clientMsgId },
      { number: s.receivedAt, digits: 3 },
      { number: s.serverTime },
      { number: s.latencyMs, digits: 3 },
      s.estimated,
    ];
    rows.push(cells.map(csvField).join(','));
  }
  return rows.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// The spreadsheet. Its tables are built here as plain rows (tested without a browser); the
// .xlsx writer is loaded only when the teacher asks for one.

/** A cell of a table: text stays text in the .xlsx (no cell is ever a formula), numbers stay numbers. */
export type SheetCell = string | number | boolean | null;

export interface SheetTable {
  name: string;
  header: string[];
  rows: SheetCell[][];
}

/** What the charts draw, as the workbench keeps it. */
export interface ChartSeries {
  /** Cumulative requests per lane, sampled at `t` (seconds since the run began); null while a lane was absent. */
  t: ArrayLike<number>;
  requests: ReadonlyMap<TransportId, readonly (number | null)[]>;
  /** Requests started in each complete second (from `rateT`, seconds since the run began). */
  rateT: ArrayLike<number>;
  perSecond: ReadonlyMap<TransportId, readonly (number | null)[]>;
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);
const round = (v: number, digits = 3): number | null => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);

/** The tables of the spreadsheet, one sheet each. */
export function buildWorkbookTables(run: RunExport, series: ChartSeries): SheetTable[] {
  const lanes = run.lanes.map((l) => l.transport);
  const at = (seconds: number) => isoTime(run.runStartedAt + seconds * 1000);
  const own = (t: TransportId) => run.samples.filter((s) => s.lane === t && !s.estimated).map((s) => s.latencyMs);
  const others = (t: TransportId) => run.samples.filter((s) => s.lane === t && s.estimated).map((s) => s.latencyMs);

  const runSheet: SheetTable = {
    name: 'Run',
    header: ['field', 'value'],
    rows: [
      ['exported at', run.exportedAt],
      ['run started at', isoTime(run.runStartedAt)],
      ['lanes', lanes.join(', ')],
      ['latency samples', run.samples.length],
      ['clock offset (server − page), ms', run.clockOffset ? round(run.clockOffset.offsetMs) : null],
      ['clock offset round trip, ms', run.clockOffset ? round(run.clockOffset.rttMs) : null],
      ['percentiles', PERCENTILE_METHOD],
    ],
  };

  const summary: SheetTable = {
    name: 'Summary',
    header: [
      'lane', 'transport', 'clientId', 'delivered', 'of them caught up', 'requests', 'reconnects', 'frames up', 'frames down', 'SSE events down',
      'latency n (own)', 'latency p50 ms', 'latency p95 ms', 'latency p99 ms', 'latency max ms', 'others p50 ms (est.)',
      'header bytes', 'payload bytes', 'header bytes / msg', 'payload bytes / msg', 'total bytes / msg',
      'seq gaps', 'seq duplicates', 'server delay ms',
    ],
    rows: run.lanes.map((l) => {
      const p = percentiles(own(l.transport));
      const e = percentiles(others(l.transport));
      const b = bytesPerMessage(l.counters, l.counters.messages);
      return [
        l.transport, TRANSPORTS[l.transport].label, l.clientId, l.counters.messages, l.counters.caughtUp, l.counters.requests, l.counters.reconnects,
        l.counters.framesUp, l.counters.framesDown, l.counters.eventsDown,
        p.count, round(p.p50), round(p.p95), round(p.p99), round(p.max), round(e.p50),
        b.headerBytes, b.payloadBytes, round(b.headerPerMessage, 1), round(b.payloadPerMessage, 1), round(b.totalPerMessage, 1),
        l.seq.gaps, l.seq.duplicates, l.serverDelayMs,
      ];
    }),
  };

  const latency: SheetTable = {
    name: 'Latency',
    header: ['seq', 'lane', 'clientMsgId', 'received at', 'server time', 'latency ms', 'estimated'],
    rows: run.samples.map((s) => [s.seq, s.lane, s.clientMsgId, isoTime(s.receivedAt), isoTime(s.serverTime), round(s.latencyMs), s.estimated]),
  };

  const bins = histograms(lanes.map((t) => own(t)), 40);
  const histogram: SheetTable = {
    name: 'Latency histogram',
    header: ['from ms', 'to ms', ...lanes],
    rows: bins.edges.map((from, i) => [round(from), round(from + bins.binWidth), ...bins.counts.map((c) => c[i] ?? 0)]),
  };

  const requests: SheetTable = {
    name: 'Requests',
    header: ['time', 'seconds since start', ...lanes.map((t) => `${t} (total)`)],
    rows: Array.from({ length: series.t.length }, (_, i) => {
      const t = series.t[i]!;
      return [at(t), round(t), ...lanes.map((lane) => series.requests.get(lane)?.[i] ?? null)];
    }),
  };

  const rate: SheetTable = {
    name: 'Requests per second',
    header: ['second starting at', 'seconds since start', ...lanes.map((t) => `${t} (requests)`)],
    rows: Array.from({ length: series.rateT.length }, (_, i) => {
      const t = series.rateT[i]!;
      return [at(t), round(t), ...lanes.map((lane) => series.perSecond.get(lane)?.[i] ?? null)];
    }),
  };

  const bytes: SheetTable = {
    name: 'Bytes per message',
    header: ['lane', 'delivered', 'header bytes / msg', 'payload bytes / msg', 'total bytes / msg'],
    rows: run.lanes.map((l) => {
      const b = bytesPerMessage(l.counters, l.counters.messages);
      return [l.transport, b.messages, round(b.headerPerMessage, 1), round(b.payloadPerMessage, 1), round(b.totalPerMessage, 1)];
    }),
  };

  return [runSheet, summary, latency, histogram, requests, rate, bytes].map((table) => ({
    ...table,
    rows: table.rows.map((row) => row.map((cell) => (typeof cell === 'number' ? num(cell) : cell))),
  }));
}

/** A sheet's rows for write-excel-file: a bold header, then typed cells (strings always as String, never a formula). */
function sheetData(table: SheetTable): { value: string | number | boolean; type: StringConstructor | NumberConstructor | BooleanConstructor; fontWeight?: 'bold' }[][] {
  const cell = (v: SheetCell) =>
    v === null
      ? null
      : typeof v === 'number'
        ? { value: v, type: Number }
        : typeof v === 'boolean'
          ? { value: v, type: Boolean }
          : { value: v, type: String };
  return [table.header.map((h) => ({ value: h, type: String, fontWeight: 'bold' as const })), ...table.rows.map((row) => row.map(cell))] as ReturnType<typeof sheetData>;
}

/**
 * The .xlsx file of `tables`. write-excel-file is imported here, when asked, so that it stays
 * out of the main bundle. Its synchronous writer, because its asynchronous one hands every
 * file over 160 kB to a Worker made from a blob: URL, which the page's Content-Security-Policy
 * forbids (worker-src falls back to script-src 'self'), and that failure is never reported:
 * the export would wait forever. The package's exports map does not name this module.
 */
export async function buildXlsx(tables: readonly SheetTable[]): Promise<Blob> {
  // @ts-expect-error: no type declarations for the package's internal module (write-excel-file 4.1.1, pinned)
  const writer = (await import('../../node_modules/write-excel-file/modules/export/writeXlsxFileUniversal.js')) as XlsxWriterModule;
  const toBytes = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());
  const sheets = tables.map((t) => ({ data: sheetData(t), sheet: t.name, columns: t.header.map((h) => ({ width: Math.max(10, Math.min(40, h.length + 2)) })) }));
  return writer.generateXlsxFileSync(sheets, {}, undefined, toBytes);
}

interface XlsxWriterModule {
  generateXlsxFileSync(sheets: unknown[], options: object, unused: undefined, toBytes: (blob: Blob) => Promise<Uint8Array>): Promise<Blob>;
}

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** What the spreadsheet is made from: the workbench (its run and its counter sampler). */
export interface XlsxSource {
  exportRun(): RunExport;
  sampler: {
    t: { view(): ArrayLike<number> };
    requests: ChartSeries['requests'];
    rateT: { view(): ArrayLike<number> };
    perSecond: ChartSeries['perSecond'];
  };
}

/** Builds the spreadsheet of the run so far and saves it as `filename`. */
export async function exportXlsx(source: XlsxSource, filename: string): Promise<void> {
  const { sampler } = source;
  const series: ChartSeries = { t: sampler.t.view(), requests: sampler.requests, rateT: sampler.rateT.view(), perSecond: sampler.perSecond };
  download(filename, await buildXlsx(buildWorkbookTables(source.exportRun(), series)), XLSX_MIME);
}

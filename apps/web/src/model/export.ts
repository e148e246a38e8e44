// Export of a run: JSON with everything, CSV with one latency sample per row.
import type { TransportId } from '@wirebench/transports/contract';
import type { ClientCounters } from '@wirebench/transports/client';
import type { LatencySample, OffsetEstimate } from './measurements.ts';
import type { SeqTrackerState } from './seq-tracker.ts';
import { bytesPerMessage, percentiles } from '../lib/stats-math.ts';

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

// Export of a run: JSON with everything, CSV with one latency sample per row.
import type { TransportId } from '@wirebench/transports/contract';
import type { ClientCounters } from '@wirebench/transports/client';
import type { LatencySample, OffsetEstimate } from './measurements.ts';
import type { SeqTrackerState } from './seq-tracker.ts';
import { type ByteRecord, bytesPerMessage, percentiles } from './stats-math.ts';

export interface LaneExport {
  transport: TransportId;
  clientId: string | null;
  counters: ClientCounters;
  bytes: ByteRecord;
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
      bytesPerMessage: bytesPerMessage(l.bytes, l.counters.messages),
    };
  });
  return JSON.stringify({ ...run, lanes }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = ['seq', 'lane', 'clientMsgId', 'receivedAt', 'serverTime', 'latencyMs', 'estimated'] as const;

export function buildCsv(samples: readonly LatencySample[]): string {
  const rows = [CSV_HEADER.join(',')];
  for (const s of samples) {
    rows.push(
      [s.seq, s.lane, s.clientMsgId, s.receivedAt.toFixed(3), s.serverTime, s.latencyMs.toFixed(3), s.estimated]
        .map(csvField)
        .join(','),
    );
  }
  return rows.join('\n') + '\n';
}

export function download(filename: string, text: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

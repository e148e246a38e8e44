import type { TransportId } from '@wirebench/transports/contract';

/** One colour per transport, used by lanes and every chart. */
export const LANE_COLORS: Record<TransportId, string> = {
  'ws-raw': '#d9480f',
  'ws-lib': '#a61e4d',
  'short-poll': '#1864ab',
  'long-poll': '#2b8a3e',
  sse: '#6741d9',
};

export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (Math.abs(v) >= 100) return `${Math.round(v)} ms`;
  return `${v.toFixed(1)} ms`;
}

export function fmtBytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v >= 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} MiB`;
  if (v >= 10 * 1024) return `${(v / 1024).toFixed(1)} KiB`;
  return `${Math.round(v)} B`;
}

export function fmtInt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return Math.round(v).toLocaleString('en-US');
}

export function shortId(id: string | null): string {
  return id ? (id.length > 10 ? `${id.slice(0, 8)}…` : id) : '—';
}

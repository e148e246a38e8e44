// Pure measurement math: percentiles, histograms, per-second rates, byte attribution.
// No DOM, no clock: every function takes its inputs and returns a fresh value.

import { percentileOfSorted } from '@wirebench/transports/percentile';

/** Percentiles by the one definition every figure uses (PERCENTILE_METHOD: nearest rank). */
export { PERCENTILE_METHOD, percentileOfSorted as percentileSorted } from '@wirebench/transports/percentile';

export interface Percentiles {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    count: n,
    min: n ? sorted[0]! : Number.NaN,
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    max: n ? sorted[n - 1]! : Number.NaN,
    mean: n ? sum / n : Number.NaN,
  };
}

export interface Histogram {
  /** Left edge of each bin. */
  edges: number[];
  binWidth: number;
}

/**
 * A "nice" bin width (1, 2 or 5 × 10^k) that splits [0, max] into at most
 * `maxBins` bins.
 */
export function niceBinWidth(max: number, maxBins: number): number {
  if (!(max > 0) || maxBins < 1) return 1;
  const raw = max / maxBins;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    if (m * pow >= raw) return m * pow;
  }
  return 10 * pow;
}

/**
 * Counts of several sample sets over shared bins starting at 0, so they can be
 * drawn on one x axis. Values below 0 fall in the first bin, values ≥ the last
 * edge in the last bin.
 */
export function histograms(
  sets: ArrayLike<number>[],
  maxBins = 40,
): { edges: number[]; binWidth: number; counts: number[][] } {
  let max = 0;
  for (const set of sets) for (let i = 0; i < set.length; i++) max = Math.max(max, set[i]!);
  const binWidth = niceBinWidth(max, maxBins);
  const bins = Math.max(1, Math.floor(max / binWidth) + 1);
  const edges = Array.from({ length: bins }, (_, i) => i * binWidth);
  const counts = sets.map((set) => {
    const c = new Array<number>(bins).fill(0);
    for (let i = 0; i < set.length; i++) {
      const b = Math.min(bins - 1, Math.max(0, Math.floor(set[i]! / binWidth)));
      c[b]!++;
    }
    return c;
  });
  return { edges, binWidth, counts };
}

/**
 * Per-second rates from a cumulative counter sampled at times `t` (seconds):
 * rate[i] = (c[i] - c[i-1]) / (t[i] - t[i-1]); rate[0] = 0. A counter that went
 * down (a reset) restarts from its new value.
 */
export function ratesPerSecond(t: ArrayLike<number>, cumulative: ArrayLike<number>): number[] {
  const n = Math.min(t.length, cumulative.length);
  const out = new Array<number>(n).fill(0);
  for (let i = 1; i < n; i++) {
    const dt = t[i]! - t[i - 1]!;
    const prev = cumulative[i - 1]!;
    const cur = cumulative[i]!;
    const dc = cur >= prev ? cur - prev : cur;
    out[i] = dt > 0 ? dc / dt : 0;
  }
  return out;
}

/** The whole second `atSeconds` falls in: [k, k + 1) is second k. */
export function secondOf(atSeconds: number): number {
  return Math.floor(atSeconds);
}

export interface ByteRecord {
  headerBytesUp: number;
  payloadBytesUp: number;
  headerBytesDown: number;
  payloadBytesDown: number;
}

export interface BytesPerMessage {
  messages: number;
  headerBytes: number;
  payloadBytes: number;
  /** Per delivered message; NaN while nothing was delivered. */
  headerPerMessage: number;
  payloadPerMessage: number;
  totalPerMessage: number;
}

/**
 * Every byte a lane moved (both directions, empty polls and handshakes included)
 * charged to the messages it delivered: the honest cost of one chat message.
 */
export function bytesPerMessage(totals: ByteRecord, delivered: number): BytesPerMessage {
  const headerBytes = totals.headerBytesUp + totals.headerBytesDown;
  const payloadBytes = totals.payloadBytesUp + totals.payloadBytesDown;
  const d = delivered > 0 ? delivered : Number.NaN;
  return {
    messages: delivered,
    headerBytes,
    payloadBytes,
    headerPerMessage: headerBytes / d,
    payloadPerMessage: payloadBytes / d,
    totalPerMessage: (headerBytes + payloadBytes) / d,
  };
}

/** Clock offset (server − client) from one of this page's own messages. */
export function offsetSample(sendAt: number, ackAt: number, serverTime: number): { offset: number; rtt: number } {
  const rtt = Math.max(0, ackAt - sendAt);
  return { offset: serverTime - (sendAt + rtt / 2), rtt };
}

/**
 * What a transport's messages cost on the wire as the server counts it (GET /api/stats: bytes
 * read and written on its sockets, both ways, over the messages it delivered): compressed
 * bytes for a compressed WebSocket, which a page cannot see. Null before a delivery.
 */
export function serverBytesPerMessage(t: { bytesIn: number; bytesOut: number; delivered: number } | undefined): number | null {
  if (!t || !(t.delivered > 0)) return null;
  return (t.bytesIn + t.bytesOut) / t.delivered;
}

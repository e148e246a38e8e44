// What every scenario is given: the sizes of a full or a quick run (set in run.ts).
import type { DashboardConfig } from './dashboard/frames.ts';
import type { SlowReadersConfig } from './slow-readers.ts';
import type { ClusterConfig } from './cluster.ts';
import type { CompressionConfig } from './compression.ts';

export interface BenchConfig {
  quick: boolean;
  runs: number;
  echo: { clients: number; sizes: number[]; warmupMs: number; durationMs: number };
  broadcast: {
    receivers: number[];
    latencyMessages: number;
    spacingMs: number;
    /** Messages in the throughput burst, per receiver count. */
    burst: (receivers: number) => number;
    shortPollIntervalMs: number;
  };
  idle: { clients: number };
  polling: { clients: number; messagesPerSecond: number; durationMs: number };
  codec: { timeMs: number; rounds: number };
  dashboard: DashboardConfig;
  slowReaders: SlowReadersConfig;
  cluster: ClusterConfig;
  compression: CompressionConfig;
}

/** Splits n into `parts` near-equal shares. */
export function shares(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const log = (s: string): void => console.log(s);

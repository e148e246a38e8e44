// Time and CPU readings of a load process.
import { performance } from 'node:perf_hooks';
import type { CpuSample } from '../protocol.ts';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

export function cpu(): CpuSample {
  const u = process.cpuUsage();
  return { cpuMicros: u.user + u.system, at: now() };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

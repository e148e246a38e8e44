// The shape of report.json: everything one bench run measured, as the driver writes it
// (docs/scripts/bench-snapshot.ts reads it).
import type { BroadcastReport } from '../scenarios/broadcast.ts';
import type { EchoReport } from '../scenarios/echo.ts';
import type { IdleCase } from '../scenarios/idle.ts';
import type { PollingCase } from '../scenarios/polling.ts';
import type { CodecCase } from '../scenarios/codec.ts';
import type { BundleReport } from '../scenarios/dashboard/bundle.ts';
import type { DashboardFramesReport } from '../scenarios/dashboard/frames.ts';
import type { SlowReadersReport } from '../scenarios/slow-readers.ts';
import type { ClusterReport } from '../scenarios/cluster.ts';
import type { CompressionReport } from '../scenarios/compression.ts';

export interface DashboardReport {
  bundle: BundleReport;
  /** null when the browser half did not finish (see errors). */
  frames: DashboardFramesReport | null;
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean | null;
  note: string;
}

export interface FullReport {
  startedAt: string;
  command: string;
  quick: boolean;
  runs: number;
  machine: { cpus: number; node: string; platform: string; totalMemGiB: number };
  clock: string;
  pids: { driver: number; workers: number[] };
  notes: string[];
  echo?: EchoReport;
  broadcast?: BroadcastReport;
  idle?: IdleCase[];
  polling?: PollingCase[];
  codec?: CodecCase[];
  dashboard?: DashboardReport;
  slowReaders?: SlowReadersReport;
  cluster?: ClusterReport;
  compression?: CompressionReport;
  targets: Target[];
  errors: Array<{ scenario: string; error: string }>;
}

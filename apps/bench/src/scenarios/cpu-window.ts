// CPU accounting over one measured window: the server's and every load process's share of a core.
import { performance } from 'node:perf_hooks';
import type { Worker } from '../processes.ts';

export interface CpuReport {
  wallMs: number;
  /** Per process, % of one core over the window. */
  serverPct: number;
  workerPct: number[];
  /** A client process used ≥ 85 % of a core: the client side may have been the limit. */
  clientBound: boolean;
  /** All processes together used ≥ 180 % of the machine's 2 cores. */
  machineSaturated: boolean;
}

export class CpuWindow {
  private readonly t0 = performance.now();
  private readonly server0: number;
  private readonly workers0: number[];
  constructor(
    private readonly serverPids: Array<{ cpuMs(): number }>,
    private readonly workers: Worker[],
  ) {
    this.server0 = serverPids.reduce((s, p) => s + p.cpuMs(), 0);
    this.workers0 = workers.map((w) => w.cpuMs());
  }
  end(): CpuReport {
    const wallMs = performance.now() - this.t0;
    const serverPct = ((this.serverPids.reduce((s, p) => s + p.cpuMs(), 0) - this.server0) / wallMs) * 100;
    const workerPct = this.workers.map((w, i) => ((w.cpuMs() - this.workers0[i]!) / wallMs) * 100);
    const total = serverPct + workerPct.reduce((a, b) => a + b, 0);
    return {
      wallMs,
      serverPct,
      workerPct,
      clientBound: workerPct.some((p) => p >= 85),
      machineSaturated: total >= 180,
    };
  }
}

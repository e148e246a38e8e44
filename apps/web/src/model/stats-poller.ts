// GET /api/stats once a second and GET /api/info until it answers: the server's
// own view of the class, next to what each lane counted itself.
import type { InfoResponse, StatsResponse, TransportId } from '@wirebench/transports/contract';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { GrowableColumn } from '../lib/growable.ts';
import { Store, type Schedule, frameSchedule } from '../lib/store.ts';

export interface StatsState {
  stats: StatsResponse | null;
  info: InfoResponse | null;
  /** Server requests per second (all transports), from the delta of summed `requests`. */
  requestsPerSecond: number | null;
  error: string | null;
  polledAt: number | null;
}

export function totalRequests(stats: StatsResponse): number {
  let sum = 0;
  for (const id of TRANSPORT_IDS) sum += stats.transports[id]?.requests ?? 0;
  return sum;
}

export function connectionsByTransport(stats: StatsResponse): Record<TransportId, number> {
  const out = {} as Record<TransportId, number>;
  for (const id of TRANSPORT_IDS) out[id] = stats.transports[id]?.connections ?? 0;
  return out;
}

/** Distinct clients per transport (active in the last minute or connected), from the server. */
export function clientsByTransport(stats: StatsResponse): Record<TransportId, number> {
  const out = {} as Record<TransportId, number>;
  for (const id of TRANSPORT_IDS) out[id] = stats.transports[id]?.clients ?? 0;
  return out;
}

export interface StatsPollerDeps {
  fetch: typeof fetch;
  baseUrl: string;
  now: () => number;
  /** Each answer that carries `serverTime`: when it was asked and answered on the page clock. */
  onClockSample?: (sentAt: number, answeredAt: number, serverTime: number) => void;
  intervalMs?: number;
  schedule?: Schedule;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (h: unknown) => void;
}

export class StatsPoller {
  readonly store: Store<StatsState>;
  private timer: unknown = null;
  private inFlight = false;
  private prev: { at: number; total: number } | null = null;
  private startedAt: number | null = null;
  /** Server requests per second over time (seconds since the first answer), for the classroom chart. */
  readonly rpsT = new GrowableColumn();
  readonly rps = new GrowableColumn();

  constructor(private readonly deps: StatsPollerDeps) {
    this.store = new Store<StatsState>(
      { stats: null, info: null, requestsPerSecond: null, error: null, polledAt: null },
      deps.schedule ?? frameSchedule,
    );
  }

  start(): void {
    if (this.timer !== null) return;
    const every = this.deps.setInterval ?? ((fn, ms) => setInterval(fn, ms));
    void this.tick();
    this.timer = every(() => void this.tick(), this.deps.intervalMs ?? 1000);
  }

  stop(): void {
    if (this.timer === null) return;
    (this.deps.clearInterval ?? ((h) => clearInterval(h as ReturnType<typeof setInterval>)))(this.timer);
    this.timer = null;
  }

  async tick(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      if (!this.store.getSnapshot().info) await this.loadInfo();
      const sentAt = this.deps.now();
      const res = await this.deps.fetch(`${this.deps.baseUrl}/api/stats`);
      if (!res.ok) throw new Error(`GET /api/stats ${res.status}`);
      const answeredAt = this.deps.now();
      const stats = (await res.json()) as StatsResponse;
      if (typeof stats.serverTime === 'number') this.deps.onClockSample?.(sentAt, answeredAt, stats.serverTime);
      this.accept(stats, answeredAt);
    } catch (err) {
      this.store.update((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) }));
    } finally {
      this.inFlight = false;
    }
  }

  /** Folds one stats answer in (exposed for tests). */
  accept(stats: StatsResponse, at: number): void {
    const total = totalRequests(stats);
    let rps: number | null = this.store.getSnapshot().requestsPerSecond;
    if (this.prev && at > this.prev.at) {
      const d = total - this.prev.total;
      rps = d >= 0 ? (d * 1000) / (at - this.prev.at) : null;
    }
    this.prev = { at, total };
    if (rps !== null) {
      this.startedAt ??= at;
      this.rpsT.push((at - this.startedAt) / 1000);
      this.rps.push(rps);
    }
    this.store.update((s) => ({ ...s, stats, requestsPerSecond: rps, error: null, polledAt: at }));
  }

  private async loadInfo(): Promise<void> {
    try {
      const res = await this.deps.fetch(`${this.deps.baseUrl}/api/info`);
      if (!res.ok) return;
      const info = (await res.json()) as InfoResponse;
      this.store.update((s) => ({ ...s, info }));
    } catch {
      // Retried on the next tick; /api/stats reports the connection error.
    }
  }
}

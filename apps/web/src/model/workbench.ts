// The dashboard's whole model, created once outside React: lanes, measurements,
// the counters sampler, the stats poller, the auto-sender and the inspector feed.
import type { ClientIdentity, WireRecord } from '@wirebench/transports/client';
import type { TransportId } from '@wirebench/transports/contract';
import { DEFAULTS, TRANSPORT_IDS, TRANSPORTS } from '@wirebench/transports/contract';
import { buildCsv, buildRunJson, type RunExport } from './export.ts';
import { InspectorFeed } from './inspector-feed.ts';
import { type ClientFactory, Lane } from './lane.ts';
import { CounterSampler, Measurements } from './measurements.ts';
import { StatsPoller } from './stats-poller.ts';
import { Store, type Schedule, frameSchedule, syncSchedule } from '../lib/store.ts';

export const DEFAULT_LANES: readonly TransportId[] = ['ws-raw', 'short-poll', 'long-poll'];

/** Each transport's name on screen, from the contract's TRANSPORTS table. */
export const TRANSPORT_LABELS = Object.fromEntries(TRANSPORT_IDS.map((id) => [id, TRANSPORTS[id].label])) as Record<TransportId, string>;

export type AutoTarget = TransportId | 'round-robin';

/** The lanes that can ask for permessage-deflate (RFC 7692): the two WebSocket chat paths. */
export const COMPRESSIBLE = ['ws-raw', 'ws-lib'] as const;
export type CompressibleLane = (typeof COMPRESSIBLE)[number];

/** Why the auto-sender stopped by itself: its target lane was removed. */
export type AutoSendStop = 'target-removed';

export interface Settings {
  name: string;
  pollIntervalMs: number;
  longPollTimeoutMs: number;
  /** Per WebSocket lane: connect with `?compress=1` (permessage-deflate when the server agrees). */
  compress: Readonly<Record<CompressibleLane, boolean>>;
  autoSend: {
    running: boolean;
    intervalMs: number;
    target: AutoTarget;
    sent: number;
    /** Set when it stopped by itself (not by the teacher); cleared by the next start. */
    stoppedBecause: AutoSendStop | null;
  };
}

/**
 * The long-poll hold the dashboard offers: the contract's per-request range (0 answers at
 * once). At 0 the client still asks at most once per LONG_POLL_MIN_GAP_MS when answers are empty.
 */
export const LONG_POLL_TIMEOUT_RANGE = { minMs: 0, maxMs: DEFAULTS.longPollMaxTimeoutMs } as const;

/** What a request costs the room: HTTP requests, WebSocket handshakes and SSE stream openings, as the server counts them. */
const isRequest = (r: WireRecord): boolean => r.kind === 'http' || r.kind === 'ws-handshake' || r.kind === 'sse-open';

export interface WorkbenchDeps {
  factory: ClientFactory;
  fetch: typeof fetch;
  baseUrl: string;
  now: () => number;
  schedule?: Schedule;
  EventSource?: typeof EventSource;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (h: unknown) => void;
  /**
   * The teacher page's fetch (the Bearer key) for the debug endpoints. Without it a lane
   * acts on itself with its own secret, as any client may.
   */
  teacherFetch?: typeof fetch;
  /**
   * A teacher's identity made over HTTP. A locked room turns a new WebSocket identity away
   * (423), and a browser's WebSocket cannot carry the key: such a lane starts again with one.
   */
  teacherJoin?: (name: string) => Promise<ClientIdentity | null>;
}

/** Record ids a lane remembers as attributed to a node: far more than are ever open at once. */
const ATTRIBUTED_KEPT = 512;

const isWebSocket = (t: TransportId): t is CompressibleLane => t === 'ws-raw' || t === 'ws-lib';

export class Workbench {
  readonly lanes: Store<readonly Lane[]>;
  readonly settings: Store<Settings>;
  readonly measurements: Measurements;
  readonly sampler: CounterSampler;
  readonly stats: StatsPoller;
  readonly inspector: InspectorFeed;
  /** Every clientId this page's lanes were given, so the class list can tell them from students. */
  readonly ownIds: Store<ReadonlySet<string>>;
  /**
   * This page's requests (HTTP, WebSocket handshakes, SSE streams) by the server process that
   * served them: X-Wirebench-Node, a welcome's or a `state` event's node (issue #14).
   */
  readonly served: Store<Readonly<Record<string, number>>>;
  runStartedAt: number;
  private sampleTimer: unknown = null;
  private autoTimer: unknown = null;
  private robin = 0;
  private readonly schedule: Schedule;

  constructor(private readonly deps: WorkbenchDeps) {
    this.schedule = deps.schedule ?? frameSchedule;
    this.runStartedAt = deps.now();
    this.measurements = new Measurements(this.schedule);
    this.sampler = new CounterSampler(this.schedule);
    this.stats = new StatsPoller({
      fetch: deps.fetch,
      baseUrl: deps.baseUrl,
      now: deps.now,
      onClockSample: (sentAt, answeredAt, serverTime) => this.measurements.learnClock(sentAt, answeredAt, serverTime),
      schedule: this.schedule,
      setInterval: deps.setInterval,
      clearInterval: deps.clearInterval,
    });
    this.inspector = new InspectorFeed(deps.baseUrl, deps.EventSource ?? globalThis.EventSource, this.schedule);
    this.lanes = new Store<readonly Lane[]>([], this.schedule);
    // Heard from at once, never paced: the page stores these ids as each lane joins, and a reload
    // a moment later must find every one (else its lane, still listed for a minute, passes for a student).
    this.ownIds = new Store<ReadonlySet<string>>(new Set(), syncSchedule);
    this.served = new Store<Readonly<Record<string, number>>>({}, this.schedule);
    this.settings = new Store<Settings>(
      {
        name: `guest-${Math.floor(Math.random() * 900 + 100)}`,
        pollIntervalMs: 1000,
        longPollTimeoutMs: 30_000,
        compress: { 'ws-raw': false, 'ws-lib': false },
        autoSend: { running: false, intervalMs: 1000, target: 'round-robin', sent: 0, stoppedBecause: null },
      },
      this.schedule,
    );
  }

  start(initial: readonly TransportId[] = DEFAULT_LANES): void {
    for (const t of initial) this.addLane(t);
    this.stats.start();
    const every = this.deps.setInterval ?? ((fn, ms) => setInterval(fn, ms));
    this.sampleTimer = every(() => this.sampleCounters(), 1000);
  }

  stop(): void {
    const clear = this.deps.clearInterval ?? ((h) => clearInterval(h as ReturnType<typeof setInterval>));
    if (this.sampleTimer !== null) clear(this.sampleTimer);
    this.sampleTimer = null;
    this.stopAutoSend();
    this.stats.stop();
    this.inspector.close();
    for (const l of this.lanes.getSnapshot()) l.dispose();
    this.lanes.set([]);
  }

  lane(t: TransportId): Lane | undefined {
    return this.lanes.getSnapshot().find((l) => l.transport === t);
  }

  /** Adds a lane (one per transport); `identity` starts it as an identity made beforehand. */
  addLane(t: TransportId, identity?: ClientIdentity): Lane {
    const existing = this.lane(t);
    if (existing) return existing;
    const s = this.settings.getSnapshot();
    const lane = new Lane(t, {
      factory: this.deps.factory,
      measurements: this.measurements,
      now: this.deps.now,
      schedule: this.schedule,
      options: {
        baseUrl: this.deps.baseUrl,
        name: s.name,
        pollIntervalMs: s.pollIntervalMs,
        longPollTimeoutMs: s.longPollTimeoutMs,
        ...(isWebSocket(t) && s.compress[t] ? { compress: true } : {}),
        now: this.deps.now,
        ...(identity ? { clientId: identity.clientId, clientSecret: identity.clientSecret } : {}),
      },
    });
    const order = (x: TransportId) => TRANSPORT_IDS.indexOf(x);
    this.lanes.set([...this.lanes.getSnapshot(), lane].sort((a, b) => order(a.transport) - order(b.transport)));
    lane.client.on('joined', ({ clientId }) => {
      if (!this.ownIds.getSnapshot().has(clientId)) this.ownIds.update((ids) => new Set([...ids, clientId]));
    });
    // Each request is counted once, in the second it started (records come again when they end).
    let lastRecord = 0;
    // A record learns its node when it ends (HTTP) or later (a welcome, a state event): counted once.
    const attributed = new Set<number>();
    lane.client.on('request', (r) => {
      if (r.node !== undefined && isRequest(r) && !attributed.has(r.id) && this.lane(t) === lane) {
        attributed.add(r.id);
        if (attributed.size > ATTRIBUTED_KEPT) attributed.delete(attributed.values().next().value!);
        const node = r.node;
        this.served.update((m) => ({ ...m, [node]: (m[node] ?? 0) + 1 }));
      }
      if (r.id <= lastRecord) return;
      lastRecord = r.id;
      if (isRequest(r) && this.lane(t) === lane) this.sampler.countRequest(t, (r.startedAt - this.runStartedAt) / 1000);
    });
    if (this.deps.teacherJoin && !identity && isWebSocket(t)) this.admitWhenLocked(lane);
    lane.start();
    if (t === 'ws-raw') this.followInspector(lane);
    return lane;
  }

  /** A WebSocket lane the locked room refused starts again as a teacher's identity. */
  private admitWhenLocked(lane: Lane): void {
    const join = this.deps.teacherJoin!;
    const off = lane.client.subscribe(() => {
      if (lane.client.getSnapshot().status !== 'locked') return;
      off();
      void join(this.settings.getSnapshot().name).then((identity) => {
        if (!identity || this.lane(lane.transport) !== lane) return;
        this.removeLane(lane.transport);
        this.addLane(lane.transport, identity);
      });
    });
  }

  removeLane(t: TransportId): void {
    const lane = this.lane(t);
    if (!lane) return;
    lane.dispose();
    this.lanes.set(this.lanes.getSnapshot().filter((l) => l !== lane));
    if (t === 'ws-raw') this.inspector.follow(null);
    const auto = this.settings.getSnapshot().autoSend;
    if (auto.running && auto.target === t) this.stopAutoSend('target-removed');
  }

  /** The inspector follows the hand-rolled lane's identity as soon as it has one. */
  private followInspector(lane: Lane): void {
    const update = () => {
      if (this.lane('ws-raw') !== lane) return;
      this.inspector.follow(lane.client.identity());
    };
    lane.client.subscribe(update);
    update();
  }

  send(t: TransportId, text: string): string | null {
    const lane = this.lane(t);
    if (!lane || text.trim() === '') return null;
    return lane.send(text, this.settings.getSnapshot().name);
  }

  setName(name: string): void {
    this.settings.update((s) => ({ ...s, name }));
    for (const l of this.lanes.getSnapshot()) l.client.setOptions({ name });
  }

  setPollInterval(ms: number): void {
    this.settings.update((s) => ({ ...s, pollIntervalMs: ms }));
    this.lane('short-poll')?.client.setOptions({ pollIntervalMs: ms });
  }

  /** Clamped to LONG_POLL_TIMEOUT_RANGE, whole milliseconds. */
  setLongPollTimeout(requested: number): void {
    const { minMs, maxMs } = LONG_POLL_TIMEOUT_RANGE;
    const ms = Number.isFinite(requested) ? Math.min(maxMs, Math.max(minMs, Math.round(requested))) : this.settings.getSnapshot().longPollTimeoutMs;
    this.settings.update((s) => ({ ...s, longPollTimeoutMs: ms }));
    this.lane('long-poll')?.client.setOptions({ longPollTimeoutMs: ms });
  }

  /**
   * Compression on a WebSocket lane: remembered, and a lane that runs reconnects at once with
   * the option (a new client under the same identity, so its counters start again: bytes per
   * message are then those of the new setting alone).
   */
  setCompression(t: CompressibleLane, on: boolean): void {
    this.settings.update((s) => (s.compress[t] === on ? s : { ...s, compress: { ...s.compress, [t]: on } }));
    const lane = this.lane(t);
    if (!lane || lane.compressed === on) return;
    const identity = lane.client.identity() ?? undefined;
    lane.dispose();
    this.lanes.set(this.lanes.getSnapshot().filter((l) => l !== lane));
    this.addLane(t, identity);
  }

  /** What the next Start uses (the remembered interval and target), without starting. */
  setAutoSend(intervalMs: number, target: AutoTarget): void {
    this.settings.update((s) => ({ ...s, autoSend: { ...s.autoSend, intervalMs, target } }));
  }

  startAutoSend(intervalMs: number, target: AutoTarget): void {
    this.stopAutoSend();
    const every = this.deps.setInterval ?? ((fn, ms) => setInterval(fn, ms));
    this.settings.update((s) => ({ ...s, autoSend: { running: true, intervalMs, target, sent: s.autoSend.sent, stoppedBecause: null } }));
    this.autoTimer = every(() => this.autoSendOne(), Math.max(20, intervalMs));
  }

  /** `because`: it stops by itself (the teacher's Stop gives none). */
  stopAutoSend(because: AutoSendStop | null = null): void {
    if (this.autoTimer !== null) {
      (this.deps.clearInterval ?? ((h) => clearInterval(h as ReturnType<typeof setInterval>)))(this.autoTimer);
      this.autoTimer = null;
    }
    this.settings.update((s) => (s.autoSend.running ? { ...s, autoSend: { ...s.autoSend, running: false, stoppedBecause: because } } : s));
  }

  /** The lane the next auto message goes through. */
  nextAutoLane(): TransportId | null {
    const lanes = this.lanes.getSnapshot().filter((l) => l.client.getSnapshot().status !== 'paused');
    if (lanes.length === 0) return null;
    const target = this.settings.getSnapshot().autoSend.target;
    if (target !== 'round-robin') return this.lane(target) ? target : null;
    const lane = lanes[this.robin++ % lanes.length]!;
    return lane.transport;
  }

  private autoSendOne(): void {
    const target = this.settings.getSnapshot().autoSend.target;
    if (target !== 'round-robin' && !this.lane(target)) {
      this.stopAutoSend('target-removed');
      return;
    }
    const t = this.nextAutoLane();
    if (!t) return;
    const n = this.settings.getSnapshot().autoSend.sent + 1;
    this.send(t, `auto #${n} via ${t}`);
    this.settings.update((s) => ({ ...s, autoSend: { ...s.autoSend, sent: n } }));
  }

  /** Server-side cut: the server drops the lane's connections as a network failure would. */
  async serverCut(t: TransportId): Promise<void> {
    const lane = this.lane(t);
    if (lane) await this.debug(lane, '/api/debug/cut', {});
  }

  async serverDelay(t: TransportId, ms: number): Promise<void> {
    const lane = this.lane(t);
    if (lane && (await this.debug(lane, '/api/debug/delay', { ms }))) lane.setServerDelay(ms);
  }

  /** A debug request on the lane's client: with the teacher key, else with the lane's own secret. */
  private async debug(lane: Lane, path: string, body: object): Promise<boolean> {
    const identity = lane.client.identity();
    if (!identity) return false;
    const teacher = this.deps.teacherFetch;
    const target = teacher ? { clientId: identity.clientId } : identity;
    try {
      const res = await (teacher ?? this.deps.fetch)(`${this.deps.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...target, ...body }),
      });
      if (!res.ok) {
        lane.setError(`POST ${path}: ${res.status}`);
        return false;
      }
      return true;
    } catch (err) {
      lane.setError(`POST ${path}: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  /** Clears every measurement and reconnects the same lanes with fresh clients. */
  reset(): void {
    const kept = this.lanes.getSnapshot().map((l) => l.transport);
    for (const l of this.lanes.getSnapshot()) l.dispose();
    this.lanes.set([]);
    this.inspector.follow(null);
    this.measurements.clear();
    this.sampler.clear();
    this.served.set({});
    this.runStartedAt = this.deps.now();
    this.settings.update((s) => ({ ...s, autoSend: { ...s.autoSend, sent: 0 } }));
    for (const t of kept) this.addLane(t);
  }

  sampleCounters(): void {
    const values: Partial<Record<TransportId, number>> = {};
    for (const l of this.lanes.getSnapshot()) values[l.transport] = l.client.getSnapshot().counters.requests;
    const elapsed = (this.deps.now() - this.runStartedAt) / 1000;
    this.sampler.sample(elapsed, values);
    this.sampler.closeSeconds(elapsed, new Set(this.lanes.getSnapshot().map((l) => l.transport)));
  }

  exportRun(): RunExport {
    return {
      exportedAt: new Date().toISOString(),
      runStartedAt: this.runStartedAt,
      clockOffset: this.measurements.offset,
      lanes: this.lanes.getSnapshot().map((l) => {
        const s = l.store.getSnapshot();
        return {
          transport: l.transport,
          clientId: s.client.clientId,
          counters: s.client.counters,
          seq: s.seq,
          serverDelayMs: s.serverDelayMs,
        };
      }),
      samples: [...this.measurements.samples],
      serverStats: this.stats.store.getSnapshot().stats,
    };
  }

  exportJson(): string {
    return buildRunJson(this.exportRun());
  }

  exportCsv(): string {
    return buildCsv(this.measurements.samples);
  }
}

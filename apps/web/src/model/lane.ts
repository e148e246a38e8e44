// One lane: a transport client of the room plus what the dashboard keeps about
// it (recent messages, seq gaps, wire records, bytes). Plain object, outside React.
import type { ChatMessage, TransportId } from '@wirebench/transports/contract';
import type { ClientOptions, ClientSnapshot, DeliveryInfo, TransportClient, WireRecord } from '@wirebench/transports/client';
import type { Measurements } from './measurements.ts';
import { SeqTracker, type SeqTrackerState } from './seq-tracker.ts';
import { Store, type Schedule, frameSchedule } from '../lib/store.ts';

export type ClientFactory = (transport: TransportId, options: ClientOptions) => TransportClient;

/** Rendered messages per lane: enough to read, few enough for 60 chatty students. */
export const MESSAGE_LIMIT = 200;
/** Wire records kept per lane for the request timeline. */
export const RECORD_LIMIT = 120;

export interface LaneMessage {
  seq: number;
  clientId: string;
  name: string;
  text: string;
  via: TransportId;
  receivedAt: number;
  /** Sent by this page (any of its lanes). */
  own: boolean;
  /** Replayed history from before this lane joined: not measured. */
  history: boolean;
  /** Posted while this lane was paused or reconnecting, delivered when it came back: not a latency. */
  caughtUp: boolean;
  latencyMs: number | null;
  estimated: boolean;
}

export interface LaneState {
  transport: TransportId;
  client: ClientSnapshot;
  messages: readonly LaneMessage[];
  seq: SeqTrackerState;
  records: readonly WireRecord[];
  /** Server-side delay applied through POST /api/debug/delay. */
  serverDelayMs: number;
  lastError: string | null;
  historyUpTo: number | null;
  /** Messages this lane caught up on after a pause or a reconnect (delivered, never a latency sample). */
  caughtUp: number;
  /** Sends typed while the lane could not send; each one's latency counts from when it left. */
  deferredSends: number;
  /** Bumped by every change, so records can be redrawn while pending. */
  version: number;
}

export interface LaneDeps {
  factory: ClientFactory;
  measurements: Measurements;
  options: ClientOptions;
  now: () => number;
  schedule?: Schedule;
}

export class Lane {
  readonly client: TransportClient;
  readonly store: Store<LaneState>;
  private seqTracker = new SeqTracker();
  private offs: Array<() => void> = [];
  /** clientMsgIds typed while the client was not open, oldest first. */
  private deferred: string[] = [];
  private status: ClientSnapshot['status'];

  constructor(
    readonly transport: TransportId,
    private readonly deps: LaneDeps,
  ) {
    this.client = deps.factory(transport, deps.options);
    this.store = new Store<LaneState>(
      {
        transport,
        client: this.client.getSnapshot(),
        messages: [],
        seq: this.seqTracker.snapshot,
        records: [],
        serverDelayMs: 0,
        lastError: null,
        historyUpTo: null,
        caughtUp: 0,
        deferredSends: 0,
        version: 0,
      },
      // Paced by the store (BUSY_INTERVAL_MS under load); measurements are taken on arrival regardless.
      deps.schedule ?? frameSchedule,
    );
    this.status = this.client.getSnapshot().status;
    this.offs.push(
      this.client.subscribe(() => this.onSnapshot()),
      this.client.on('joined', (info) => {
        if (this.store.getSnapshot().historyUpTo === null) this.patch({ historyUpTo: info.lastSeq });
      }),
      this.client.on('message', (m, at, info) => this.onMessage(m, at, info)),
      this.client.on('ack', (info) => deps.measurements.recordAck(info.clientMsgId, deps.now())),
      this.client.on('request', (r) => this.onRecord(r)),
      this.client.on('error', (e) => this.patch({ lastError: `${e.code}: ${e.message}` })),
    );
  }

  start(): void {
    this.client.connect();
  }

  /** Asked for permessage-deflate (what was agreed is the snapshot's `extensions`). */
  get compressed(): boolean {
    return this.deps.options.compress === true;
  }

  /**
   * Sends through this lane. The client picks the clientMsgId (random: nobody can guess it and
   * send it first); the send time is taken before the client sees the text, and recorded under
   * that id before any answer can arrive. Null when the client takes no more sends (closed, removed).
   */
  send(text: string, name?: string): string | null {
    const sentAt = this.deps.now();
    // A paused or reconnecting lane holds the text until it can send: that wait is not latency.
    const deferred = this.client.getSnapshot().status !== 'open';
    let clientMsgId: string;
    try {
      clientMsgId = this.client.send(text, name ? { name } : undefined);
    } catch (err) {
      this.setError(`not sent: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
    this.deps.measurements.recordSend(clientMsgId, this.transport, sentAt, deferred);
    if (deferred) {
      this.deferred.push(clientMsgId);
      this.patch({ deferredSends: this.deferred.length });
    }
    return clientMsgId;
  }

  setServerDelay(ms: number): void {
    this.patch({ serverDelayMs: ms }, true);
  }

  setError(message: string | null): void {
    this.patch({ lastError: message }, true);
  }

  dispose(): void {
    for (const off of this.offs) off();
    this.offs = [];
    this.client.close();
  }

  private onSnapshot(): void {
    const client = this.client.getSnapshot();
    const was = this.status;
    this.status = client.status;
    // The client writes its queued sends the moment it is open again.
    if (client.status === 'open' && was !== 'open' && this.deferred.length > 0) {
      const at = this.deps.now();
      for (const id of this.deferred) this.deps.measurements.departed(id, at);
      this.deferred = [];
      this.patch({ client, deferredSends: 0 }, true);
      return;
    }
    // A new status (paused, reconnecting, open again) shows at the next frame, however busy the lane.
    this.patch({ client }, client.status !== was);
  }

  /** `info`: how the client got it; without it (an older client) the join's lastSeq marks the history. */
  private onMessage(m: ChatMessage, receivedAt: number, info?: DeliveryInfo): void {
    const s = this.store.getSnapshot();
    const fresh = info ? this.seqTracker.add(m.seq, info.epoch) : this.seqTracker.add(m.seq);
    const history = info
      ? info.kind === 'history'
      : s.historyUpTo !== null
        ? m.seq <= s.historyUpTo
        : !this.deps.measurements.isOwn(m.clientMsgId);
    const caughtUp = info?.kind === 'catch-up';
    let latencyMs: number | null = null;
    let estimated = false;
    if (fresh && !history && !caughtUp) {
      const sample = this.deps.measurements.recordReceive(this.transport, m, receivedAt);
      latencyMs = sample.latencyMs;
      estimated = sample.estimated;
    }
    const entry: LaneMessage = {
      seq: m.seq,
      clientId: m.clientId,
      name: m.name,
      text: m.text,
      via: m.via,
      receivedAt,
      own: this.deps.measurements.isOwn(m.clientMsgId),
      history,
      caughtUp,
      latencyMs,
      estimated,
    };
    const messages = s.messages.length >= MESSAGE_LIMIT ? [...s.messages.slice(-(MESSAGE_LIMIT - 1)), entry] : [...s.messages, entry];
    this.patch({ messages, seq: this.seqTracker.snapshot, caughtUp: s.caughtUp + (caughtUp && fresh ? 1 : 0) });
  }

  /** Keeps the newest records for the timeline; the bytes they moved are counted by the client (its counters). */
  private onRecord(r: WireRecord): void {
    const s = this.store.getSnapshot();
    const i = s.records.findIndex((x) => x.id === r.id);
    let records: WireRecord[];
    if (i >= 0) {
      records = s.records.slice();
      records[i] = { ...r };
    } else {
      records = s.records.length >= RECORD_LIMIT ? [...s.records.slice(-(RECORD_LIMIT - 1)), { ...r }] : [...s.records, { ...r }];
    }
    this.patch({ records });
  }

  /** `now`: the user is waiting to see it (see Store.setNow); otherwise at the store's pace. */
  private patch(p: Partial<LaneState>, now = false): void {
    const s = this.store.getSnapshot();
    const next = { ...s, ...p, version: s.version + 1 };
    if (now) this.store.setNow(next);
    else this.store.set(next);
  }
}

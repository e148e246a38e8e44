// Delivery latency per message per lane, on one clock.
//
// Messages this page sent: we know the send time (before client.send) and every
// lane's receive time, both from pageNow(), so latency = receivedAt − sentAt is
// exact. Messages from other people: only the server's `serverTime` is known, on
// the server's clock; we estimate offset = server − page from our own messages and from
// the serverTime of every /api/stats answer
// (serverTime − (sentAt + ackRtt / 2), keeping the sample with the smallest RTT)
// and report receivedAt − (serverTime − offset) as "estimated".
//
// Latency is the time a message takes while the lanes are connected. Two things are not
// latency and never become samples: messages a lane catches up on after a gap (the lane
// counts them, see lane.ts), and the time a message typed into a paused or reconnecting
// lane waited before it could leave: its send time is the moment it left (`departed`).
import type { ChatMessage, TransportId } from '@wirebench/transports/contract';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { GrowableColumn, NullableColumn } from '../lib/growable.ts';
import { offsetSample, percentiles, secondOf, type Percentiles } from '../lib/stats-math.ts';
import { Store, type Schedule, frameSchedule } from '../lib/store.ts';

/** Charts of many points redraw at most this often once busy (their axes' text is most of a redraw). */
export const CHART_REDRAW_MS = 1000;

export interface LatencySample {
  seq: number;
  lane: TransportId;
  clientMsgId: string | null;
  receivedAt: number;
  serverTime: number;
  latencyMs: number;
  estimated: boolean;
}

export interface OffsetEstimate {
  offsetMs: number;
  rttMs: number;
  samples: number;
}

interface SendRecord {
  lane: TransportId;
  sentAt: number;
  /** Typed while its lane could not send (paused, reconnecting): sentAt is not yet when it left. */
  deferred: boolean;
  ackAt: number | null;
  serverTime: number | null;
  learned: boolean;
}

export class Measurements {
  /** x column of the latency chart: the seqs seen, ascending. */
  readonly seqs: number[] = [];
  private seqRow = new Map<number, number>();
  /** One y column per transport, aligned to `seqs`. */
  readonly latencyByLane = new Map<TransportId, NullableColumn>();
  /** Exact and estimated samples per lane, for percentiles and histograms. */
  readonly exact = new Map<TransportId, GrowableColumn>();
  readonly estimated = new Map<TransportId, GrowableColumn>();
  /** Every sample, for export. */
  readonly samples: LatencySample[] = [];
  private sends = new Map<string, SendRecord>();
  offset: OffsetEstimate | null = null;
  /** Bumps on every change; charts listen to it. */
  readonly changes: Store<number>;

  constructor(schedule: Schedule = frameSchedule) {
    this.changes = new Store(0, schedule, schedule === frameSchedule ? CHART_REDRAW_MS : 0);
    for (const t of TRANSPORT_IDS) {
      this.latencyByLane.set(t, new NullableColumn());
      this.exact.set(t, new GrowableColumn());
      this.estimated.set(t, new GrowableColumn());
    }
  }

  /** `deferred`: the lane cannot send now; call departed() when it can. */
  recordSend(clientMsgId: string, lane: TransportId, sentAt: number, deferred = false): void {
    this.sends.set(clientMsgId, { lane, sentAt, deferred, ackAt: null, serverTime: null, learned: false });
  }

  /** A deferred send left now: its latency counts from here. */
  departed(clientMsgId: string, at: number): void {
    const s = this.sends.get(clientMsgId);
    if (!s || !s.deferred) return;
    s.deferred = false;
    s.sentAt = at;
  }

  recordAck(clientMsgId: string, ackAt: number): void {
    const s = this.sends.get(clientMsgId);
    if (!s || s.ackAt !== null) return;
    s.ackAt = ackAt;
    this.learnFrom(s);
  }

  isOwn(clientMsgId: string | null): boolean {
    return clientMsgId !== null && this.sends.has(clientMsgId);
  }

  sentAt(clientMsgId: string | null): number | null {
    return clientMsgId === null ? null : (this.sends.get(clientMsgId)?.sentAt ?? null);
  }

  /** Records one lane's delivery of a live message; returns the sample. */
  recordReceive(lane: TransportId, message: ChatMessage, receivedAt: number): LatencySample {
    const send = message.clientMsgId !== null ? this.sends.get(message.clientMsgId) : undefined;
    if (send && send.serverTime === null) {
      send.serverTime = message.serverTime;
      this.learnFrom(send);
    }
    let latencyMs: number;
    let estimated: boolean;
    if (send && !send.deferred) {
      latencyMs = receivedAt - send.sentAt;
      estimated = false;
    } else {
      const offset = this.offset?.offsetMs ?? 0;
      latencyMs = receivedAt - (message.serverTime - offset);
      estimated = true;
    }
    const sample: LatencySample = {
      seq: message.seq,
      lane,
      clientMsgId: message.clientMsgId,
      receivedAt,
      serverTime: message.serverTime,
      latencyMs,
      estimated,
    };
    this.samples.push(sample);
    (estimated ? this.estimated : this.exact).get(lane)!.push(latencyMs);
    this.latencyByLane.get(lane)!.set(this.rowFor(message.seq), latencyMs);
    this.changes.set(this.changes.getSnapshot() + 1);
    return sample;
  }

  /** Once both the ack and the stored copy's serverTime are known. */
  private learnFrom(send: SendRecord): void {
    if (send.learned || send.deferred || send.ackAt === null || send.serverTime === null) return;
    send.learned = true;
    this.learnClock(send.sentAt, send.ackAt, send.serverTime);
  }

  /**
   * One clock sample: a request sent at `sentAt` and answered at `answeredAt` (page clock)
   * whose answer carried the server's `serverTime`. The sample with the shortest round
   * trip bounds the offset most tightly, so it is the one kept.
   */
  learnClock(sentAt: number, answeredAt: number, serverTime: number): void {
    const s = offsetSample(sentAt, answeredAt, serverTime);
    const prev = this.offset;
    if (!prev || s.rtt <= prev.rttMs) {
      this.offset = { offsetMs: s.offset, rttMs: s.rtt, samples: (prev?.samples ?? 0) + 1 };
    } else {
      this.offset = { ...prev, samples: prev.samples + 1 };
    }
  }

  private pCache = new Map<string, { n: number; p: Percentiles }>();

  /** Percentiles of a lane's exact or estimated samples, recomputed only when samples were added. */
  percentiles(lane: TransportId, kind: 'exact' | 'estimated' = 'exact'): Percentiles {
    const col = (kind === 'exact' ? this.exact : this.estimated).get(lane)!;
    const key = `${lane}:${kind}`;
    const hit = this.pCache.get(key);
    if (hit && hit.n === col.length) return hit.p;
    const p = percentiles(col.view());
    this.pCache.set(key, { n: col.length, p });
    return p;
  }

  private rowFor(seq: number): number {
    const known = this.seqRow.get(seq);
    if (known !== undefined) return known;
    const last = this.seqs[this.seqs.length - 1];
    if (last === undefined || seq > last) {
      this.seqs.push(seq);
      this.seqRow.set(seq, this.seqs.length - 1);
      return this.seqs.length - 1;
    }
    // A late, older seq: insert in order so the x column stays ascending.
    let at = this.seqs.findIndex((s) => s > seq);
    if (at < 0) at = this.seqs.length;
    this.seqs.splice(at, 0, seq);
    for (const col of this.latencyByLane.values()) {
      col.padTo(this.seqs.length - 1);
      col.values.splice(at, 0, null);
    }
    this.seqRow.clear();
    this.seqs.forEach((s, i) => this.seqRow.set(s, i));
    return at;
  }

  clear(): void {
    this.seqs.length = 0;
    this.seqRow.clear();
    for (const c of this.latencyByLane.values()) c.clear();
    for (const c of this.exact.values()) c.clear();
    for (const c of this.estimated.values()) c.clear();
    this.samples.length = 0;
    this.pCache.clear();
    this.sends.clear();
    this.offset = null;
    this.changes.set(this.changes.getSnapshot() + 1);
  }
}

/**
 * The requests chart's data. `t`/`requests`: each lane's cumulative request count, sampled
 * once a second. `rateT`/`perSecond`: requests per second, counted in the second each request
 * started (a bucket per whole second since the run began), so the line never depends on
 * when a sampler happened to look: a poll every second shows 1 in every second.
 */
export class CounterSampler {
  readonly t = new GrowableColumn();
  readonly requests = new Map<TransportId, (number | null)[]>();
  /** Start of each complete second (seconds since the run began). */
  readonly rateT = new GrowableColumn();
  /** Requests that started in that second, per lane; null while the lane was not there. */
  readonly perSecond = new Map<TransportId, (number | null)[]>();
  readonly changes: Store<number>;
  /** Counts of the seconds not yet complete, per lane. */
  private open = new Map<TransportId, Map<number, number>>();
  /** The next second to close. */
  private nextSecond = 0;

  constructor(schedule: Schedule = frameSchedule) {
    this.changes = new Store(0, schedule);
    for (const id of TRANSPORT_IDS) {
      this.requests.set(id, []);
      this.perSecond.set(id, []);
      this.open.set(id, new Map());
    }
  }

  /** `values` holds the lanes present now; absent lanes get null. */
  sample(tSeconds: number, values: Partial<Record<TransportId, number>>): void {
    this.t.push(tSeconds);
    for (const id of TRANSPORT_IDS) this.requests.get(id)!.push(values[id] ?? null);
    this.changes.set(this.changes.getSnapshot() + 1);
  }

  /** One request of `lane` that started `atSeconds` after the run began. */
  countRequest(lane: TransportId, atSeconds: number): void {
    const second = secondOf(atSeconds);
    if (second < this.nextSecond) return; // a second already drawn (a clock step): not rewritten
    const buckets = this.open.get(lane)!;
    buckets.set(second, (buckets.get(second) ?? 0) + 1);
  }

  /** Closes every second that ended by `nowSeconds`; lanes in `present` get a count (0 too), others null. */
  closeSeconds(nowSeconds: number, present: ReadonlySet<TransportId>): void {
    const end = secondOf(nowSeconds);
    if (end <= this.nextSecond) return;
    for (let second = this.nextSecond; second < end; second++) {
      this.rateT.push(second);
      for (const id of TRANSPORT_IDS) {
        const buckets = this.open.get(id)!;
        this.perSecond.get(id)!.push(present.has(id) ? (buckets.get(second) ?? 0) : null);
        buckets.delete(second);
      }
    }
    this.nextSecond = end;
    this.changes.set(this.changes.getSnapshot() + 1);
  }

  clear(): void {
    this.t.clear();
    this.rateT.clear();
    this.nextSecond = 0;
    for (const id of TRANSPORT_IDS) {
      this.requests.set(id, []);
      this.perSecond.set(id, []);
      this.open.get(id)!.clear();
    }
    this.changes.set(this.changes.getSnapshot() + 1);
  }
}

// Wire records and the counters they add up to. Every HTTP request, WebSocket handshake
// and frame, SSE stream opening and event is one WireRecord; a record that grows (a held
// request answered later) is emitted again under its id, and only its growth is counted.
// The counters are the client's own account of its traffic: what a lane shows, never
// recounted by the page.
import type { TransportId } from '../contract.ts';
import type { ClientCounters, PerMessageBytes, WireRecord } from './types.ts';

/** The counters records add to (reconnects and delivered messages are counted elsewhere). */
export type WireCounters = Omit<ClientCounters, 'reconnects' | 'messages' | 'caughtUp' | 'history'>;

export type RecordFields = Omit<Partial<WireRecord>, 'id' | 'transport'> & Pick<WireRecord, 'kind'>;

type ByteFields = 'headerBytesUp' | 'payloadBytesUp' | 'headerBytesDown' | 'payloadBytesDown';
const BYTE_FIELDS: readonly ByteFields[] = ['headerBytesUp', 'payloadBytesUp', 'headerBytesDown', 'payloadBytesDown'];

/** A record plus how much of it the counters already hold. */
export interface RecordHandle {
  record: WireRecord;
  counted: Record<ByteFields, number>;
}

export interface RecordHooks {
  /** What an error text may not show (the client's secret). */
  redact(text: string): string;
  /** A record was created or updated; the counters changed with it. */
  recorded(record: Readonly<WireRecord>): void;
}

export class WireRecords {
  private readonly counts: WireCounters = {
    requests: 0,
    framesUp: 0,
    framesDown: 0,
    eventsDown: 0,
    bytesUp: 0,
    bytesDown: 0,
    headerBytesUp: 0,
    payloadBytesUp: 0,
    headerBytesDown: 0,
    payloadBytesDown: 0,
  };
  private nextId = 1;
  /** The process serving the open socket or stream: its frames and events carry it. */
  private channelNode: string | undefined;

  constructor(
    private readonly transport: TransportId,
    private readonly now: () => number,
    private readonly hooks: RecordHooks,
  ) {}

  counters(): WireCounters {
    return { ...this.counts };
  }

  /** Starts a record (requests, handshakes and stream openings count as requests). */
  begin(fields: RecordFields): RecordHandle {
    const record: WireRecord = {
      id: this.nextId++,
      transport: this.transport,
      startedAt: this.now(),
      headerBytesUp: 0,
      payloadBytesUp: 0,
      headerBytesDown: 0,
      payloadBytesDown: 0,
      estimated: false,
      messages: 0,
      ...fields,
    };
    const handle: RecordHandle = {
      record,
      counted: { headerBytesUp: 0, payloadBytesUp: 0, headerBytesDown: 0, payloadBytesDown: 0 },
    };
    if (record.kind === 'http' || record.kind === 'ws-handshake' || record.kind === 'sse-open') this.counts.requests += 1;
    if (record.kind === 'ws-frame-out') this.counts.framesUp += 1;
    if (record.kind === 'ws-frame-in') this.counts.framesDown += 1;
    if (record.kind === 'sse-event') this.counts.eventsDown += 1;
    this.account(handle);
    return handle;
  }

  /** Completes a record and emits it again under the same id. */
  end(handle: RecordHandle, fields: Partial<WireRecord>): void {
    handle.record = { ...handle.record, endedAt: this.now(), ...fields };
    this.account(handle);
  }

  /** Updates a record that stays open (an event stream that answered) and emits it again. */
  update(handle: RecordHandle, fields: Partial<WireRecord>): void {
    handle.record = { ...handle.record, ...fields };
    this.account(handle);
  }

  /** A frame or event: one record, complete at once, of the process serving its channel. */
  instant(fields: RecordFields): void {
    const at = this.now();
    const node = this.channelNode;
    this.begin({ startedAt: at, endedAt: at, ...(node === undefined ? {} : { node }), ...fields });
  }

  /**
   * A socket or stream named the process serving it (a welcome, an SSE `state` event): the
   * record that opened it says so (emitted again), and so do its frames and events from now on.
   * `undefined` once the channel ends.
   */
  servedBy(node: string | undefined, opening: RecordHandle | null = null): void {
    this.channelNode = node;
    if (node !== undefined && opening !== null && opening.record.node !== node) this.update(opening, { node });
  }

  private account(handle: RecordHandle): void {
    if (handle.record.error !== undefined) handle.record.error = this.hooks.redact(handle.record.error);
    const r = handle.record;
    for (const field of BYTE_FIELDS) {
      this.counts[field] += r[field] - handle.counted[field];
      handle.counted[field] = r[field];
    }
    this.counts.bytesUp = this.counts.headerBytesUp + this.counts.payloadBytesUp;
    this.counts.bytesDown = this.counts.headerBytesDown + this.counts.payloadBytesDown;
    this.hooks.recorded(Object.freeze({ ...r }));
  }
}

/** Every byte both ways, headers and payloads apart, divided by the messages delivered; null before the first. */
export function perMessage(c: ClientCounters): PerMessageBytes | null {
  if (c.messages === 0) return null;
  const headerBytes = c.headerBytesUp + c.headerBytesDown;
  const payloadBytes = c.payloadBytesUp + c.payloadBytesDown;
  return {
    headerBytes: headerBytes / c.messages,
    payloadBytes: payloadBytes / c.messages,
    totalBytes: (headerBytes + payloadBytes) / c.messages,
  };
}

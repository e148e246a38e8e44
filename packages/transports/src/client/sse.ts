// Server-Sent Events: one `GET /api/events?after=N` stream, one unnamed event per
// message (`id:` its seq, `data:` its JSON). Sends go over POST like the polls.
// The browser's own reconnect is not used: on error the client closes the stream and
// reopens it after its backoff with after=lastSeq, the same cursor rule as every lane.
//
// Wirebench's server opens every stream with a named `state` event
// `{ "lastSeq", "truncated" }` (an extension; unnamed-event-only readers never see it).
// It tells this client what a poll answer tells the others: a restarted server
// (lastSeq below our cursor) and a truncated replay. Without it, a restart is still
// noticed at the first live event whose seq is at or below the opening cursor.
import type { ChatMessage } from '../contract.ts';
import { buildUrl, CLIENT_ERROR_CODES, type RecordHandle } from './base.ts';
import { HttpClientBase } from './http-client.ts';
import type { ClientOptions } from './types.ts';
import { httpRequestHeadBytes, httpResponseHeadBytes, sseEventBytes } from './wire.ts';

export class SseClient extends HttpClientBase {
  protected readonly via = 'sse' as const;
  private source: EventSource | null = null;
  private openRecord: RecordHandle | null = null;
  /** The cursor the stream was opened with: the server sends nothing at or below it. */
  private openedAfter: number | undefined;

  constructor(options: ClientOptions = {}) {
    super('sse', options);
  }

  protected startReceiving(epoch: number): void {
    const EventSourceCtor = this.opts.EventSource;
    this.openedAfter = this.cursor();
    const url = buildUrl(this.opts.baseUrl, '/api/events', {
      after: this.openedAfter,
      clientId: this.clientId ?? undefined,
    });
    const record = this.beginRecord({
      kind: 'sse-open',
      method: 'GET',
      url: url.pathname + url.search,
      headerBytesUp: httpRequestHeadBytes('GET', url, [
        ['Accept', 'text/event-stream'],
        ['Cache-Control', 'no-cache'],
      ]),
      estimated: true,
    });
    this.openRecord = record;
    if (!EventSourceCtor) {
      this.endOpenRecord({ error: 'no EventSource implementation' });
      this.lost(CLIENT_ERROR_CODES.network, 'no EventSource implementation available', epoch);
      return;
    }
    let source: EventSource;
    try {
      source = new EventSourceCtor(url.href);
    } catch (error) {
      this.endOpenRecord({ error: String(error) });
      this.lost(CLIENT_ERROR_CODES.network, String(error), epoch);
      return;
    }
    this.source = source;
    source.onopen = () => {
      if (!this.isCurrent(epoch)) return;
      // EventSource opens only on a 200 text/event-stream answer; its headers are not visible.
      this.endOpenRecord({
        status: 200,
        headerBytesDown: httpResponseHeadBytes(200, 'OK', [
          ['content-type', 'text/event-stream'],
          ['cache-control', 'no-cache'],
          ['connection', 'keep-alive'],
        ]),
      });
      this.opened(epoch);
    };
    source.onmessage = (event: MessageEvent) => {
      if (!this.isCurrent(epoch)) return;
      this.onEvent(String(event.data), event.lastEventId);
    };
    source.addEventListener('state', (event: MessageEvent) => {
      if (!this.isCurrent(epoch) || this.source !== source) return;
      this.onState(String(event.data));
    });
    source.onerror = () => {
      if (!this.isCurrent(epoch)) return;
      this.endOpenRecord({ error: 'event stream failed' });
      this.lost(CLIENT_ERROR_CODES.network, 'event stream failed', epoch);
    };
  }

  protected override cursorReset(): void {
    if (this.source === null) return;
    const epoch = this.epoch;
    this.stopReceiving();
    queueMicrotask(() => {
      // after the join has delivered the history, reopen from the new cursor
      if (this.isCurrent(epoch) && this.source === null) this.startReceiving(epoch);
    });
  }

  protected stopReceiving(): void {
    const source = this.source;
    this.source = null;
    this.endOpenRecord({ error: 'closed' });
    if (source === null) return;
    source.onopen = null;
    source.onmessage = null;
    source.onerror = null;
    source.close();
  }

  private endOpenRecord(fields: { status?: number; headerBytesDown?: number; error?: string }): void {
    if (this.openRecord === null) return;
    this.endRecord(this.openRecord, fields);
    this.openRecord = null;
  }

  private onState(data: string): void {
    let state: { lastSeq?: unknown; truncated?: unknown } | null = null;
    try {
      state = JSON.parse(data) as { lastSeq?: unknown; truncated?: unknown };
    } catch {
      state = null;
    }
    this.instantRecord({
      kind: 'sse-event',
      payloadBytesDown: sseEventBytes('', data, 'state'),
      estimated: true,
      ...(state === null ? { error: 'invalid JSON' } : {}),
    });
    if (state === null || typeof state.lastSeq !== 'number') return;
    if (this.openedAfter !== undefined && state.lastSeq < this.openedAfter) {
      this.serverRestarted(state.lastSeq);
      this.clientId = null;
      this.changed();
      this.restartChannel();
      return;
    }
    if (state.truncated === true) {
      this.fail(CLIENT_ERROR_CODES.truncated, 'the cursor was older than the retained log: messages were skipped');
    }
  }

  private onEvent(data: string, lastEventId: string): void {
    let message: ChatMessage | null = null;
    try {
      message = JSON.parse(data) as ChatMessage;
    } catch {
      message = null;
    }
    this.instantRecord({
      kind: 'sse-event',
      payloadBytesDown: sseEventBytes(lastEventId, data),
      estimated: true,
      messages: message === null ? 0 : 1,
      ...(message === null ? { error: 'invalid JSON' } : {}),
    });
    if (message === null) {
      this.fail(CLIENT_ERROR_CODES.badFrame, 'event data is not JSON');
      return;
    }
    // A stream opened with after=N never sends seq <= N, unless the server restarted and
    // counts from 1 again: follow it, rejoin, and fetch the new room from its start.
    if (
      this.openedAfter !== undefined &&
      typeof message.seq === 'number' &&
      message.seq <= this.openedAfter &&
      message.seq <= this.lastSeq
    ) {
      this.serverRestarted(message.seq);
      this.clientId = null;
      this.changed();
      this.restartChannel();
      return;
    }
    this.deliver([message]);
  }
}

// Server-Sent Events: one `GET /api/events?after=N` stream, one unnamed event per
// message (`id:` its seq, `data:` its JSON). Sends go over POST like the polls.
// The browser's own reconnect is not used: on error the client closes the stream and
// reopens it after its backoff with after=lastSeq, the same cursor rule as every lane.
//
// Wirebench's server opens every stream with a named `state` event
// `{ "lastSeq", "epoch", "truncated" }` (unnamed-event-only readers never see it).
// It tells this client what a poll answer tells the others, judged the same way
// (cursor.ts): a room that started again (another epoch) and a truncated replay.
// The stream URL carries `epoch` with `after`, so a stream of an earlier room's cursor
// replays nothing of the new room and the client rejoins instead.
import { TRANSPORTS, type ChatMessage, type SseStateEvent } from '../contract.ts';
import { CLIENT_ERROR_CODES } from './errors.ts';
import { HttpClientBase } from './http-client.ts';
import type { RecordHandle } from './records.ts';
import { redactUrl } from './redact.ts';
import { buildUrl } from './request.ts';
import type { ClientOptions } from './types.ts';
import { httpRequestHeadBytes, httpResponseHeadBytes, sseEventBytes } from './wire.ts';

export class SseClient extends HttpClientBase {
  protected readonly via = 'sse' as const;
  private source: EventSource | null = null;
  private openRecord: RecordHandle | null = null;
  /** The current stream has had its `state` event. */
  private stateSeen = false;

  constructor(options: ClientOptions = {}) {
    super('sse', options);
  }

  protected startReceiving(generation: number): void {
    const EventSourceCtor = this.opts.EventSource;
    this.stateSeen = false;
    const url = buildUrl(this.opts.baseUrl, TRANSPORTS.sse.path, {
      ...this.cursor.query(),
      clientId: this.clientId ?? undefined,
    });
    const record = this.records.begin({
      kind: 'sse-open',
      method: 'GET',
      url: redactUrl(url),
      headerBytesUp: httpRequestHeadBytes('GET', url, [
        ['Accept', 'text/event-stream'],
        ['Cache-Control', 'no-cache'],
      ]),
      estimated: true,
    });
    this.openRecord = record;
    if (!EventSourceCtor) {
      this.endOpenRecord({ error: 'no EventSource implementation' });
      this.lost(CLIENT_ERROR_CODES.network, 'no EventSource implementation available', generation);
      return;
    }
    let source: EventSource;
    try {
      source = new EventSourceCtor(url.href);
    } catch (error) {
      this.endOpenRecord({ error: String(error) });
      this.lost(CLIENT_ERROR_CODES.network, String(error), generation);
      return;
    }
    this.source = source;
    source.onopen = () => {
      if (!this.isCurrent(generation)) return;
      // EventSource opens only on a 200 text/event-stream answer; its headers are not visible.
      this.endOpenRecord({
        status: 200,
        headerBytesDown: httpResponseHeadBytes(200, 'OK', [
          ['content-type', 'text/event-stream'],
          ['cache-control', 'no-cache'],
          ['connection', 'keep-alive'],
        ]),
      });
      this.opened(generation);
    };
    source.onmessage = (event: MessageEvent) => {
      if (!this.isCurrent(generation)) return;
      this.onEvent(String(event.data), event.lastEventId);
    };
    source.addEventListener('state', (event: MessageEvent) => {
      if (!this.isCurrent(generation) || this.source !== source) return;
      this.onState(String(event.data));
    });
    source.onerror = () => {
      if (!this.isCurrent(generation)) return;
      // EventSource reports an answer other than 200 text/event-stream as a bare error.
      const opened = this.openRecord === null;
      this.endOpenRecord({ error: 'event stream failed' });
      if (opened) this.lost(CLIENT_ERROR_CODES.network, 'event stream failed', generation);
      else this.refusedBeforeOpen('event stream refused or unreachable', generation);
    };
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
    this.records.end(this.openRecord, fields);
    this.openRecord = null;
  }

  private onState(data: string): void {
    let state: Partial<SseStateEvent> | null = null;
    try {
      state = JSON.parse(data) as Partial<SseStateEvent>;
    } catch {
      state = null;
    }
    this.records.instant({
      kind: 'sse-event',
      payloadBytesDown: sseEventBytes('', data, 'state'),
      estimated: true,
      ...(state === null ? { error: 'invalid JSON' } : {}),
    });
    if (state === null || typeof state.lastSeq !== 'number') return;
    this.stateSeen = true;
    if (!this.cursor.judge({ lastSeq: state.lastSeq, epoch: state.epoch, truncated: state.truncated })) this.followNewRoom();
  }

  private onEvent(data: string, lastEventId: string): void {
    let message: ChatMessage | null = null;
    try {
      message = JSON.parse(data) as ChatMessage;
    } catch {
      message = null;
    }
    this.records.instant({
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
    // A server without the `state` event: a stream opened with after=N sends seq N+1 first,
    // so the first event says the room held seq - 1 before it (the judge's lastSeq rule).
    if (!this.stateSeen && typeof message.seq === 'number') {
      this.stateSeen = true;
      if (!this.cursor.judge({ lastSeq: message.seq - 1 })) {
        this.followNewRoom();
        return;
      }
    }
    this.cursor.deliver([message]);
  }
}

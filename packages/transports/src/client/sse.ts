// Server-Sent Events: one `GET /api/events?after=N` stream, one unnamed event per
// message (`id:` its seq, `data:` its JSON). Sends go over POST like the polls.
//
// Reconnecting: when a stream that was open drops, the browser's EventSource reconnects
// by itself and sends the last event id it saw as `Last-Event-ID`, which the server takes
// over `?after=` (WHATWG HTML 9.2 "Server-sent events": "If the event source's last event
// ID string is not the empty string, set (`Last-Event-ID`, last event ID string) in
// request's header list"). The client lets it: the lane shows 'reconnecting', counts the
// reconnect, and records each of the browser's attempts as a request. Only when the
// EventSource gives up (readyState CLOSED) or the client itself ends the stream (pause,
// cut(), a new room) does it close the stream and open a new one after its backoff, with
// after=lastSeq, the same cursor rule as every lane.
//
// The stream's record (kind 'sse-open') stays open, without endedAt, for as long as the
// stream is: it is the long-lived request SSE is.
//
// Wirebench's server opens every stream with a named `state` event
// `{ "lastSeq", "epoch", "truncated", "node" }` (unnamed-event-only readers never see it),
// and sends the lesson signal as a named `lesson` event (the client's `lesson` event).
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
import type { ClientOptions, WireRecord } from './types.ts';
import { httpRequestHeadBytes, httpResponseHeadBytes, sseEventBytes } from './wire.ts';

/** EventSource.readyState: reconnecting by itself / given up. */
const CONNECTING = 0;
const CLOSED = 2;

const STREAM_HEADERS: Array<[string, string]> = [
  ['Accept', 'text/event-stream'],
  ['Cache-Control', 'no-cache'],
];

export class SseClient extends HttpClientBase {
  protected readonly via = 'sse' as const;
  private source: EventSource | null = null;
  private url: URL | null = null;
  /** The request of the current stream or of the browser's attempt to reconnect it. */
  private record: RecordHandle | null = null;
  /** The EventSource is open (it answered 200 and has not failed since). */
  private streamOpen = false;
  /** The EventSource dropped after it had opened and is reconnecting by itself. */
  private selfReconnecting = false;
  /** The id of the last event of this EventSource: what it sends as Last-Event-ID. */
  private lastEventId = '';
  /** The current stream has had its `state` event. */
  private stateSeen = false;

  constructor(options: ClientOptions = {}) {
    super('sse', options);
  }

  protected startReceiving(generation: number): void {
    const EventSourceCtor = this.opts.EventSource;
    this.stateSeen = false;
    this.lastEventId = '';
    const url = buildUrl(this.opts.baseUrl, TRANSPORTS.sse.path, {
      ...this.cursor.query(),
      clientId: this.clientId ?? undefined,
    });
    this.url = url;
    this.beginRecord();
    if (!EventSourceCtor) {
      this.endRecord({ error: 'no EventSource implementation' });
      this.lost(CLIENT_ERROR_CODES.network, 'no EventSource implementation available', generation);
      return;
    }
    let source: EventSource;
    try {
      source = new EventSourceCtor(url.href);
    } catch (error) {
      this.endRecord({ error: String(error) });
      this.lost(CLIENT_ERROR_CODES.network, String(error), generation);
      return;
    }
    this.source = source;
    this.streamOpen = false;
    this.selfReconnecting = false;
    source.onopen = () => {
      if (!this.isCurrent(generation) || this.source !== source) return;
      // EventSource opens only on a 200 text/event-stream answer; its headers are not visible.
      // The record stays open with the stream.
      if (this.record !== null) {
        this.records.update(this.record, {
          status: 200,
          headerBytesDown: httpResponseHeadBytes(200, 'OK', [
            ['content-type', 'text/event-stream'],
            ['cache-control', 'no-cache'],
            ['connection', 'keep-alive'],
          ]),
        });
      }
      this.streamOpen = true;
      this.selfReconnecting = false;
      this.stateSeen = false;
      this.opened(generation);
    };
    source.onmessage = (event: MessageEvent) => {
      if (!this.isCurrent(generation) || this.source !== source) return;
      this.lastEventId = event.lastEventId;
      this.onEvent(String(event.data), event.lastEventId);
    };
    source.addEventListener('state', (event: MessageEvent) => {
      if (!this.isCurrent(generation) || this.source !== source) return;
      this.onState(String(event.data));
    });
    // The lesson signal is a named event: a browser hands it only to a listener of that name.
    source.addEventListener('lesson', (event: MessageEvent) => {
      if (!this.isCurrent(generation) || this.source !== source) return;
      this.onLesson(String(event.data));
    });
    source.onerror = () => {
      if (!this.isCurrent(generation) || this.source !== source) return;
      this.onStreamError(source, generation);
    };
  }

  private onStreamError(source: EventSource, generation: number): void {
    const wasOpen = this.streamOpen;
    this.streamOpen = false;
    if (wasOpen) this.endRecord({ error: 'event stream dropped' });
    else this.endRecord({ error: 'event stream refused or unreachable' });
    if (source.readyState === CONNECTING && (wasOpen || this.selfReconnecting)) {
      this.selfReconnecting = true;
      // The browser reconnects by itself, with Last-Event-ID: the next attempt is a request too.
      this.beginRecord(this.lastEventId);
      this.cursor.channelOpened();
      if (wasOpen) this.reconnectsByItself('event stream dropped; the browser reconnects with Last-Event-ID', generation);
      return;
    }
    // EventSource reports an answer other than 200 text/event-stream as a bare error.
    this.selfReconnecting = false;
    if (wasOpen) this.lost(CLIENT_ERROR_CODES.network, 'event stream failed', generation);
    else this.refusedBeforeOpen('event stream refused or unreachable', generation);
  }

  protected stopReceiving(): void {
    const source = this.source;
    this.source = null;
    this.streamOpen = false;
    this.selfReconnecting = false;
    // Ended by this client: pause, close, cut(), a new room, or a failure it is handling.
    this.endRecord({ aborted: true });
    if (source === null) return;
    source.onopen = null;
    source.onmessage = null;
    source.onerror = null;
    source.close();
  }

  /** The stream's request: pending until the stream opens, open (no endedAt) while it lasts. */
  private beginRecord(lastEventId = ''): void {
    const url = this.url!;
    const headers = lastEventId === '' ? STREAM_HEADERS : [...STREAM_HEADERS, ['Last-Event-ID', lastEventId] as [string, string]];
    this.record = this.records.begin({
      kind: 'sse-open',
      method: 'GET',
      url: redactUrl(url),
      headerBytesUp: httpRequestHeadBytes('GET', url, headers),
      estimated: true,
    });
  }

  private endRecord(fields: Partial<WireRecord>): void {
    this.records.servedBy(undefined);
    if (this.record === null) return;
    this.records.end(this.record, fields);
    this.record = null;
  }

  private onState(data: string): void {
    let state: Partial<SseStateEvent> | null = null;
    try {
      state = JSON.parse(data) as Partial<SseStateEvent>;
    } catch {
      state = null;
    }
    // The process serving this stream (EventSource cannot read X-Wirebench-Node).
    if (state !== null && typeof state.node === 'string') this.records.servedBy(state.node, this.record);
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

  private onLesson(data: string): void {
    let signal: unknown = null;
    try {
      signal = JSON.parse(data);
    } catch {
      signal = null;
    }
    this.records.instant({
      kind: 'sse-event',
      payloadBytesDown: sseEventBytes('', data, 'lesson'),
      estimated: true,
      ...(signal === null ? { error: 'invalid JSON' } : {}),
    });
    this.lessonSignal(signal);
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

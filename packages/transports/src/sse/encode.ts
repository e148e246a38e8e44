// Server-Sent Events (HTML Living Standard, "Server-sent events"): a
// text/event-stream is UTF-8 lines; an event is `field: value` lines ended by
// a blank line. `data:` carries the payload, `id:` sets the stream's last
// event ID, which the browser sends back as `Last-Event-ID` when it reconnects.
// A line starting with ':' is a comment, ignored by the browser: useful to
// keep proxies from closing an idle stream.

export interface SseEvent {
  /** A name (`event:`): EventSource hands the event only to listeners of that name; none: `message`. */
  event?: string;
  /** Becomes the stream's last event ID, sent back as `Last-Event-ID` on a reconnect. */
  id?: number | string;
  /** One line: it must not contain line breaks (JSON.stringify output never does). */
  data: string;
}

/** The one event encoder: the fields it is given, then the blank line that ends the event. */
// #region encode-event
export function encodeSseEvent({ event, id, data }: SseEvent): string {
  return `${event === undefined ? '' : `event: ${event}\n`}${id === undefined ? '' : `id: ${id}\n`}data: ${data}\n\n`;
}
// #endregion encode-event

/** A room message: unnamed, its seq as the event id. */
export const encodeEvent = (id: number | string, data: string): string => encodeSseEvent({ id, data });

/** A named event, such as the `state` event that opens every stream. */
export const encodeNamedEvent = (name: string, data: string): string => encodeSseEvent({ event: name, data });

export function encodeComment(text = ''): string {
  return `: ${text}\n\n`;
}

/** `retry:` tells the browser how long to wait before reconnecting. */
export function encodeRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}

/**
 * The resume cursor of a stream request: `Last-Event-ID` (set by a
 * reconnecting browser) wins over `?after=`. Returns the raw string to parse
 * as a cursor, or undefined.
 */
// #region resume-cursor
export function resumeCursor(lastEventId: string | string[] | undefined, after: unknown): unknown {
  const header = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
  if (header !== undefined && header.trim() !== '') return header.trim();
  return after;
}
// #endregion resume-cursor

// Measured HTTP requests: each one a WireRecord (path and query with a clientSecret
// redacted, never the body), all aborted together when the channel ends.
import { CLIENT_ERROR_CODES, describe } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import type { WireRecords } from './records.ts';
import { redactUrl } from './redact.ts';
import { httpRequestHeadBytes, httpResponseHeadBytes, utf8Length } from './wire.ts';

export interface HttpAnswer {
  status: number;
  body: unknown;
  /** `Retry-After` in seconds, when the server sent one. */
  retryAfter?: number;
}

export interface RequestExtras {
  /** Count `messages` in the answer into the record. */
  countMessages?: boolean;
  /** A poll: an answer without messages is marked `empty`. */
  poll?: boolean;
  /** Abort this request alone (long-poll option changes, watchdog, a timeout). */
  controller?: AbortController;
}

/** CONTRACT v2: every HTTP answer names the process that served it (readable same-origin). */
export const NODE_HEADER = 'x-wirebench-node';

export type Query = Record<string, string | number | undefined>;

/**
 * The reason to give `AbortController.abort()` when a request took too long: a failure,
 * recorded as an error. Any other abort is the client ending the request on purpose
 * (pause, close, cut, a new timeout) and is recorded as `aborted`.
 */
export class RequestTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestTimeout';
  }
}

/** Builds `base + path` with the query parameters that are defined. */
export function buildUrl(base: string, path: string, query: Query): URL {
  const url = new URL(path, base + '/');
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url;
}

/** The contract's `{ error: { code, message } }`, or HTTP_ERROR with the status. */
export function errorOf(answer: HttpAnswer): { code: string; message: string } {
  const body = answer.body as { error?: { code?: unknown; message?: unknown } } | null;
  const code = typeof body?.error?.code === 'string' ? body.error.code : CLIENT_ERROR_CODES.http;
  const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${answer.status}`;
  return { code, message };
}

export class MeasuredRequests {
  private readonly controllers = new Set<AbortController>();

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly records: WireRecords,
  ) {}

  async send(
    method: 'GET' | 'POST',
    path: string,
    query: Query,
    body: object | undefined,
    extras: RequestExtras = {},
  ): Promise<HttpAnswer> {
    const url = buildUrl(this.opts.baseUrl, path, query);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const payloadBytes = payload === undefined ? 0 : utf8Length(payload);
    const sentHeaders: Array<[string, string]> =
      payload === undefined
        ? []
        : [
            ['Content-Type', 'application/json'],
            ['Content-Length', String(payloadBytes)],
          ];
    const handle = this.records.begin({
      kind: 'http',
      method,
      url: redactUrl(url),
      headerBytesUp: httpRequestHeadBytes(method, url, sentHeaders),
      payloadBytesUp: payloadBytes,
      estimated: true,
    });
    const controller = extras.controller ?? new AbortController();
    this.controllers.add(controller);
    try {
      const init: RequestInit = { method, signal: controller.signal };
      if (payload !== undefined) {
        init.body = payload;
        init.headers = { 'content-type': 'application/json' };
      }
      const response = await this.opts.fetch(url.href, init);
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        parsed = null;
      }
      const list = (parsed as { messages?: unknown } | null)?.messages;
      const count = extras.countMessages && Array.isArray(list) ? list.length : 0;
      const node = response.headers.get(NODE_HEADER);
      this.records.end(handle, {
        ...(node ? { node } : {}),
        status: response.status,
        headerBytesDown: httpResponseHeadBytes(response.status, response.statusText, response.headers),
        payloadBytesDown: utf8Length(text),
        messages: count,
        ...(extras.poll && response.ok ? { empty: count === 0 } : {}),
      });
      const answer: HttpAnswer = { status: response.status, body: parsed };
      const retryAfter = Number(response.headers.get('retry-after'));
      if (response.headers.has('retry-after') && Number.isFinite(retryAfter)) answer.retryAfter = retryAfter;
      return answer;
    } catch (error) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
      if (controller.signal.aborted && !(reason instanceof RequestTimeout)) this.records.end(handle, { aborted: true });
      else this.records.end(handle, { error: describe(reason ?? error) });
      throw error;
    } finally {
      this.controllers.delete(controller);
    }
  }

  /** The channel ended: every request still in flight goes. */
  abortAll(): void {
    for (const controller of [...this.controllers]) controller.abort();
    this.controllers.clear();
  }
}

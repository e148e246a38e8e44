// What the three HTTP transports share: join, sends over `POST /api/messages`,
// measured requests, and the poll-answer rules (truncated, a new room: cursor.ts).
// Short polling, long polling and SSE differ only in how they receive.
import type { ChatMessage, HttpSendVia, JoinResponse, PollResponse, SendRequest } from '../contract.ts';
import { BaseClient, buildUrl, CLIENT_ERROR_CODES, MAX_REJOINS_PER_SEND, sendVerdict } from './base.ts';
import type { ClientOptions } from './types.ts';
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
  /** Abort this request alone (long-poll option changes, watchdog). */
  controller?: AbortController;
}

/** A callback outlived its channel (pause, cut, close, restart). */
export class StaleError extends Error {
  constructor() {
    super('stale channel');
    this.name = 'StaleError';
  }
}

export function errorOf(answer: HttpAnswer): { code: string; message: string } {
  const body = answer.body as { error?: { code?: unknown; message?: unknown } } | null;
  const code = typeof body?.error?.code === 'string' ? body.error.code : CLIENT_ERROR_CODES.http;
  const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${answer.status}`;
  return { code, message };
}

export abstract class HttpClientBase extends BaseClient {
  protected abstract readonly via: HttpSendVia;
  private joinPromise: Promise<void> | null = null;
  private readonly controllers = new Set<AbortController>();
  private pumpGeneration = -1;
  private rateLimitAttempt = 0;

  constructor(transport: HttpSendVia, options: ClientOptions = {}) {
    super(transport, options);
  }

  /** Start receiving for this generation; the client has an id by now. */
  protected abstract startReceiving(generation: number): void;
  /** Stop receiving (requests are aborted by the base already). */
  protected abstract stopReceiving(): void;

  protected openChannel(): void {
    const generation = this.generation;
    this.ensureJoined(generation).then(
      () => {
        if (this.isCurrent(generation)) this.startReceiving(generation);
      },
      (error: unknown) => {
        if (!this.isCurrent(generation)) return;
        this.lost(CLIENT_ERROR_CODES.network, describe(error), generation);
      },
    );
  }

  protected closeChannel(_clean: boolean): void {
    this.joinPromise = null;
    this.clearHold();
    for (const controller of [...this.controllers]) controller.abort();
    this.controllers.clear();
    this.stopReceiving();
  }

  // ---- join ---------------------------------------------------------------------------

  /** Single-flight `POST /api/join` when the client has no id. */
  protected ensureJoined(generation: number): Promise<void> {
    if (this.clientId !== null) return Promise.resolve();
    if (this.joinPromise === null) {
      const promise = this.join(generation).finally(() => {
        if (this.joinPromise === promise) this.joinPromise = null;
      });
      this.joinPromise = promise;
    }
    return this.joinPromise;
  }

  private async join(generation: number): Promise<void> {
    const body: { name?: string } = {};
    if (this.opts.name !== undefined) body.name = this.opts.name;
    const answer = await this.request('POST', '/api/join', {}, body, generation, { countMessages: true });
    if (!this.isCurrent(generation)) throw new StaleError();
    if (answer.status !== 201 && answer.status !== 200) {
      const { code, message } = errorOf(answer);
      this.fail(code, message);
      throw new Error(`join refused: ${code}`);
    }
    this.applyJoin(answer.body as JoinResponse);
    this.opened(generation);
  }

  private applyJoin(join: JoinResponse): void {
    // A join that finds a new room already is the rejoin: its id belongs to the new room.
    // Polls and streams in flight asked with the old room's cursor: the channel starts
    // again with this id, and receives from the new cursor once the history below is in.
    const sameRoom = this.judgeAnswer(join);
    this.joined(join.clientId, join.lastSeq);
    if (!sameRoom) this.restartChannel();
    const history = (Array.isArray(join.messages) ? [...join.messages] : []).sort((a, b) => a.seq - b.seq);
    if (!this.cursorKnown) {
      this.deliver(history);
      if (!this.cursorKnown) {
        // The history was empty: start from the room's present.
        this.lastSeq = join.lastSeq;
        this.cursorKnown = true;
        this.changed();
      }
      return;
    }
    // A rejoin with a cursor: the history helps only where it continues the cursor;
    // otherwise the next poll or stream (after=lastSeq) fetches the gap in full.
    const fresh = history.filter((m) => m.seq > this.lastSeq);
    if (fresh.length > 0 && fresh[0]!.seq === this.lastSeq + 1) this.deliver(fresh);
  }

  // ---- receiving helpers ------------------------------------------------------------------

  /**
   * Applies a poll answer. Returns 'restarted' when the room started again (the channel
   * is restarting with a fresh join), 'more' when the server holds more than it sent
   * (a page limit), else 'ok'.
   */
  protected applyPollAnswer(answer: PollResponse): 'restarted' | 'more' | 'ok' {
    if (!this.judgeAnswer(answer)) {
      this.followNewRoom();
      return 'restarted';
    }
    const messages: ChatMessage[] = Array.isArray(answer.messages) ? answer.messages : [];
    const delivered = this.deliver(messages);
    if (!this.cursorKnown) {
      this.lastSeq = answer.lastSeq;
      this.cursorKnown = true;
      this.changed();
    }
    return delivered > 0 && answer.lastSeq > this.lastSeq ? 'more' : 'ok';
  }

  // ---- measured requests ------------------------------------------------------------------

  protected async request(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string | number | undefined>,
    body: object | undefined,
    generation: number,
    extras: RequestExtras = {},
  ): Promise<HttpAnswer> {
    if (!this.isCurrent(generation)) throw new StaleError();
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
    const handle = this.beginRecord({
      kind: 'http',
      method,
      url: url.pathname + url.search,
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
      this.endRecord(handle, {
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
      this.endRecord(handle, { error: controller.signal.aborted ? 'aborted' : describe(error) });
      throw error;
    } finally {
      this.controllers.delete(controller);
    }
  }

  // ---- sends --------------------------------------------------------------------------------

  protected flushSends(): void {
    if (this.status !== 'open' || this.holdTimer !== null || this.pumpGeneration === this.generation) return;
    void this.pump(this.generation);
  }

  /** One send in flight at a time, oldest first: the room sees them in the order they were made. */
  private async pump(generation: number): Promise<void> {
    this.pumpGeneration = generation;
    let rejoins = 0;
    try {
      while (this.isCurrent(generation) && this.status === 'open' && this.holdTimer === null) {
        const item = this.queue.find((q) => !q.done && q.state === 'queued');
        if (item === undefined) return;
        item.state = 'sent';
        let answer: HttpAnswer;
        try {
          await this.ensureJoined(generation);
          const body: SendRequest = {
            clientId: this.clientId ?? '',
            text: item.text,
            clientMsgId: item.clientMsgId,
            via: this.via,
          };
          if (item.name !== undefined) body.name = item.name;
          answer = await this.request('POST', '/api/messages', {}, body, generation);
        } catch (error) {
          if (!this.isCurrent(generation)) return; // aborted by pause/cut/close: resent later, same clientMsgId
          item.state = 'queued';
          this.lost(CLIENT_ERROR_CODES.network, describe(error), generation);
          return;
        }
        if (answer.status === 200 || answer.status === 201) {
          // 201 stored, 200 a repeat of a clientMsgId the server already has: delivered once either way.
          const seq = (answer.body as { message?: { seq?: unknown } } | null)?.message?.seq;
          this.rateLimitAttempt = 0;
          rejoins = 0;
          this.acked(item, typeof seq === 'number' ? seq : 0);
          continue;
        }
        if (item.done) continue; // confirmed by an older pump meanwhile
        item.state = 'queued';
        const { code, message } = errorOf(answer);
        this.fail(code, message);
        switch (sendVerdict(answer.status, code)) {
          case 'rejoin':
            if (++rejoins > MAX_REJOINS_PER_SEND) {
              this.lost(code, 'the server keeps forgetting this client', generation);
              return;
            }
            this.clientId = null;
            this.changed();
            continue; // the next round joins first, then resends the same clientMsgId
          case 'retry-later':
            this.hold(this.retryDelay(this.rateLimitAttempt++, answer.retryAfter));
            return;
          case 'drop':
            this.removeSend(item);
            continue;
          case 'fail-channel':
            this.lost(code, message, generation);
            return;
        }
      }
    } finally {
      if (this.pumpGeneration === generation) this.pumpGeneration = -1;
    }
  }

}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

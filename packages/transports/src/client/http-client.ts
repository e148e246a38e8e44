// What the three HTTP transports share: join, sends over `POST /api/messages` (with the
// client's secret), and the poll-answer rules (truncated, a new room: cursor.ts).
// Short polling, long polling and SSE differ only in how they receive.
import type { ChatMessage, HttpSendVia, JoinResponse, PollResponse, SendRequest } from '../contract.ts';
import { BaseClient } from './base.ts';
import { CLIENT_ERROR_CODES, describe, SHUT_OUT_CODES, StaleError } from './errors.ts';
import { errorOf, type HttpAnswer } from './request.ts';
import { MAX_REJOINS_PER_SEND, sendVerdict } from './send-queue.ts';
import type { ClientOptions } from './types.ts';

export abstract class HttpClientBase extends BaseClient {
  protected abstract readonly via: HttpSendVia;
  private joinPromise: Promise<void> | null = null;
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
    this.sends.clearHold();
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
      if (code === SHUT_OUT_CODES.locked) {
        this.shutOut(code, message);
        throw new StaleError();
      }
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
    const sameRoom = this.cursor.judge(join);
    this.joined(join.clientId, join.clientSecret, join.lastSeq);
    if (!sameRoom) this.restartChannel();
    this.cursor.deliverHistory(Array.isArray(join.messages) ? join.messages : [], join.lastSeq);
  }

  // ---- receiving helpers ------------------------------------------------------------------

  /** A poll or stream answered with an error: a removed client stops, anything else reconnects. */
  protected refusedAnswer(answer: HttpAnswer, generation: number): void {
    const { code, message } = errorOf(answer);
    if (code === SHUT_OUT_CODES.removed) this.shutOut(code, message);
    else this.lost(code, message, generation);
  }

  /**
   * Applies a poll answer. Returns 'restarted' when the room started again (the channel
   * is restarting with a fresh join), 'more' when the server holds more than it sent
   * (a page limit), else 'ok'.
   */
  protected applyPollAnswer(answer: PollResponse): 'restarted' | 'more' | 'ok' {
    if (!this.cursor.judge(answer)) {
      this.followNewRoom();
      return 'restarted';
    }
    const messages: ChatMessage[] = Array.isArray(answer.messages) ? answer.messages : [];
    const delivered = this.cursor.deliver(messages);
    this.cursor.startAt(answer.lastSeq);
    return delivered > 0 && this.cursor.behind(answer.lastSeq) ? 'more' : 'ok';
  }

  // ---- sends --------------------------------------------------------------------------------

  protected flushSends(): void {
    if (this.lifecycle.state !== 'open' || this.sends.held || this.pumpGeneration === this.generation) return;
    void this.pump(this.generation);
  }

  /** One send in flight at a time, oldest first: the room sees them in the order they were made. */
  private async pump(generation: number): Promise<void> {
    this.pumpGeneration = generation;
    let rejoins = 0;
    try {
      while (this.isCurrent(generation) && this.lifecycle.state === 'open' && !this.sends.held) {
        const item = this.sends.next();
        if (item === undefined) return;
        item.state = 'sent';
        let answer: HttpAnswer;
        try {
          await this.ensureJoined(generation);
          const body: SendRequest = {
            clientId: this.clientId ?? '',
            clientSecret: this.clientSecret ?? '',
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
        const verdict = sendVerdict(answer.status, code);
        if (verdict === 'removed') {
          this.shutOut(SHUT_OUT_CODES.removed, message);
          return;
        }
        this.fail(code, message);
        switch (verdict) {
          case 'rejoin':
            if (++rejoins > MAX_REJOINS_PER_SEND) {
              this.lost(code, 'the server keeps refusing this client', generation);
              return;
            }
            this.forgetIdentity();
            continue; // the next round joins first, then resends the same clientMsgId
          case 'retry-later':
            this.sends.hold(this.retryDelay(this.rateLimitAttempt++, answer.retryAfter), () => this.flushSends());
            return;
          case 'drop':
            this.sends.remove(item);
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

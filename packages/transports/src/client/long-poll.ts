// Long polling: `GET /api/longpoll?after=N&timeout=MS` is held by the server until a
// message arrives or the timeout passes; the next poll leaves as soon as an answer lands.
import { TRANSPORTS, type PollResponse } from '../contract.ts';
import { CLIENT_ERROR_CODES, describe } from './errors.ts';
import { HttpClientBase } from './http-client.ts';
import { RequestTimeout } from './request.ts';
import type { ClientOptions } from './types.ts';

/** How long past its own timeout a held poll may stay silent before the client calls it dead. */
export const LONG_POLL_GRACE_MS = 10_000;

/**
 * The shortest time between the starts of two polls when the first came back empty. With
 * `timeout=0` every answer comes at once, and a loop without a floor would ask as fast as
 * the network answers (75 requests a second on a laptop): long polling with timeout 0 is
 * short polling, and it asks at most as often as short polling's default interval.
 */
export const LONG_POLL_MIN_GAP_MS = 1_000;

export class LongPollClient extends HttpClientBase {
  protected readonly via = 'long-poll' as const;
  private controller: AbortController | null = null;
  private watchdog: unknown = null;
  /** Bumped for every poll, so an aborted one (timeout change) goes quietly. */
  private pollToken = 0;
  /** Empty answers in a row that came back long before their timeout (a proxy or a misbehaving server). */
  private quickEmpty = 0;
  private pauseTimer: unknown = null;

  constructor(options: ClientOptions = {}) {
    super('long-poll', options);
  }

  protected startReceiving(generation: number): void {
    // The first poll of a channel asks with timeout=0: an answer at once proves the
    // way is open (status 'open', sends flow) and catches up before the first hold.
    void this.poll(generation, 0, true);
  }

  protected stopReceiving(): void {
    this.pollToken += 1;
    this.clearWatchdog();
    if (this.pauseTimer !== null) {
      this.opts.clearTimeout(this.pauseTimer);
      this.pauseTimer = null;
    }
    this.controller?.abort();
    this.controller = null;
  }

  /** A new timeout applies at once: the held poll is dropped and asked again with it. */
  protected override optionsChanged(changed: { longPollTimeoutMs?: number }): void {
    if (changed.longPollTimeoutMs === undefined || this.controller === null) return;
    const generation = this.generation;
    this.stopReceiving();
    void this.poll(generation, changed.longPollTimeoutMs);
  }

  private clearWatchdog(): void {
    if (this.watchdog !== null) {
      this.opts.clearTimeout(this.watchdog);
      this.watchdog = null;
    }
  }

  /** `probe`: the channel's first poll (timeout=0), which the floor does not hold back. */
  private async poll(generation: number, timeoutMs: number, probe = false): Promise<void> {
    if (!this.isCurrent(generation)) return;
    const token = ++this.pollToken;
    const startedAt = this.now();
    const controller = new AbortController();
    this.controller = controller;
    this.clearWatchdog();
    const silence = `long poll not answered within ${timeoutMs + LONG_POLL_GRACE_MS} ms`;
    this.watchdog = this.opts.setTimeout(() => {
      this.watchdog = null;
      controller.abort(new RequestTimeout(silence));
    }, timeoutMs + LONG_POLL_GRACE_MS);
    let answer;
    try {
      answer = await this.request(
        'GET',
        TRANSPORTS['long-poll'].path,
        { ...this.cursor.query(), timeout: timeoutMs, clientId: this.clientId ?? undefined },
        undefined,
        generation,
        { countMessages: true, poll: true, controller },
      );
    } catch (error) {
      if (token !== this.pollToken || !this.isCurrent(generation)) return;
      this.controller = null;
      this.clearWatchdog();
      const reason: unknown = controller.signal.reason;
      this.lost(CLIENT_ERROR_CODES.network, reason instanceof RequestTimeout ? silence : describe(error), generation);
      return;
    }
    if (token !== this.pollToken || !this.isCurrent(generation)) return;
    this.controller = null;
    this.clearWatchdog();
    if (answer.status !== 200) {
      this.refusedAnswer(answer, generation);
      return;
    }
    const body = answer.body as PollResponse;
    // A held poll is answered at once by a new lesson signal: news, like a message.
    const lessonNews = this.lessonSignal(body.lesson);
    if (this.applyPollAnswer(body) === 'restarted') return;
    this.opened(generation);
    if (lessonNews) {
      this.quickEmpty = 0;
      void this.poll(generation, this.opts.longPollTimeoutMs);
      return;
    }
    // #region next-poll
    // An empty answer long before the timeout would make this loop spin: wait a backoff step then.
    // Whatever the timeout (0 included), an empty answer is followed by a poll no sooner than
    // LONG_POLL_MIN_GAP_MS after this one started.
    const empty = (body.messages?.length ?? 0) === 0;
    const took = this.now() - startedAt;
    const early = timeoutMs > 0 && empty && took < timeoutMs / 2;
    this.quickEmpty = early ? this.quickEmpty + 1 : 0;
    const floor = empty && !probe ? LONG_POLL_MIN_GAP_MS - took : 0;
    const wait = Math.max(floor, this.quickEmpty === 0 ? 0 : this.retryDelay(this.quickEmpty - 1));
    if (wait <= 0) {
      void this.poll(generation, this.opts.longPollTimeoutMs);
      return;
    }
    this.pauseTimer = this.opts.setTimeout(() => {
      this.pauseTimer = null;
      void this.poll(generation, this.opts.longPollTimeoutMs);
    }, wait);
    // #endregion next-poll
  }
}

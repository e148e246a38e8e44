// Short polling: ask `GET /api/poll?after=N` every pollIntervalMs, answered at once.
// Most answers are empty: that cost is what the lane shows. The interval runs from one
// poll's start to the next, so "every 1000 ms" is one request a second, however long
// each answer takes (never two polls at once: a slow answer delays the next).
import { TRANSPORTS, type PollResponse } from '../contract.ts';
import { CLIENT_ERROR_CODES, describe } from './errors.ts';
import { HttpClientBase } from './http-client.ts';
import type { ClientOptions } from './types.ts';

export class ShortPollClient extends HttpClientBase {
  protected readonly via = 'short-poll' as const;
  private pollTimer: unknown = null;
  private lastStartAt: number | null = null;
  private polling = false;

  constructor(options: ClientOptions = {}) {
    super('short-poll', options);
  }

  protected startReceiving(generation: number): void {
    this.lastStartAt = null;
    void this.poll(generation);
  }

  protected stopReceiving(): void {
    this.clearPollTimer();
    this.polling = false;
  }

  /** A new interval applies to the wait in progress: the next poll is due `interval` after the last one started. */
  protected override optionsChanged(changed: { pollIntervalMs?: number }): void {
    if (changed.pollIntervalMs === undefined || this.pollTimer === null) return;
    this.schedule(this.generation, this.dueIn(changed.pollIntervalMs));
  }

  /** How long until `interval` has passed since the last poll started. */
  private dueIn(interval: number): number {
    const since = this.lastStartAt === null ? interval : this.now() - this.lastStartAt;
    return Math.max(0, interval - since);
  }

  private schedule(generation: number, ms: number): void {
    this.clearPollTimer();
    this.pollTimer = this.opts.setTimeout(() => {
      this.pollTimer = null;
      void this.poll(generation);
    }, ms);
  }

  private clearPollTimer(): void {
    if (this.pollTimer !== null) {
      this.opts.clearTimeout(this.pollTimer);
      this.pollTimer = null;
    }
  }

  private async poll(generation: number): Promise<void> {
    if (!this.isCurrent(generation) || this.polling) return;
    this.polling = true;
    this.lastStartAt = this.now();
    let answer;
    try {
      answer = await this.request(
        'GET',
        TRANSPORTS['short-poll'].path,
        { ...this.cursor.query(), clientId: this.clientId ?? undefined },
        undefined,
        generation,
        { countMessages: true, poll: true },
      );
    } catch (error) {
      if (!this.isCurrent(generation)) return;
      this.lost(CLIENT_ERROR_CODES.network, describe(error), generation);
      return;
    } finally {
      if (generation === this.generation) this.polling = false;
    }
    if (!this.isCurrent(generation)) return;
    if (answer.status !== 200) {
      this.refusedAnswer(answer, generation);
      return;
    }
    const body = answer.body as PollResponse;
    this.lessonSignal(body.lesson);
    const result = this.applyPollAnswer(body);
    if (result === 'restarted') return;
    this.opened(generation);
    this.schedule(generation, result === 'more' ? 0 : this.dueIn(this.opts.pollIntervalMs));
  }
}

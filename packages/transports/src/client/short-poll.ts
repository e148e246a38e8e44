// Short polling: ask `GET /api/poll?after=N` every pollIntervalMs, answered at once.
// Most answers are empty: that cost is what the lane shows.
import type { PollResponse } from '../contract.ts';
import { CLIENT_ERROR_CODES } from './base.ts';
import { describe, errorOf, HttpClientBase } from './http-client.ts';
import type { ClientOptions } from './types.ts';

export class ShortPollClient extends HttpClientBase {
  protected readonly via = 'short-poll' as const;
  private pollTimer: unknown = null;
  private lastAnswerAt: number | null = null;
  private polling = false;

  constructor(options: ClientOptions = {}) {
    super('short-poll', options);
  }

  protected startReceiving(epoch: number): void {
    this.lastAnswerAt = null;
    void this.poll(epoch);
  }

  protected stopReceiving(): void {
    this.clearPollTimer();
    this.polling = false;
  }

  /** A new interval applies to the wait in progress: the next poll is due `interval` after the last answer. */
  protected override optionsChanged(changed: { pollIntervalMs?: number }): void {
    if (changed.pollIntervalMs === undefined || this.pollTimer === null) return;
    const epoch = this.epoch;
    const since = this.lastAnswerAt === null ? 0 : this.now() - this.lastAnswerAt;
    this.schedule(epoch, Math.max(0, changed.pollIntervalMs - since));
  }

  private schedule(epoch: number, ms: number): void {
    this.clearPollTimer();
    this.pollTimer = this.opts.setTimeout(() => {
      this.pollTimer = null;
      void this.poll(epoch);
    }, ms);
  }

  private clearPollTimer(): void {
    if (this.pollTimer !== null) {
      this.opts.clearTimeout(this.pollTimer);
      this.pollTimer = null;
    }
  }

  private async poll(epoch: number): Promise<void> {
    if (!this.isCurrent(epoch) || this.polling) return;
    this.polling = true;
    let answer;
    try {
      answer = await this.request(
        'GET',
        '/api/poll',
        { after: this.cursor(), clientId: this.clientId ?? undefined },
        undefined,
        epoch,
        { countMessages: true, poll: true },
      );
    } catch (error) {
      if (!this.isCurrent(epoch)) return;
      this.lost(CLIENT_ERROR_CODES.network, describe(error), epoch);
      return;
    } finally {
      if (epoch === this.epoch) this.polling = false;
    }
    if (!this.isCurrent(epoch)) return;
    if (answer.status !== 200) {
      const { code, message } = errorOf(answer);
      this.lost(code, message, epoch);
      return;
    }
    const result = this.applyPollAnswer(answer.body as PollResponse);
    if (result === 'restarted') return;
    this.lastAnswerAt = this.now();
    this.opened(epoch);
    this.schedule(epoch, result === 'more' ? 0 : this.opts.pollIntervalMs);
  }
}

// Short polling: ask `GET /api/poll?after=N` every pollIntervalMs, answered at once.
// Most answers are empty: that cost is what the lane shows.
import { TRANSPORTS, type PollResponse } from '../contract.ts';
import { CLIENT_ERROR_CODES, describe } from './errors.ts';
import { HttpClientBase } from './http-client.ts';
import type { ClientOptions } from './types.ts';

export class ShortPollClient extends HttpClientBase {
  protected readonly via = 'short-poll' as const;
  private pollTimer: unknown = null;
  private lastAnswerAt: number | null = null;
  private polling = false;

  constructor(options: ClientOptions = {}) {
    super('short-poll', options);
  }

  protected startReceiving(generation: number): void {
    this.lastAnswerAt = null;
    void this.poll(generation);
  }

  protected stopReceiving(): void {
    this.clearPollTimer();
    this.polling = false;
  }

  /** A new interval applies to the wait in progress: the next poll is due `interval` after the last answer. */
  protected override optionsChanged(changed: { pollIntervalMs?: number }): void {
    if (changed.pollIntervalMs === undefined || this.pollTimer === null) return;
    const generation = this.generation;
    const since = this.lastAnswerAt === null ? 0 : this.now() - this.lastAnswerAt;
    this.schedule(generation, Math.max(0, changed.pollIntervalMs - since));
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
    const result = this.applyPollAnswer(answer.body as PollResponse);
    if (result === 'restarted') return;
    this.lastAnswerAt = this.now();
    this.opened(generation);
    this.schedule(generation, result === 'more' ? 0 : this.opts.pollIntervalMs);
  }
}

// Reconnect delays: exponential growth, capped, with random jitter taken off the top.
// delay(n) = min(maxMs, initialMs * factor^n) * (1 - jitter * random())
import type { BackoffOptions } from './types.ts';

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  initialMs: 250,
  maxMs: 10_000,
  factor: 2,
  jitter: 0.5,
});

export function resolveBackoff(options?: Partial<BackoffOptions>): BackoffOptions {
  const merged = { ...DEFAULT_BACKOFF, ...options };
  if (!(merged.initialMs >= 0) || !(merged.maxMs >= merged.initialMs) || !(merged.factor >= 1)) {
    throw new RangeError('backoff: need 0 <= initialMs <= maxMs and factor >= 1');
  }
  if (!(merged.jitter >= 0 && merged.jitter <= 1)) throw new RangeError('backoff: jitter must be in 0..1');
  return merged;
}

/** Delay before reconnect attempt `attempt` (0 for the first retry after a drop). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
  const r = Math.min(1, Math.max(0, random()));
  return ceiling * (1 - options.jitter * r);
}

/** Counts attempts; `next()` gives the delay and advances, `reset()` after a successful open. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number,
  ) {}
  next(): number {
    const delay = backoffDelay(this.attempt, this.options, this.random);
    this.attempt += 1;
    return delay;
  }
  reset(): void {
    this.attempt = 0;
  }
  get attempts(): number {
    return this.attempt;
  }
}

// Long polling: a request with nothing new to answer is held until a message
// arrives or its timeout runs out. The hub keeps the held requests; it does
// no I/O and takes its timers from outside, so a 30-second hold is tested in
// milliseconds with fake timers.

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Why a held poll is answered. */
export type WakeReason = 'message' | 'timeout' | 'shutdown';

interface Waiter {
  after: number;
  timer: unknown;
  wake: (reason: WakeReason) => void;
}

export class LongPollHub {
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  constructor(private readonly timers: Timers = systemTimers) {}

  /**
   * Holds a poll that has seen `after`. `wake` is called exactly once, unless
   * the returned release function is called first (the client went away).
   */
  // #region hold
  hold(after: number, timeoutMs: number, wake: (reason: WakeReason) => void): () => void {
    const waiter: Waiter = { after, timer: undefined, wake };
    // After shutdown nothing is held: a poll that still arrives is answered on the next tick.
    const reason: WakeReason = this.closed ? 'shutdown' : 'timeout';
    waiter.timer = this.timers.setTimeout(() => this.answer(waiter, reason), this.closed ? 0 : timeoutMs);
    this.waiters.add(waiter);
    return () => this.release(waiter);
  }

  /** A message with this seq was stored: answer every poll waiting for it. */
  notify(seq: number): void {
    for (const waiter of this.waiters) {
      if (waiter.after < seq) this.answer(waiter, 'message');
    }
  }
  // #endregion hold

  /** Answers every held poll (empty), and every later one at once, for a server that is shutting down. */
  shutdown(): void {
    this.closed = true;
    for (const waiter of this.waiters) this.answer(waiter, 'shutdown');
  }

  /** Held polls right now. */
  get size(): number {
    return this.waiters.size;
  }

  private answer(waiter: Waiter, reason: WakeReason): void {
    if (!this.release(waiter)) return;
    waiter.wake(reason);
  }

  private release(waiter: Waiter): boolean {
    if (!this.waiters.delete(waiter)) return false;
    this.timers.clearTimeout(waiter.timer);
    return true;
  }
}

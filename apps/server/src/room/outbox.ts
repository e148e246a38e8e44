// A peer's debug delay (POST /api/debug/delay): chunks leave in order, each no
// sooner than `delay()` ms after it was pushed. With no delay and nothing
// queued, a chunk is written at once. `bytes` counts what waits, so the
// backpressure rule sees it.
import type { FanOutTimers } from './fanout.ts';

export class Outbox<T> {
  private readonly queue: { due: number; item: T; size: number }[] = [];
  private timer: unknown;
  bytes = 0;

  constructor(
    private readonly delay: () => number,
    private readonly write: (item: T) => void,
    private readonly timers: FanOutTimers,
    /** After queued chunks were written (the peer may have room again). */
    private readonly flushed: () => void = () => {},
  ) {}

  push(item: T, size: number): void {
    const ms = this.delay();
    if (ms <= 0 && this.queue.length === 0) return this.write(item);
    this.queue.push({ due: this.timers.now() + ms, item, size });
    this.bytes += size;
    this.schedule();
  }

  /** Drops what is queued (the connection is gone). */
  clear(): void {
    this.queue.length = 0;
    this.bytes = 0;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      const now = this.timers.now();
      while (this.queue.length > 0 && this.queue[0]!.due <= now) {
        const { item, size } = this.queue.shift()!;
        this.bytes -= size;
        this.write(item);
      }
      this.schedule();
      this.flushed();
    }, Math.max(0, this.queue[0]!.due - this.timers.now()));
  }
}

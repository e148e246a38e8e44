// A minimal external store for useSyncExternalStore: immutable snapshots,
// change notifications coalesced to one per animation frame.

export type Schedule = (fn: () => void) => void;

/** requestAnimationFrame in a visible page; a timer otherwise (hidden tabs and Node). */
export const frameSchedule: Schedule = (fn) => {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) {
    requestAnimationFrame(() => fn());
  } else {
    setTimeout(fn, 16);
  }
};

export const syncSchedule: Schedule = (fn) => fn();

export class Store<S> {
  private listeners = new Set<() => void>();
  private scheduled = false;
  private lastFlush = -Infinity;

  /**
   * `minIntervalMs` spaces notifications out under load (a room of 60 chatty
   * students): at most one per frame, and at most one per minIntervalMs.
   */
  constructor(
    private snapshot: S,
    private readonly schedule: Schedule = frameSchedule,
    private readonly minIntervalMs = 0,
    private readonly now: () => number = () => performance.now(),
  ) {}

  getSnapshot = (): S => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Replaces the snapshot; listeners hear about it at the next frame. */
  set(next: S): void {
    this.snapshot = next;
    this.notify();
  }

  update(fn: (s: S) => S): void {
    this.set(fn(this.snapshot));
  }

  /** For mutable chart columns: tell listeners without a new snapshot object. */
  notify(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      this.lastFlush = this.now();
      for (const l of [...this.listeners]) l();
    };
    const wait = this.minIntervalMs > 0 ? this.lastFlush + this.minIntervalMs - this.now() : 0;
    if (wait > 0) setTimeout(() => this.schedule(flush), wait);
    else this.schedule(flush);
  }
}

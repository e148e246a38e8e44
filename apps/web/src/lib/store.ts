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

  constructor(
    private snapshot: S,
    private readonly schedule: Schedule = frameSchedule,
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
    this.schedule(() => {
      this.scheduled = false;
      for (const l of [...this.listeners]) l();
    });
  }
}

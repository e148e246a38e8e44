// A minimal external store for useSyncExternalStore: immutable snapshots, change
// notifications coalesced.
//
// On the page's frame clock (frameSchedule) every store that changed is flushed by one
// animation-frame callback, so React renders them in one pass. A store is heard from at the
// next frame while it changes now and then (a click, a keystroke, a sent message with its
// ack and echo); once it keeps changing (a lane receiving 20 messages a second, a chart, a
// class of 60 students) it is paced to one notification per BUSY_INTERVAL_MS, on the page
// clock's whole intervals: every busy store is redrawn in the same frame, so the page lays
// out and paints once a second under load, not once per store.
//
// The view (getView, what useStore renders) is the snapshot as of the last notification:
// a component that renders for another reason (the server's figures once a second) shows
// what its store last published, not the newest snapshot, so a paced store is drawn at its
// pace and no faster. The model reads getSnapshot, always the newest.

export type Schedule = (fn: () => void) => void;

/** How often a busy store on the frame clock is heard from: the page's redraw rate under load. */
export const BUSY_INTERVAL_MS = 1000;
/** Notifications a store on the frame clock may send at once before it counts as busy. */
export const BURST = 3;
const pending: Array<() => void> = [];
let frameRequested = false;

function runFrame(): void {
  frameRequested = false;
  for (const fn of pending.splice(0)) fn();
}

/** The next animation frame in a visible page (a timer otherwise: hidden tabs and Node), one callback for every store. */
export const frameSchedule: Schedule = (fn) => {
  pending.push(fn);
  if (frameRequested) return;
  frameRequested = true;
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) requestAnimationFrame(runFrame);
  else setTimeout(runFrame, 16);
};

export const syncSchedule: Schedule = (fn) => fn();

export class Store<S> {
  private listeners = new Set<() => void>();
  private scheduled = false;
  // A token bucket: `burst` notifications at once, then one per interval.
  private readonly intervalMs: number;
  private readonly burst: number;
  private tokens: number;
  private published: S;
  private hurried = false;
  private refilledAt = -Infinity;

  /**
   * `minIntervalMs`: at most one notification per minIntervalMs. On the frame clock a
   * store is paced by BUSY_INTERVAL_MS (or minIntervalMs when longer) after a burst of BURST.
   */
  constructor(
    private snapshot: S,
    private readonly schedule: Schedule = frameSchedule,
    minIntervalMs = 0,
    private readonly now: () => number = () => performance.now(),
  ) {
    const onFrames = schedule === frameSchedule;
    this.intervalMs = onFrames ? Math.max(minIntervalMs, BUSY_INTERVAL_MS) : minIntervalMs;
    this.burst = onFrames ? BURST : 1;
    this.tokens = this.burst;
    this.published = snapshot;
  }

  /** The newest snapshot (the model's). */
  getSnapshot = (): S => this.snapshot;

  /** The snapshot listeners were last told about (the view's). */
  getView = (): S => this.published;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Replaces the snapshot; listeners hear about it at the next frame, or at the store's next tick while it is busy. */
  set(next: S): void {
    this.snapshot = next;
    this.notify();
  }

  update(fn: (s: S) => S): void {
    this.set(fn(this.snapshot));
  }

  /**
   * Replaces the snapshot and is heard from at the next frame whatever the pace: a change the
   * user is waiting to see (a lane paused, cut, reconnected), even on a lane flooded with
   * messages. A paced notification still due comes as well, and finds nothing new.
   */
  setNow(next: S): void {
    this.snapshot = next;
    if (this.hurried) return;
    this.hurried = true;
    this.schedule(() => {
      this.hurried = false;
      this.publish();
    });
  }

  private publish(): void {
    this.published = this.snapshot;
    for (const l of [...this.listeners]) l();
  }

  /** For mutable chart columns: tell listeners without a new snapshot object. */
  notify(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      this.publish();
    };
    if (this.intervalMs <= 0) return this.schedule(flush);
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (t - this.refilledAt) / this.intervalMs);
    this.refilledAt = t;
    this.tokens -= 1;
    if (this.tokens >= 0) return this.schedule(flush);
    // Busy: the page clock's first whole interval once the token it borrowed has come in.
    const due = t - this.tokens * this.intervalMs;
    const tick = Math.ceil(due / this.intervalMs) * this.intervalMs;
    // Spent until then: a change soon after the tick waits for the next one, in step with the others.
    this.tokens = 0;
    this.refilledAt = tick;
    setTimeout(() => this.schedule(flush), tick - t);
  }
}

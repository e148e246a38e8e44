// A minimal external store for useSyncExternalStore: immutable snapshots, change
// notifications coalesced.
//
// On the page's frame clock (frameSchedule) every store that changed is flushed by one
// animation-frame callback, so React renders them in one pass. A store that keeps changing
// (a lane receiving 20 messages a second, a chart, a class of 60 students) is paced: once
// busy it is heard from at most every BUSY_INTERVAL_MS, on ticks of its own phase, so the
// busy stores take turns across frames instead of piling into one long frame. A quiet store
// (a click, a keystroke, the first message after a lull) is heard from at the next frame.

export type Schedule = (fn: () => void) => void;

/** How often a busy store on the frame clock is heard from: the page's redraw rate under load. */
export const BUSY_INTERVAL_MS = 250;
/** Busy stores' phases are about one frame apart. */
const PHASE_STEP_MS = 17;

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

let created = 0;

export class Store<S> {
  private listeners = new Set<() => void>();
  private scheduled = false;
  /** When the last notification was due (its flush runs at the frame after). */
  private lastDue = -Infinity;
  private readonly intervalMs: number;
  private readonly phaseMs: number;

  /**
   * `minIntervalMs`: at most one notification per minIntervalMs; on the frame clock
   * at most one per BUSY_INTERVAL_MS too.
   */
  constructor(
    private snapshot: S,
    private readonly schedule: Schedule = frameSchedule,
    minIntervalMs = 0,
    private readonly now: () => number = () => performance.now(),
  ) {
    const onFrames = schedule === frameSchedule;
    this.intervalMs = onFrames ? Math.max(minIntervalMs, BUSY_INTERVAL_MS) : minIntervalMs;
    this.phaseMs = onFrames ? (created++ * PHASE_STEP_MS) % this.intervalMs : 0;
  }

  getSnapshot = (): S => this.snapshot;

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

  /** For mutable chart columns: tell listeners without a new snapshot object. */
  notify(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      for (const l of [...this.listeners]) l();
    };
    const t = this.now();
    const due = this.lastDue + this.intervalMs;
    if (!(due > t)) {
      this.lastDue = t;
      this.schedule(flush);
      return;
    }
    // Busy: the first tick of this store's phase at or after `due`.
    const tick = Math.ceil((due - this.phaseMs) / this.intervalMs) * this.intervalMs + this.phaseMs;
    this.lastDue = tick;
    setTimeout(() => this.schedule(flush), tick - t);
  }
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import { BURST, BUSY_INTERVAL_MS, Store, frameSchedule, syncSchedule } from '../src/lib/store.ts';

describe('Store', () => {
  afterEach(() => vi.useRealTimers());

  it('hands out the new immutable snapshot and notifies subscribers', () => {
    const s = new Store({ n: 0 }, syncSchedule);
    const seen: number[] = [];
    const off = s.subscribe(() => seen.push(s.getSnapshot().n));
    const first = s.getSnapshot();
    s.update((x) => ({ n: x.n + 1 }));
    expect(s.getSnapshot()).not.toBe(first);
    expect(first.n).toBe(0);
    off();
    s.set({ n: 5 });
    expect(seen).toEqual([1]);
  });

  it('coalesces changes into one notification per scheduled flush', () => {
    const queue: Array<() => void> = [];
    const s = new Store(0, (fn) => queue.push(fn));
    let calls = 0;
    s.subscribe(() => calls++);
    s.set(1);
    s.set(2);
    s.set(3);
    expect(queue).toHaveLength(1);
    queue.shift()!();
    expect(calls).toBe(1);
    expect(s.getSnapshot()).toBe(3);
  });

  it('spaces notifications by minIntervalMs', () => {
    vi.useFakeTimers();
    let clock = 0;
    const s = new Store(0, syncSchedule, 100, () => clock);
    let calls = 0;
    s.subscribe(() => calls++);
    s.set(1); // first flush at once
    expect(calls).toBe(1);
    clock = 30;
    s.set(2);
    s.set(3);
    expect(calls).toBe(1);
    clock = 100;
    vi.advanceTimersByTime(70);
    expect(calls).toBe(2);
    expect(s.getSnapshot()).toBe(3);
  });
});

// The page's frame clock; in Node (no document) a frame is a 16 ms timer.
describe('Store on the frame clock', () => {
  afterEach(() => vi.useRealTimers());

  /** A store on the frame clock whose flushes are logged as [store, time, value]. */
  function watched(name: string, log: Array<[string, number, number]>): Store<number> {
    const s = new Store(0, frameSchedule, 0, () => Date.now());
    s.subscribe(() => log.push([name, Date.now(), s.getSnapshot()]));
    return s;
  }

  it('flushes every store that changed in one frame callback, so React renders them together', () => {
    vi.useFakeTimers();
    const log: Array<[string, number, number]> = [];
    const lanes = ['ws-raw', 'sse', 'short-poll'].map((n) => watched(n, log));
    lanes.forEach((s, i) => s.set(i + 1));
    // One frame requested for all three.
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(16);
    expect(log.map(([n, , v]) => [n, v])).toEqual([
      ['ws-raw', 1],
      ['sse', 2],
      ['short-poll', 3],
    ]);
    expect(new Set(log.map(([, t]) => t)).size).toBe(1);
  });

  it('a lane receiving 20 messages a second is paced to one notification per BUSY_INTERVAL_MS after a burst, and the last value is never lost', () => {
    vi.useFakeTimers();
    const log: Array<[string, number, number]> = [];
    const lane = watched('lane', log);
    const t0 = Date.now();
    for (let k = 1; k <= 40; k++) {
      lane.set(k);
      vi.advanceTimersByTime(50);
    }
    vi.advanceTimersByTime(2 * BUSY_INTERVAL_MS);
    // The first messages at the next frame each, then about one notification per interval, not 40.
    expect(log[0]![1] - t0).toBeLessThanOrEqual(16);
    expect(log.length).toBeLessThanOrEqual(BURST + Math.ceil(2_000 / BUSY_INTERVAL_MS) + 1);
    const paced = log.slice(BURST);
    expect(paced.length).toBeGreaterThanOrEqual(Math.floor(2_000 / BUSY_INTERVAL_MS) - 1);
    for (let i = 1; i < paced.length; i++) expect(paced[i]![1] - paced[i - 1]![1]).toBeGreaterThanOrEqual(BUSY_INTERVAL_MS - 16);
    expect(log.at(-1)![2]).toBe(40);
  });

  it('a sent message (its request, its ack and its echo a few ms apart) is shown at once, not an interval later', () => {
    vi.useFakeTimers();
    const log: Array<[string, number, number]> = [];
    const lane = watched('lane', log);
    vi.advanceTimersByTime(5 * BUSY_INTERVAL_MS);
    const sentAt = Date.now();
    for (const [k, after] of [
      [1, 3],
      [2, 20],
      [3, 0],
    ] as const) {
      lane.set(k);
      vi.advanceTimersByTime(after);
    }
    vi.advanceTimersByTime(16);
    expect(log.at(-1)![2]).toBe(3);
    expect(log.at(-1)![1] - sentAt).toBeLessThanOrEqual(23 + 16);
  });

  it('a quiet store (a keystroke after a pause) is heard from at the next frame', () => {
    vi.useFakeTimers();
    const log: Array<[string, number, number]> = [];
    const settings = watched('settings', log);
    for (let k = 1; k <= 10; k++) settings.set(k);
    vi.advanceTimersByTime(BURST * BUSY_INTERVAL_MS);
    const typedAt = Date.now();
    settings.set(11);
    vi.advanceTimersByTime(16);
    expect(log.map(([, t, v]) => [t - typedAt, v]).at(-1)).toEqual([16, 11]);
  });

  it('busy stores share their frames: two lanes busy at once are redrawn in the same frame, on the page clock\'s whole intervals', () => {
    vi.useFakeTimers();
    const log: Array<[string, number, number]> = [];
    const a = watched('a', log);
    const b = watched('b', log);
    // Busy for four pacing intervals: a change every 50 ms on both, b a little after a.
    for (let k = 1; k <= (4 * BUSY_INTERVAL_MS) / 50; k++) {
      a.set(k);
      vi.advanceTimersByTime(7);
      b.set(k);
      vi.advanceTimersByTime(43);
    }
    vi.advanceTimersByTime(2 * BUSY_INTERVAL_MS);
    const times = (n: string) => log.filter(([x]) => x === n).slice(BURST).map(([, t]) => t);
    expect(times('a').length).toBeGreaterThanOrEqual(3);
    expect(times('b').length).toBeGreaterThanOrEqual(3);
    // Each paced redraw is the frame after a whole interval of the page clock…
    for (const t of [...times('a'), ...times('b')]) expect(t % BUSY_INTERVAL_MS).toBeLessThanOrEqual(16);
    // …so two stores redrawn in the same second are redrawn in the same frame.
    const shared = times('a').filter((t) => times('b').some((u) => Math.floor(u / BUSY_INTERVAL_MS) === Math.floor(t / BUSY_INTERVAL_MS)));
    expect(shared.length).toBeGreaterThanOrEqual(2);
    for (const t of shared) expect(times('b')).toContain(t);
  });

  it("the view is what was last published: a component re-rendered for another reason does not show a paced store's newer snapshot", () => {
    vi.useFakeTimers();
    const log: Array<[string, number, number]> = [];
    const lane = watched('lane', log);
    for (let k = 1; k <= 20; k++) {
      lane.set(k);
      vi.advanceTimersByTime(50);
    }
    // The model sees every change; the view only what the last notification carried.
    expect(lane.getSnapshot()).toBe(20);
    expect(lane.getView()).toBe(log.at(-1)![2]);
    expect(lane.getView()).toBeLessThan(20);
    vi.advanceTimersByTime(BUSY_INTERVAL_MS);
    expect(lane.getView()).toBe(20);
    expect(log.at(-1)![2]).toBe(20);
  });
});

describe('a change the user is waiting to see', () => {
  afterEach(() => vi.useRealTimers());

  it('setNow is heard from at the next frame even while the store is paced, and the paced notification still due finds the same view', () => {
    vi.useFakeTimers();
    // 100 ms past a whole interval: the busy spell below ends 100 ms past one too, far from the next.
    vi.setSystemTime(50 * BUSY_INTERVAL_MS + 100);
    const s = new Store(0, frameSchedule, 0, () => Date.now());
    const seen: Array<[number, number]> = [];
    s.subscribe(() => seen.push([Date.now(), s.getView()]));
    // Busy: a change every 50 ms for two intervals.
    for (let k = 1; k <= (2 * BUSY_INTERVAL_MS) / 50; k++) {
      s.set(k);
      vi.advanceTimersByTime(50);
    }
    const busyUntil = seen.length;
    s.set(1000);
    // A paced change waits for the next whole interval…
    vi.advanceTimersByTime(16);
    expect(seen.length).toBe(busyUntil);
    // …a change the user waits for does not.
    const clickedAt = Date.now();
    s.setNow(-1);
    vi.advanceTimersByTime(16);
    expect(seen.at(-1)).toEqual([clickedAt + 16, -1]);
    expect(s.getView()).toBe(-1);
    vi.advanceTimersByTime(BUSY_INTERVAL_MS);
    expect(s.getView()).toBe(-1);
  });
});

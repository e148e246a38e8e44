import { afterEach, describe, expect, it, vi } from 'vitest';
import { Store, syncSchedule } from '../src/lib/store.ts';

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

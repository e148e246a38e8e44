import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LongPollHub, systemTimers, type WakeReason } from '../../src/polling/long-poll-hub.ts';

describe('LongPollHub', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('holds a poll for the whole 30 s and answers it at the timeout', () => {
    const hub = new LongPollHub(systemTimers);
    const wake = vi.fn<(r: WakeReason) => void>();
    hub.hold(5, 30_000, wake);
    vi.advanceTimersByTime(29_999);
    expect(wake).not.toHaveBeenCalled();
    expect(hub.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(wake).toHaveBeenCalledExactlyOnceWith('timeout');
    expect(hub.size).toBe(0);
  });

  it('answers only the polls that have not seen the new seq, once each', () => {
    const hub = new LongPollHub(systemTimers);
    const behind = vi.fn();
    const current = vi.fn();
    hub.hold(3, 30_000, behind);
    hub.hold(4, 30_000, current);
    hub.notify(4);
    expect(behind).toHaveBeenCalledExactlyOnceWith('message');
    expect(current).not.toHaveBeenCalled();
    hub.notify(5);
    expect(current).toHaveBeenCalledExactlyOnceWith('message');
    vi.advanceTimersByTime(60_000);
    expect(behind).toHaveBeenCalledTimes(1);
    expect(current).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a released poll is never answered and leaves no timer behind', () => {
    const hub = new LongPollHub(systemTimers);
    const wakes = Array.from({ length: 1000 }, () => vi.fn());
    const releases = wakes.map((wake) => hub.hold(0, 30_000, wake));
    expect(vi.getTimerCount()).toBe(1000);
    for (const release of releases) release();
    expect(hub.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    hub.notify(1);
    vi.advanceTimersByTime(60_000);
    for (const wake of wakes) expect(wake).not.toHaveBeenCalled();
  });

  it('shutdown answers every held poll', () => {
    const hub = new LongPollHub(systemTimers);
    const wake = vi.fn();
    hub.hold(0, 30_000, wake);
    hub.hold(7, 30_000, wake);
    hub.shutdown();
    expect(wake.mock.calls).toEqual([['shutdown'], ['shutdown']]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('after shutdown a new poll is not held', () => {
    const hub = new LongPollHub(systemTimers);
    hub.shutdown();
    const wake = vi.fn();
    hub.hold(0, 30_000, wake);
    vi.advanceTimersByTime(0);
    expect(wake).toHaveBeenCalledExactlyOnceWith('shutdown');
    expect(hub.size).toBe(0);
  });

  it('takes its timers from outside', () => {
    const scheduled: Array<() => void> = [];
    const hub = new LongPollHub({ setTimeout: (fn) => scheduled.push(fn), clearTimeout: () => {} });
    const wake = vi.fn();
    hub.hold(0, 30_000, wake);
    scheduled[0]!();
    expect(wake).toHaveBeenCalledWith('timeout');
  });
});

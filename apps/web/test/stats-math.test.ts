import { describe, expect, it } from 'vitest';
import {
  bytesPerMessage,
  histograms,
  niceBinWidth,
  offsetSample,
  percentileSorted,
  percentiles,
  ratesPerSecond,
  secondOf,
} from '../src/lib/stats-math.ts';

describe('percentiles (nearest rank)', () => {
  it('of 1..100 are the ranks themselves', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose
    const p = percentiles(values);
    expect(p).toMatchObject({ count: 100, min: 1, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });

  it('of a single sample are that sample', () => {
    expect(percentiles([7])).toMatchObject({ p50: 7, p95: 7, p99: 7, min: 7, max: 7 });
  });

  it('of ten samples: p95 and p99 are the maximum, p50 the fifth', () => {
    const p = percentiles([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    expect(p.p50).toBe(5);
    expect(p.p95).toBe(10);
    expect(p.p99).toBe(10);
  });

  it('of nothing are NaN', () => {
    const p = percentiles([]);
    expect(p.count).toBe(0);
    expect(Number.isNaN(p.p50)).toBe(true);
    expect(Number.isNaN(percentileSorted([], 50))).toBe(true);
  });

  it('p0 and p100 are min and max', () => {
    expect(percentileSorted([1, 2, 3], 0)).toBe(1);
    expect(percentileSorted([1, 2, 3], 100)).toBe(3);
  });
});

describe('histograms', () => {
  it('picks 1-2-5 bin widths', () => {
    expect(niceBinWidth(100, 10)).toBe(10);
    expect(niceBinWidth(120, 10)).toBe(20);
    expect(niceBinWidth(37, 10)).toBe(5);
    expect(niceBinWidth(0, 10)).toBe(1);
  });

  it('counts several sets over shared bins, every sample once', () => {
    const h = histograms([[0, 1, 9.9, 10, 55], [3]], 10);
    expect(h.binWidth).toBe(10);
    expect(h.edges).toEqual([0, 10, 20, 30, 40, 50]);
    expect(h.counts[0]).toEqual([3, 1, 0, 0, 0, 1]);
    expect(h.counts[1]).toEqual([1, 0, 0, 0, 0, 0]);
  });

  it('puts negative values (clock skew) in the first bin', () => {
    const h = histograms([[-3, 0, 40]], 10);
    expect(h.counts[0]![0]).toBe(2);
  });
});

describe('ratesPerSecond', () => {
  it('is the delta over the time step', () => {
    expect(ratesPerSecond([0, 1, 2, 4], [0, 5, 5, 9])).toEqual([0, 5, 0, 2]);
  });
  it('restarts after a counter reset', () => {
    expect(ratesPerSecond([0, 1, 2], [10, 20, 3])).toEqual([0, 10, 3]);
  });
  it('is 0 for a zero time step', () => {
    expect(ratesPerSecond([1, 1], [0, 4])).toEqual([0, 0]);
  });
});

describe('secondOf', () => {
  it('puts a time in the whole second it falls in: [k, k + 1)', () => {
    expect([0, 0.999, 1, 1.02, 2.9999].map(secondOf)).toEqual([0, 0, 1, 1, 2]);
  });
});

describe('bytesPerMessage', () => {
  it('charges all bytes, both directions, to the delivered messages', () => {
    const b = bytesPerMessage({ headerBytesUp: 300, payloadBytesUp: 100, headerBytesDown: 500, payloadBytesDown: 300 }, 4);
    expect(b).toEqual({
      messages: 4,
      headerBytes: 800,
      payloadBytes: 400,
      headerPerMessage: 200,
      payloadPerMessage: 100,
      totalPerMessage: 300,
    });
  });
  it('is NaN per message before any delivery, totals still counted', () => {
    const b = bytesPerMessage({ headerBytesUp: 10, payloadBytesUp: 0, headerBytesDown: 0, payloadBytesDown: 0 }, 0);
    expect(b.headerBytes).toBe(10);
    expect(Number.isNaN(b.headerPerMessage)).toBe(true);
  });
});

describe('offsetSample', () => {
  it('puts the server stamp at the middle of the round trip', () => {
    // sent at 1000, acked at 1040: the server stored it around 1020 on our clock.
    expect(offsetSample(1000, 1040, 5020)).toEqual({ offset: 4000, rtt: 40 });
  });
});

import { describe, expect, it } from 'vitest';
import { PERCENTILE_METHOD, Reservoir, mean, median, mergeWeighted, pairedRatio, percentile, percentileOfSorted, spread } from '../src/stats.ts';
import { shares } from '../src/scenarios/config.ts';
import { fmtSpread } from '../src/report/format.ts';

describe('percentile', () => {
  it('by nearest rank, as the dashboard: the smallest value with at least p% of the values at or below it', () => {
    expect(PERCENTILE_METHOD).toBe('nearest rank');
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 51)).toBe(3);
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20);
    expect(percentile([0, 100], 99)).toBe(100);
  });
  it('sorts numerically, not as strings, and leaves the input alone', () => {
    const input = [10, 9, 100, 1];
    expect(percentile(input, 0)).toBe(1);
    expect(percentile(input, 100)).toBe(100);
    expect(input).toEqual([10, 9, 100, 1]);
  });
  it('handles one value and no values', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
    expect(Number.isNaN(percentileOfSorted([], 50))).toBe(true);
  });
  it('rejects a p outside 0..100', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
  it('p99 of 1..100 is the 99th value, never a blend of two', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile(v, 99.5)).toBe(100);
  });
});

describe('median and mean', () => {
  it('odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(Number.isNaN(mean([]))).toBe(true);
  });
});

describe('spread', () => {
  it('median, min, max and relative spread of runs', () => {
    const s = spread([100, 90, 110]);
    expect(s).toEqual({ median: 100, min: 90, max: 110, relSpread: 0.2, runs: [100, 90, 110] });
  });
  it('one run has no spread', () => {
    expect(spread([5]).relSpread).toBe(0);
  });
  it('ignores runs that produced no number but keeps them listed', () => {
    const s = spread([1, Number.NaN, 3]);
    expect(s.median).toBe(2);
    expect(s.runs).toHaveLength(3);
  });
  it('no finite run gives NaN', () => {
    expect(Number.isNaN(spread([]).median)).toBe(true);
  });
  it('is formatted as median (min–max)', () => {
    expect(fmtSpread(spread([1.5, 1.25, 2]), 2, '×')).toBe('1.50× (1.25–2.00)');
    expect(fmtSpread(spread([1000]), 0)).toBe('1,000');
    expect(fmtSpread(null)).toBe('—');
  });
});

describe('pairedRatio', () => {
  it('divides run by run, not median by median', () => {
    // Medians alone would give 20/20 = 1; paired runs are 2, 0.5, 1.
    const r = pairedRatio([10, 20, 30], [5, 40, 30]);
    expect(r.runs).toEqual([2, 0.5, 1]);
    expect(r.median).toBe(1);
    expect(r.min).toBe(0.5);
    expect(r.max).toBe(2);
  });
  it('needs the same number of runs on both sides', () => {
    expect(() => pairedRatio([1, 2], [1])).toThrow(RangeError);
  });
});

describe('Reservoir', () => {
  it('keeps every value until full, then a fixed-size sample', () => {
    let x = 0;
    const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const r = new Reservoir(10, rnd);
    for (let i = 0; i < 5; i++) r.add(i);
    expect(r.samples).toEqual([0, 1, 2, 3, 4]);
    for (let i = 5; i < 10_000; i++) r.add(i);
    expect(r.samples).toHaveLength(10);
    expect(r.seen).toBe(10_000);
    expect(r.samples.every((v) => v >= 0 && v < 10_000)).toBe(true);
  });
  it('a uniform sample keeps the median of a large stream roughly', () => {
    let x = 42;
    const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const r = new Reservoir(2_000, rnd);
    for (let i = 0; i < 100_000; i++) r.add(i);
    expect(median(r.samples)).toBeGreaterThan(40_000);
    expect(median(r.samples)).toBeLessThan(60_000);
  });
  it('refuses a capacity below one', () => {
    expect(() => new Reservoir(0)).toThrow(RangeError);
  });
});

describe('mergeWeighted', () => {
  it('weighs each part by how many values it saw', () => {
    // Part a saw 3 values of 1 (kept all); part b saw 300 values of 9 but kept 3.
    const merged = mergeWeighted([
      { samples: [1, 1, 1], seen: 3 },
      { samples: [9, 9, 9], seen: 300 },
    ]);
    expect(merged[0]).toBe(1);
    expect(percentileOfSorted(merged, 50)).toBe(9);
    expect(merged.filter((v) => v === 1).length).toBeLessThan(merged.filter((v) => v === 9).length);
  });
  it('returns sorted values and nothing for nothing', () => {
    expect(mergeWeighted([{ samples: [3, 1, 2], seen: 3 }])).toEqual([1, 2, 3]);
    expect(mergeWeighted([{ samples: [], seen: 0 }])).toEqual([]);
  });
});

describe('shares', () => {
  it('splits clients over workers without losing any', () => {
    expect(shares(50, 2)).toEqual([25, 25]);
    expect(shares(2000, 3)).toEqual([667, 667, 666]);
    expect(shares(2, 4)).toEqual([1, 1, 0, 0]);
    expect(shares(5000, 4).reduce((a, b) => a + b, 0)).toBe(5000);
  });
});

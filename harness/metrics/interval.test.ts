import { describe, expect, it } from 'vitest';
import { percentileRanks, straddles, wilson } from './interval.ts';

describe('confidence intervals (95%)', () => {
  it('Wilson: the textbook values, and sane at 0 and at all', () => {
    // 10 of 100: [0.0552, 0.1744] (Wilson 1927; Newcombe 1998, table I).
    const a = wilson(10, 100);
    expect(a.lo).toBeCloseTo(0.0552, 3);
    expect(a.hi).toBeCloseTo(0.1744, 3);
    // 0 of 200: not a point at 0: up to ~1.9%.
    const z = wilson(0, 200);
    expect(z.lo).toBe(0);
    expect(z.hi).toBeCloseTo(0.0188, 3);
    expect(wilson(50, 50).hi).toBe(1);
  });

  it('percentile ranks: the median of 100 is bounded by ranks 40 and 61 (the binomial table)', () => {
    expect(percentileRanks(100, 50)).toEqual({ lower: 40, upper: 61 });
  });

  it('p95 of 200 values: ranks around 190 on both sides; p99 of 50: no upper bound inside the data', () => {
    const r = percentileRanks(200, 95);
    expect(r.lower).toBeGreaterThanOrEqual(183);
    expect(r.lower).toBeLessThan(190);
    expect(r.upper).toBeGreaterThan(190);
    expect(r.upper).toBeLessThanOrEqual(197);
    expect(percentileRanks(50, 99).upper).toBe(51);
  });

  it('covers the true percentile about 95% of the time (simulated, uniform values)', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let covered = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const xs = Array.from({ length: 300 }, rand).sort((a, b) => a - b);
      const { lower, upper } = percentileRanks(xs.length, 95);
      const lo = lower === 0 ? -Infinity : (xs[lower - 1] ?? NaN);
      const hi = upper > xs.length ? Infinity : (xs[upper - 1] ?? NaN);
      if (lo <= 0.95 && 0.95 <= hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.985);
  });

  it('large n in one pass (100 000 values)', () => {
    const r = percentileRanks(100_000, 99);
    expect(r.lower).toBeGreaterThan(98_900);
    expect(r.upper).toBeLessThan(99_100);
  });

  it('borderline: the limit inside the interval', () => {
    expect(straddles({ lo: 10, hi: 20 }, 15)).toBe(true);
    expect(straddles({ lo: 10, hi: 20 }, 25)).toBe(false);
  });
});

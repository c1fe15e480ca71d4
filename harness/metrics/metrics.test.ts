import { describe, expect, it } from 'vitest';
import { figuresOf, LatencyHistogram, phaseOf, type RequestRecord } from './figures.ts';

/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank percentile of a sorted array: the oracle. */
function oracle(sorted: readonly number[], p: number): number {
  // Integer arithmetic: p is given to at most three decimals.
  const rank = Math.max(1, Math.ceil((Math.round(p * 1000) * sorted.length) / 100_000));
  return sorted[rank - 1] ?? NaN;
}

const rec = (startMs: number, durationMs: number, status: number, name = 'read'): RequestRecord => ({ startMs, durationMs, status, tags: { name } });

describe('percentiles', () => {
  const distributions: [string, (r: () => number) => number][] = [
    ['uniform 1-100 ms', (r) => 1 + r() * 99],
    ['long tail (exponential, mean 20 ms)', (r) => -Math.log(1 - r()) * 20],
    ['bimodal fast/timeouts', (r) => (r() < 0.9 ? 2 + r() * 3 : 3000 + r() * 10)],
    ['sub-millisecond', (r) => 0.05 + r() * 0.9],
  ];
  for (const [name, gen] of distributions) {
    it(`match a sorted-array oracle within 0.1% + 1 µs: ${name}`, () => {
      const r = rng(42);
      const values = Array.from({ length: 20_000 }, () => gen(r));
      const h = new LatencyHistogram();
      for (const v of values) h.record(v);
      const sorted = [...values].sort((a, b) => a - b);
      for (const p of [50, 90, 95, 99, 99.9]) {
        const want = oracle(sorted, p);
        const got = h.percentileMs(p);
        expect(Math.abs(got - want), `p${p}: got ${got}, oracle ${want}`).toBeLessThanOrEqual(want * 0.001 + 0.001);
      }
      expect(h.count).toBe(values.length);
      expect(h.max).toBe(sorted[sorted.length - 1]);
    });
  }
  it('are NaN over no request', () => {
    expect(new LatencyHistogram().percentileMs(95)).toBeNaN();
  });
});

describe('rates and figures', () => {
  const records = [rec(0, 5, 200), rec(1, 5, 200), rec(2, 3000, 503, 'upload'), rec(3, 10, 502, 'upload'), rec(4, 9000, 0, 'upload'), rec(5, 1, 404)];
  it('count each status, with no response as its own class', () => {
    expect(figuresOf(records).statuses).toEqual({ '200': 2, '503': 1, '502': 1, no_response: 1, '404': 1 });
  });
});

describe('phases', () => {
  // Each apply confirmed 6 ms after it was asked for, each heal 4 ms after.
  const windows = [
    { label: 'a', applyRequestedMs: 1000, appliedMs: 1006, healRequestedMs: 2000, healedMs: 2004 },
    { label: 'b', applyRequestedMs: 3000, appliedMs: 3006, healRequestedMs: 4000, healedMs: 4004 },
  ];
  it('a request is in the baseline only if it ended before the first apply was requested', () => {
    expect(phaseOf(900, 999, windows)).toBe('baseline');
    // The false alarm: started 5 ms before the apply was confirmed, answered after it.
    expect(phaseOf(1001, 4002, windows)).toBe('fault');
    // In flight when the apply was requested, though it started well before.
    expect(phaseOf(500, 1000, windows)).toBe('fault');
    expect(phaseOf(1003, 1003, windows)).toBe('fault');
  });
  it('in flight across a heal stays in the fault; recovery starts at the last heal confirmed', () => {
    expect(phaseOf(1999, 2500, windows)).toBe('fault');
    expect(phaseOf(2003, 2010, windows)).toBe('fault');
    expect(phaseOf(2004, 2010, windows)).toBe('between');
    // Between two faults, but still in flight when the second was requested.
    expect(phaseOf(2500, 3000, windows)).toBe('fault');
    expect(phaseOf(2500, 2999, windows)).toBe('between');
    expect(phaseOf(4003, 4100, windows)).toBe('fault');
    expect(phaseOf(4004, 4100, windows)).toBe('recovery');
    expect(phaseOf(5, 6, [])).toBe('baseline');
  });
  it('an instant fault (a kill): the requests in flight at it are the fault phase', () => {
    const kill = [{ label: 'kill', applyRequestedMs: 10_000, appliedMs: 10_003, healRequestedMs: 10_003, healedMs: 10_003 }];
    expect(phaseOf(9_000, 9_999, kill)).toBe('baseline');
    expect(phaseOf(9_000, 13_000, kill)).toBe('fault');
    expect(phaseOf(10_002, 10_010, kill)).toBe('fault');
    expect(phaseOf(10_003, 10_010, kill)).toBe('recovery');
  });
});

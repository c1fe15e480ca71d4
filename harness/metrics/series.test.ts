import { describe, expect, it } from 'vitest';
import { bucketFor, timeSeries } from './series.ts';
import type { RequestRecord } from './figures.ts';

const rec = (startMs: number, durationMs: number, status: number): RequestRecord => ({ startMs, durationMs, status, tags: {} });

describe('timeSeries', () => {
  it('buckets requests by start time, with per-bucket percentiles and status counts', () => {
    const t0 = 1_000_000;
    const records = [rec(t0 + 10, 5, 200), rec(t0 + 990, 7, 503), rec(t0 + 1000, 100, 0), rec(t0 + 2500, 1, 200), rec(t0 - 1, 1, 200), rec(t0 + 3000, 1, 200)];
    const s = timeSeries(records, t0, t0 + 3000);
    expect(s.bucketMs).toBe(1000);
    expect(s.points.map((p) => p.tMs)).toEqual([0, 1000, 2000]);
    expect(s.points.map((p) => p.count)).toEqual([2, 1, 1]);
    expect(s.points[0]?.statuses).toEqual({ '200': 1, '503': 1 });
    expect(s.points[1]?.statuses).toEqual({ no_response: 1 });
    expect(s.points[0]?.p50Ms).toBeCloseTo(5, 2);
    expect(s.points[0]?.p99Ms).toBeCloseTo(7, 2);
  });

  it('an empty bucket has null percentiles (JSON has no NaN)', () => {
    const s = timeSeries([rec(0, 1, 200)], 0, 2000);
    expect(s.points[1]).toEqual({ tMs: 1000, count: 0, p50Ms: null, p95Ms: null, p99Ms: null, statuses: {} });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('widens buckets in whole seconds so that a long run keeps at most 240 points', () => {
    expect(bucketFor(40_000)).toBe(1000);
    expect(bucketFor(240_000)).toBe(1000);
    expect(bucketFor(241_000)).toBe(2000);
    expect(timeSeries([], 0, 3_600_000).points.length).toBeLessThanOrEqual(240);
  });
});

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
    // Both edges: the one stamped 1 ms before the start is in the first bucket, the one at exactly
    // the end in the last; the series' total is the request count.
    expect(s.points.map((p) => p.count)).toEqual([3, 1, 2]);
    expect(s.points.reduce((n, p) => n + p.count, 0)).toBe(records.length);
    expect(s.points[0]?.statuses).toEqual({ '200': 2, '503': 1 });
    expect(s.points[1]?.statuses).toEqual({ no_response: 1 });
    expect(s.points[0]?.p50Ms).toBeCloseTo(5, 2);
    expect(s.points[0]?.p99Ms).toBeCloseTo(7, 2);
  });

  it('a 60 s run at 20/s: the request at exactly t = 60 s is in the series (1 201 of 1 201)', () => {
    const records = Array.from({ length: 1201 }, (_, i) => rec(i * 50, 3, 200));
    const s = timeSeries(records, 0, 60_000);
    expect(s.points).toHaveLength(60);
    expect(s.points.reduce((n, p) => n + p.count, 0)).toBe(1201);
    expect(s.points[59]?.count).toBe(21);
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

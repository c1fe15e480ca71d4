import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../metrics/index.ts';
import { parseExpectation } from './expectation.ts';
import { judge } from './judge.ts';
import { exp, rec } from './testkit.ts';

describe('percentiles of the requests’ durations', () => {
  it('reads p50, p95, p99 and p(N) up to p(100); refuses one outside (0, 100]', () => {
    expect(exp('p95 < 200ms').metric).toEqual({ kind: 'percentile', p: 95 });
    expect(exp('p(99.9){name:upload} < 1.5s')).toMatchObject({ metric: { kind: 'percentile', p: 99.9 }, tags: { name: 'upload' }, value: 1500 });
    expect(parseExpectation('p(0) < 1s')).toMatchObject({ ok: false, message: "percentile 0 in 'p(0) < 1s' is outside (0, 100]" });
    expect(parseExpectation('p101 < 1s')).toMatchObject({ ok: false });
  });
  it('the nearest rank over the phase’s requests of that name, with its interval; none of that name fails', () => {
    // 100 reads of 1..100 ms in the baseline, 100 uploads of 1 s; a fault from 10 s on.
    const records: RequestRecord[] = [];
    for (let i = 0; i < 100; i++) records.push(rec(i * 10, i + 1, 200), rec(i * 10 + 5, 1000, 200, 'upload'));
    const j = judge({
      records,
      windows: [{ label: 'x', applyRequestedMs: 10_000, appliedMs: 10_000, healRequestedMs: 11_000, healedMs: 11_000 }],
      loadStartMs: 0,
      loadEndMs: 12_000,
      expect: { baseline: [exp('p95{name:read} < 96ms'), exp('p(99){name:read} < 99ms'), exp('p50{name:upload} < 1s')], fault: [exp('p95 < 1s')] },
      steady: [],
      stableForMs: 1000,
    });
    expect(j.expectations.map((x) => [x.source, x.measured === undefined ? undefined : Math.round(x.measured), x.requests, x.passed])).toEqual([
      ['p95{name:read} < 96ms', 95, 100, true],
      ['p(99){name:read} < 99ms', 99, 100, false],
      ['p50{name:upload} < 1s', 1000, 100, false],
      ['p95 < 1s', undefined, 0, false],
    ]);
    // HDR's precision: within 0.1% of the exact rank's value.
    expect(j.expectations[0]?.measured).toBeCloseTo(95, 0);
    const p95 = j.expectations[0]?.interval;
    expect(p95?.lo).toBeLessThanOrEqual(95);
    expect(p95?.hi).toBeGreaterThanOrEqual(95);
  });
});

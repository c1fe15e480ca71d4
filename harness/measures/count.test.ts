import { describe, expect, it } from 'vitest';
import { judge } from './judge.ts';
import { exp, rec } from './testkit.ts';

describe('count: how many requests', () => {
  it('per phase and name; none is a count too (0), not a failure to measure', () => {
    const records = [rec(0, 5, 200), rec(10, 5, 503), rec(20, 5, 200, 'upload'), rec(5000, 5, 200)];
    const j = judge({
      records,
      windows: [{ label: 'x', applyRequestedMs: 1000, appliedMs: 1000, healRequestedMs: 2000, healedMs: 2000 }],
      loadStartMs: 0,
      loadEndMs: 6000,
      expect: { baseline: [exp('count{name:read} == 2'), exp('count > 3')], fault: [exp('count == 0')], overall: [exp('count == 4')] },
      steady: [],
      stableForMs: 1000,
    });
    expect(j.expectations.map((x) => [x.phase, x.source, x.measured, x.passed])).toEqual([
      ['baseline', 'count{name:read} == 2', 2, true],
      ['baseline', 'count > 3', 3, false],
      ['fault', 'count == 0', 0, true],
      ['overall', 'count == 4', 4, true],
    ]);
  });
});

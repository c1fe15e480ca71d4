import { describe, expect, it } from 'vitest';
import { judge } from './judge.ts';
import { exp, rec } from './testkit.ts';

describe('max: the longest request', () => {
  it('over the phase’s requests, no interval; over none it fails', () => {
    const j = judge({
      records: [rec(0, 20, 200), rec(100, 59_000, 0, 'upload'), rec(200, 30, 200)],
      windows: [],
      loadStartMs: 0,
      loadEndMs: 60_000,
      expect: { overall: [exp('max < 1m'), exp('max{name:read} < 25ms'), exp('max{name:none} < 1s')] },
      steady: [],
      stableForMs: 1000,
    });
    expect(j.expectations.map((x) => [x.source, x.measured === undefined ? undefined : Math.round(x.measured), x.passed, x.interval])).toEqual([
      ['max < 1m', 59_000, true, undefined],
      ['max{name:read} < 25ms', 30, false, undefined],
      ['max{name:none} < 1s', undefined, false, undefined],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseExpectation } from './expectation.ts';
import { judge } from './judge.ts';
import { exp, rec } from './testkit.ts';

describe('avg: the mean duration', () => {
  it('over the phase’s requests of that name; a slow tail moves it where the median does not; over none it fails', () => {
    // Nine reads of 10 ms and one of 910 ms: mean 100 ms, median 10 ms.
    const records = [...Array.from({ length: 9 }, (_, i) => rec(i * 10, 10, 200)), rec(95, 910, 200), rec(100, 50, 200, 'upload')];
    const j = judge({
      records,
      windows: [],
      loadStartMs: 0,
      loadEndMs: 2000,
      expect: { overall: [exp('avg{name:read} < 100ms'), exp('avg{name:read} <= 100ms'), exp('p50{name:read} < 11ms'), exp('avg{name:none} < 1s')] },
      steady: [],
      stableForMs: 1000,
    });
    expect(j.expectations.map((x) => [x.source, x.measured === undefined ? undefined : Math.round(x.measured), x.requests, x.passed])).toEqual([
      ['avg{name:read} < 100ms', 100, 10, false],
      ['avg{name:read} <= 100ms', 100, 10, true],
      ['p50{name:read} < 11ms', 10, 10, true],
      ['avg{name:none} < 1s', undefined, 0, false],
    ]);
  });
  it('reads a duration; @95% is refused (a mean has no interval here)', () => {
    expect(exp('avg < 1.5s')).toMatchObject({ metric: { kind: 'avg' }, value: 1500 });
    expect(parseExpectation('avg < 200ms @95%')).toMatchObject({ ok: false });
  });
});

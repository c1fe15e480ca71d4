import { describe, expect, it } from 'vitest';
import { RequestTable } from '../metrics/index.ts';
import { judge } from './judge.ts';
import { exp } from './testkit.ts';

import { cacheSamples, samples } from '../metrics/testdata/counter-samples.ts';

describe('judging the servers’ work', () => {
  it('db_queries_per_request and cache_miss_rate per phase, per part by tag; no counters fail with a note', () => {
    const records = RequestTable.from(Array.from({ length: 10 }, (_, i) => ({ startMs: 1000 + i * 100, durationMs: 10, status: 200, tags: {} })));
    const input = {
      records,
      windows: [],
      loadStartMs: 1000,
      loadEndMs: 3000,
      expect: {
        baseline: [
          exp('db_queries_per_request < 3'),
          exp('db_queries_per_request{db:db} <= 4'),
          exp('cache_miss_rate < 20%'),
          exp('db_queries_per_request{db:other} < 1'),
        ],
      },
      steady: [],
      stableForMs: 1000,
    };
    const j = judge({
      ...input,
      counters: [
        { part: 'db', kind: 'mariadb', samples },
        {
          part: 'cache',
          kind: 'redis',
          samples: cacheSamples,
        },
      ],
    });
    expect(j.expectations.map((x) => [x.source, x.measured, x.passed, x.note])).toEqual([
      ['db_queries_per_request < 3', 8, false, undefined],
      ['db_queries_per_request{db:db} <= 4', 8, false, undefined],
      ['cache_miss_rate < 20%', 0.25, false, undefined],
      ['db_queries_per_request{db:other} < 1', undefined, false, 'no mariadb part named other was read in this phase'],
    ]);
    expect(judge(input).expectations[0]).toMatchObject({ passed: false, note: 'no counters were read' });
  });
});

import { describe, expect, it } from 'vitest';
import { RequestTable } from '../metrics/index.ts';
import { judge } from './judge.ts';
import { exp } from './testkit.ts';

const cacheSamples = [
  { atMs: 1000, values: { hits: 10, misses: 0, commands: 10 } },
  { atMs: 3000, values: { hits: 40, misses: 10, commands: 60 } },
];
const samples = [
  { atMs: 1000, values: { queries: 100, connections: 5 } },
  { atMs: 2000, values: { queries: 120, connections: 5 } },
  { atMs: 3000, values: { queries: 180, connections: 7 } },
];

describe('judging the servers’ work', () => {
  it('db_queries_per_request and cache_miss_rate per phase, per part by tag; no counters fail with a note', () => {
    const ex = exp;
    const records = RequestTable.from(Array.from({ length: 10 }, (_, i) => ({ startMs: 1000 + i * 100, durationMs: 10, status: 200, tags: {} })));
    const input = {
      records,
      windows: [],
      loadStartMs: 1000,
      loadEndMs: 3000,
      expect: {
        baseline: [
          ex('db_queries_per_request < 3'),
          ex('db_queries_per_request{db:db} <= 4'),
          ex('cache_miss_rate < 20%'),
          ex('db_queries_per_request{db:other} < 1'),
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

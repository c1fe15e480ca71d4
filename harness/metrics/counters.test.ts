import { describe, expect, it } from 'vitest';
import { increase, workPerPhase } from './counters.ts';
import { parseExpectation } from '../measures/index.ts';
import { judge } from '../measures/index.ts';
import { RequestTable } from './table.ts';

const cacheSamples = [
  { atMs: 1000, values: { hits: 10, misses: 0, commands: 10 } },
  { atMs: 3000, values: { hits: 40, misses: 10, commands: 60 } },
];
const samples = [
  { atMs: 1000, values: { queries: 100, connections: 5 } },
  { atMs: 2000, values: { queries: 120, connections: 5 } },
  { atMs: 3000, values: { queries: 180, connections: 7 } },
];

describe('counters per phase', () => {
  it('reads a cumulative counter between samples linearly, and says nothing outside them', () => {
    expect(increase(samples, 'queries', 1000, 3000)).toBe(80);
    expect(increase(samples, 'queries', 1500, 2500)).toBe(10 + 30);
    expect(increase(samples, 'queries', 500, 2000)).toBeUndefined();
    expect(increase(samples, 'queries', 2000, 3500)).toBeUndefined();
    expect(increase(samples, 'misses', 1000, 2000)).toBeUndefined();
  });

  it('a counter that went back (a restarted server) counts no negative work', () => {
    expect(increase([...samples, { atMs: 4000, values: { queries: 3, connections: 1 } }], 'queries', 3000, 4000)).toBe(0);
  });

  it('gives each phase its totals and its work per request; a cache its miss rate', () => {
    const w = workPerPhase(
      [
        { part: 'db', kind: 'mariadb', samples },
        {
          part: 'cache',
          kind: 'redis',
          samples: cacheSamples,
        },
      ],
      [
        { phase: 'baseline', fromMs: 1000, toMs: 2000, requests: 10 },
        { phase: 'fault', fromMs: 2000, toMs: 3000, requests: 0 },
        { phase: 'between', fromMs: undefined, toMs: undefined, requests: 5 },
      ],
    );
    expect(w.map((p) => p.phase)).toEqual(['baseline', 'fault']);
    expect(w[0]?.parts[0]).toEqual({ part: 'db', kind: 'mariadb', totals: { queries: 20, connections: 0 }, perRequest: { queries: 2, connections: 0 } });
    expect(w[0]?.parts[1]).toMatchObject({
      part: 'cache',
      totals: { hits: 15, misses: 5, commands: 25 },
      perRequest: { hits: 1.5, misses: 0.5, commands: 2.5 },
      missRate: 0.25,
    });
    // No request: totals, but nothing per request.
    expect(w[1]?.parts[0]).toMatchObject({ totals: { queries: 60, connections: 2 }, perRequest: {} });
  });
});

describe('judging the servers’ work', () => {
  it('db_queries_per_request and cache_miss_rate per phase, per part by tag; no counters fail with a note', () => {
    const ex = (t: string) => {
      const r = parseExpectation(t);
      if (!r.ok) throw new Error(r.message);
      return r.expectation;
    };
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

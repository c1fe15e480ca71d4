import { describe, expect, it } from 'vitest';
import { increase, workPerPhase } from './counters.ts';

import { cacheSamples, samples } from './testdata/counter-samples.ts';

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

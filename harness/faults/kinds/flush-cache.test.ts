import { describe, expect, it } from 'vitest';
import { flushCacheKind } from './flush-cache.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('flushCache', () => {
  it('FLUSHALL on a redis part, at one moment', async () => {
    const { fault, label } = resolved(flushCacheKind, { type: 'flushCache', part: 'cache' }, 0);
    expect(label).toBe('flushCache cache');
    expect(await applyAndHeal(flushCacheKind, fault)).toEqual({ applied: ['cache: FLUSHALL'], healed: [] });
  });
  it('only a redis part', () => {
    expect(resolveWith(flushCacheKind, { type: 'flushCache', part: 'db' }).problems).toEqual([
      "timeline[0].fault.part: 'db' is not a redis or memcached part of the stack",
    ]);
  });
});

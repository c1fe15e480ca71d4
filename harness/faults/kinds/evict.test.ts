import { describe, expect, it } from 'vitest';
import { evictKind } from './evict.ts';
import { applyAndHeal, recordingStack, resolved, resolveWith } from './testkit.ts';

describe('evict', () => {
  it('sets maxmemory and the policy, and at heal puts back what Redis had (its CONFIG GET reply, RESP2 or RESP3)', async () => {
    const { fault, label } = resolved(evictKind, { type: 'evict', part: 'cache', maxmemory: '4mb' });
    expect(label).toBe('evict cache (maxmemory 4mb, allkeys-lru)');
    const resp2 = recordingStack({ redisReply: (a) => (a[1] === 'GET' ? [a[2], a[2] === 'maxmemory' ? '100000000' : 'volatile-lru'] : 'OK') });
    const { applied, healed } = await applyAndHeal(evictKind, fault, resp2);
    expect(applied).toEqual([
      'cache: CONFIG GET maxmemory',
      'cache: CONFIG GET maxmemory-policy',
      'cache: CONFIG SET maxmemory-policy allkeys-lru',
      'cache: CONFIG SET maxmemory 4mb',
    ]);
    expect(healed).toEqual(['cache: CONFIG SET maxmemory 100000000', 'cache: CONFIG SET maxmemory-policy volatile-lru']);
    const resp3 = recordingStack({ redisReply: (a) => (a[1] === 'GET' ? { [String(a[2])]: a[2] === 'maxmemory' ? '0' : 'noeviction' } : 'OK') });
    expect((await applyAndHeal(evictKind, fault, resp3)).healed).toEqual(['cache: CONFIG SET maxmemory 0', 'cache: CONFIG SET maxmemory-policy noeviction']);
  });
  it('refuses a maxmemory Redis would not read, and a policy it does not have', () => {
    expect(resolveWith(evictKind, { type: 'evict', part: 'cache', maxmemory: '4 megs' }).problems[0]).toMatch(/^timeline\[0\]\.fault\.maxmemory: /);
    expect(resolveWith(evictKind, { type: 'evict', part: 'cache', maxmemory: '4mb', policy: 'random' as never }).problems[0]).toMatch(
      /^timeline\[0\]\.fault\.policy: /,
    );
  });
});

import { z } from 'zod';
import { once, type FaultKind } from '../kind.ts';
import { redisOf } from './cache.ts';

/**
 * A redis part gets a small maxmemory with an eviction policy until heal (the old settings back):
 * keys are evicted as the cache fills, or with `noeviction` writes fail with OOM.
 */
export interface EvictFault {
  type: 'evict';
  part: string;
  /** Redis's own notation, e.g. '2mb'. */
  maxmemory: string;
  /** Default 'allkeys-lru'. */
  policy?: 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl' | 'noeviction';
}

export type ResolvedEvict = { type: 'evict'; part: string; maxmemory: string; policy: NonNullable<EvictFault['policy']> };

export const evict = (o: Omit<EvictFault, 'type'>): EvictFault => ({ type: 'evict', ...o });

const POLICIES = ['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'noeviction'] as const;

export const evictKind: FaultKind<EvictFault, ResolvedEvict> = {
  type: 'evict',
  schema: z.strictObject({
    type: z.literal('evict'),
    part: z.string(),
    maxmemory: z.string().regex(/^\d+(b|kb|mb|gb)?$/i),
    policy: z.enum(POLICIES).optional(),
  }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'evict', part: ctx.part('part', f.part, ['redis']), maxmemory: f.maxmemory, policy: f.policy ?? 'allkeys-lru' }),
  label: (_d, f) => `evict ${f.part} (maxmemory ${f.maxmemory}, ${f.policy})`,
  partHit: (f) => f.part,
  apply: async (f, stack, _id, label) => {
    const redis = redisOf(stack, f.part, label);
    const get = async (key: string) => {
      const reply = await redis.command(['CONFIG', 'GET', key]);
      return Array.isArray(reply) ? String(reply[1] ?? '') : String((reply as Record<string, unknown>)[key] ?? '');
    };
    const before = { maxmemory: await get('maxmemory'), policy: await get('maxmemory-policy') };
    await redis.command(['CONFIG', 'SET', 'maxmemory-policy', f.policy]);
    await redis.command(['CONFIG', 'SET', 'maxmemory', f.maxmemory]);
    return {
      label,
      heal: once(async () => {
        await redis.command(['CONFIG', 'SET', 'maxmemory', before.maxmemory || '0']);
        await redis.command(['CONFIG', 'SET', 'maxmemory-policy', before.policy || 'noeviction']);
      }),
    };
  },
};

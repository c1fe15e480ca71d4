import { z } from 'zod';
import { FaultError } from '../../core/errors.ts';
import { noHeal, type FaultKind } from '../kind.ts';

/** Every cached key gone at once, straight to the server: FLUSHALL on a redis part, flush_all on a memcached one. Instant: no `for`. */
export interface FlushCacheFault {
  type: 'flushCache';
  part: string;
}

export type ResolvedFlushCache = { type: 'flushCache'; part: string };

export const flushCache = (o: Omit<FlushCacheFault, 'type'>): FlushCacheFault => ({ type: 'flushCache', ...o });

export const flushCacheKind: FaultKind<FlushCacheFault, ResolvedFlushCache> = {
  type: 'flushCache',
  schema: z.strictObject({ type: z.literal('flushCache'), part: z.string() }),
  instant: true,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'flushCache', part: ctx.part('part', f.part, ['redis', 'memcached']) }),
  label: (_d, f) => `flushCache ${f.part}`,
  partHit: (f) => f.part,
  apply: async (f, stack, _id, label) => {
    const p = stack.parts.get(f.part);
    if (!p || !('flushAll' in p)) throw new FaultError(label, `${f.part} is not a started cache`, 'flush a redis or memcached part');
    await p.flushAll();
    return { label, heal: noHeal };
  },
};

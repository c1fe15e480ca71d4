import { z } from 'zod';
import { once, type FaultKind } from '../kind.ts';
import { redisOf } from './cache.ts';

/**
 * CLIENT PAUSE on a redis part for the fault's `for`: its clients' commands wait, as during a
 * failover or a long fork. `only: 'writes'` pauses writes only (reads still answer), lifted at heal
 * with CLIENT UNPAUSE. A full pause cannot be lifted early (Redis 7.0 holds CLIENT UNPAUSE too):
 * it ends by itself at heal time, and an interrupted run waits out what is left of it.
 */
export interface ClientPauseFault {
  type: 'clientPause';
  part: string;
  only?: 'writes';
}

export type ResolvedClientPause = { type: 'clientPause'; part: string; mode: 'ALL' | 'WRITE'; forMs: number };

export const clientPause = (o: Omit<ClientPauseFault, 'type'>): ClientPauseFault => ({ type: 'clientPause', ...o });

export const clientPauseKind: FaultKind<ClientPauseFault, ResolvedClientPause> = {
  type: 'clientPause',
  schema: z.strictObject({ type: z.literal('clientPause'), part: z.string(), only: z.literal('writes').optional() }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'clientPause', part: ctx.part('part', f.part, ['redis']), mode: f.only === 'writes' ? 'WRITE' : 'ALL', forMs: ctx.forMs }),
  label: (_d, f) => `clientPause ${f.part}${f.mode === 'WRITE' ? ' (writes)' : ''}`,
  partHit: (f) => f.part,
  apply: async (f, stack, _id, label) => {
    const redis = redisOf(stack, f.part, label);
    const until = Date.now() + f.forMs;
    await redis.command(['CLIENT', 'PAUSE', String(f.forMs), f.mode]);
    return {
      label,
      heal: once(async () => {
        if (f.mode === 'WRITE') await redis.command(['CLIENT', 'UNPAUSE']);
        else {
          const left = until - Date.now();
          if (left > 0) await new Promise((r) => setTimeout(r, left));
          // Confirmed when a command goes through again.
          await redis.command(['PING']);
        }
      }),
    };
  },
};

import { z } from 'zod';
import { debug } from '../../core/log.ts';
import { noHeal, type FaultKind } from '../kind.ts';
import { redisOf } from './cache.ts';

const log = debug('faults');

/** A share of the keys (matching `pattern`) is deleted at once: a partial cache loss. Instant: no `for`. */
export interface ExpireFault {
  type: 'expire';
  part: string;
  /** 0 < share <= 1, default 1. */
  share?: number;
  /** A Redis glob, e.g. 'session:*'. Default every key. */
  pattern?: string;
}

export type ResolvedExpire = { type: 'expire'; part: string; share: number; pattern: string };

export const expire = (o: Omit<ExpireFault, 'type'>): ExpireFault => ({ type: 'expire', ...o });

export const expireKind: FaultKind<ExpireFault, ResolvedExpire> = {
  type: 'expire',
  schema: z.strictObject({ type: z.literal('expire'), part: z.string(), share: z.number().gt(0).max(1).optional(), pattern: z.string().min(1).optional() }),
  instant: true,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'expire', part: ctx.part('part', f.part, ['redis']), share: f.share ?? 1, pattern: f.pattern ?? '*' }),
  label: (_d, f) => `expire ${Math.round(f.share * 100)}% of ${f.pattern} on ${f.part}`,
  partHit: (f) => f.part,
  apply: async (f, stack, _id, label) => {
    const redis = redisOf(stack, f.part, label);
    // Every matching key first (SCAN), then a random share of them: the share is of the keys, not a chance per key.
    const keys: string[] = [];
    let cursor = '0';
    do {
      const reply = await redis.command(['SCAN', cursor, 'MATCH', f.pattern, 'COUNT', '1000']);
      if (!Array.isArray(reply) || !Array.isArray(reply[1])) throw new Error(`SCAN answered ${JSON.stringify(reply)}`);
      cursor = String(reply[0]);
      for (const k of reply[1]) keys.push(String(k));
    } while (cursor !== '0');
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [keys[i], keys[j]] = [keys[j] ?? '', keys[i] ?? ''];
    }
    const gone = keys.slice(0, Math.round(keys.length * f.share));
    for (let i = 0; i < gone.length; i += 500) await redis.command(['UNLINK', ...gone.slice(i, i + 500)]);
    log(`${label}: ${gone.length} of ${keys.length} keys gone`);
    return { label, heal: noHeal };
  },
};

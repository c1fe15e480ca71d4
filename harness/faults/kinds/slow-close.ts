import { z } from 'zod';
import {
  applyToxics,
  linkEnd,
  resolveToxicOptions,
  shareText,
  toxicOptionsSchema,
  toxicsFor,
  type FaultKind,
  type ResolvedToxicOptions,
  type ToxicOptions,
} from '../kind.ts';

/** Toxiproxy `slow_close`: a connection's close is held `delay` (a peer slow to let go: pools fill with half-closed sockets). */
export interface SlowCloseFault extends ToxicOptions {
  type: 'slowClose';
  link: string;
  delay: string;
}

export type ResolvedSlowClose = { type: 'slowClose'; link: string; delayMs: number } & ResolvedToxicOptions;

export const slowClose = (o: Omit<SlowCloseFault, 'type'>): SlowCloseFault => ({ type: 'slowClose', ...o });

export const slowCloseKind: FaultKind<SlowCloseFault, ResolvedSlowClose> = {
  type: 'slowClose',
  schema: z.strictObject({ type: z.literal('slowClose'), link: z.string(), delay: z.string().min(1), ...toxicOptionsSchema }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'slowClose', link: ctx.link(f.link), delayMs: ctx.duration('delay', f.delay, 0), ...resolveToxicOptions(f, 'downstream') }),
  label: (d, f) => `slow_close ${d.delay} on ${f.link}${shareText(f)}`,
  partHit: (f) => linkEnd(f.link),
  apply: (f, stack, id, label) => applyToxics(stack, f.link, label, toxicsFor(id, 'slow_close', f, { delay: f.delayMs })),
};

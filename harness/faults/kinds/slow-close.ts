import { z } from 'zod';
import { toxicKind, toxicOptionsSchema, type ResolvedToxicOptions, type ToxicOptions } from '../kind.ts';

/** Toxiproxy `slow_close`: a connection's close is held `delay` (a peer slow to let go: pools fill with half-closed sockets). */
export interface SlowCloseFault extends ToxicOptions {
  type: 'slowClose';
  link: string;
  delay: string;
}

export type ResolvedSlowClose = { type: 'slowClose'; link: string; delayMs: number } & ResolvedToxicOptions;

export const slowClose = (o: Omit<SlowCloseFault, 'type'>): SlowCloseFault => ({ type: 'slowClose', ...o });

export const slowCloseKind = toxicKind<SlowCloseFault, ResolvedSlowClose>({
  type: 'slowClose',
  toxic: 'slow_close',
  schema: z.strictObject({ type: z.literal('slowClose'), link: z.string(), delay: z.string().min(1), ...toxicOptionsSchema }),
  defaultStream: 'downstream',
  resolve: (f, common, ctx) => ({ type: 'slowClose', ...common, delayMs: ctx.duration('delay', f.delay, 0) }),
  does: (d) => `slow_close ${d.delay}`,
  attributes: (f) => ({ delay: f.delayMs }),
});

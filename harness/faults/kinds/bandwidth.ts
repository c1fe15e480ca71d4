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

/** Toxiproxy `bandwidth`: the link carries at most `rate` KB per second (a saturated or throttled network). */
export interface BandwidthFault extends ToxicOptions {
  type: 'bandwidth';
  link: string;
  /** KB (1024 bytes) per second, e.g. 10. */
  rate: number;
}

export type ResolvedBandwidth = { type: 'bandwidth'; link: string; rateKBps: number } & ResolvedToxicOptions;

export const bandwidth = (o: Omit<BandwidthFault, 'type'>): BandwidthFault => ({ type: 'bandwidth', ...o });

export const bandwidthKind: FaultKind<BandwidthFault, ResolvedBandwidth> = {
  type: 'bandwidth',
  schema: z.strictObject({ type: z.literal('bandwidth'), link: z.string(), rate: z.number().int().positive(), ...toxicOptionsSchema }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'bandwidth', link: ctx.link(f.link), rateKBps: f.rate, ...resolveToxicOptions(f, 'downstream') }),
  label: (_d, f) => `bandwidth ${f.rateKBps} KB/s on ${f.link}${shareText(f)}`,
  partHit: (f) => linkEnd(f.link),
  apply: (f, stack, id, label) => applyToxics(stack, f.link, label, toxicsFor(id, 'bandwidth', f, { rate: f.rateKBps })),
};

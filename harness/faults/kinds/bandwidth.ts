import { z } from 'zod';
import { toxicKind, toxicOptionsSchema, type ResolvedToxicOptions, type ToxicOptions } from '../kind.ts';

/** Toxiproxy `bandwidth`: the link carries at most `rate` KB per second (a saturated or throttled network). */
export interface BandwidthFault extends ToxicOptions {
  type: 'bandwidth';
  link: string;
  /** KB (1024 bytes) per second, e.g. 10. */
  rate: number;
}

export type ResolvedBandwidth = { type: 'bandwidth'; link: string; rateKBps: number } & ResolvedToxicOptions;

export const bandwidth = (o: Omit<BandwidthFault, 'type'>): BandwidthFault => ({ type: 'bandwidth', ...o });

export const bandwidthKind = toxicKind<BandwidthFault, ResolvedBandwidth>({
  type: 'bandwidth',
  toxic: 'bandwidth',
  schema: z.strictObject({ type: z.literal('bandwidth'), link: z.string(), rate: z.number().int().positive(), ...toxicOptionsSchema }),
  defaultStream: 'downstream',
  resolve: (f, common) => ({ type: 'bandwidth', ...common, rateKBps: f.rate }),
  does: (_d, f) => `bandwidth ${f.rateKBps} KB/s`,
  attributes: (f) => ({ rate: f.rateKBps }),
});

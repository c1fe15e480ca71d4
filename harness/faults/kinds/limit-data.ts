import { z } from 'zod';
import { toxicKind, toxicOptionsSchema, type ResolvedToxicOptions, type ToxicOptions } from '../kind.ts';

/** Toxiproxy `limit_data`: a connection is closed once `bytes` went through it (a truncated response or upload). */
export interface LimitDataFault extends ToxicOptions {
  type: 'limitData';
  link: string;
  bytes: number;
}

export type ResolvedLimitData = { type: 'limitData'; link: string; bytes: number } & ResolvedToxicOptions;

export const limitData = (o: Omit<LimitDataFault, 'type'>): LimitDataFault => ({ type: 'limitData', ...o });

export const limitDataKind = toxicKind<LimitDataFault, ResolvedLimitData>({
  type: 'limitData',
  toxic: 'limit_data',
  schema: z.strictObject({ type: z.literal('limitData'), link: z.string(), bytes: z.number().int().positive(), ...toxicOptionsSchema }),
  defaultStream: 'downstream',
  resolve: (f, common) => ({ type: 'limitData', ...common, bytes: f.bytes }),
  does: (_d, f) => `limit_data ${f.bytes} B`,
  attributes: (f) => ({ bytes: f.bytes }),
});

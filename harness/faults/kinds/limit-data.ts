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

/** Toxiproxy `limit_data`: a connection is closed once `bytes` went through it (a truncated response or upload). */
export interface LimitDataFault extends ToxicOptions {
  type: 'limitData';
  link: string;
  bytes: number;
}

export type ResolvedLimitData = { type: 'limitData'; link: string; bytes: number } & ResolvedToxicOptions;

export const limitData = (o: Omit<LimitDataFault, 'type'>): LimitDataFault => ({ type: 'limitData', ...o });

export const limitDataKind: FaultKind<LimitDataFault, ResolvedLimitData> = {
  type: 'limitData',
  schema: z.strictObject({ type: z.literal('limitData'), link: z.string(), bytes: z.number().int().positive(), ...toxicOptionsSchema }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'limitData', link: ctx.link(f.link), bytes: f.bytes, ...resolveToxicOptions(f, 'downstream') }),
  label: (_d, f) => `limit_data ${f.bytes} B on ${f.link}${shareText(f)}`,
  partHit: (f) => linkEnd(f.link),
  apply: (f, stack, id, label) => applyToxics(stack, f.link, label, toxicsFor(id, 'limit_data', f, { bytes: f.bytes })),
};

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

/** Toxiproxy `timeout` on a link, both ways by default: a blackhole. Connections close after `timeout` ('0ms' = never). Default '0ms'. */
export interface TimeoutFault extends ToxicOptions {
  type: 'timeout';
  link: string;
  timeout?: string;
}

export type ResolvedTimeout = { type: 'timeout'; link: string; timeoutMs: number } & ResolvedToxicOptions;

export const timeout = (o: Omit<TimeoutFault, 'type'>): TimeoutFault => ({ type: 'timeout', ...o });

export const timeoutKind: FaultKind<TimeoutFault, ResolvedTimeout> = {
  type: 'timeout',
  schema: z.strictObject({ type: z.literal('timeout'), link: z.string(), timeout: z.string().min(1).optional(), ...toxicOptionsSchema }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'timeout', link: ctx.link(f.link), timeoutMs: ctx.duration('timeout', f.timeout, 0), ...resolveToxicOptions(f, 'both') }),
  label: (_d, f) => `timeout (blackhole) on ${f.link}${f.toxicity < 1 ? shareText({ ...f, streams: [] }) : ''}`,
  partHit: (f) => linkEnd(f.link),
  apply: (f, stack, id, label) => applyToxics(stack, f.link, label, toxicsFor(id, 'timeout', f, { timeout: f.timeoutMs })),
};

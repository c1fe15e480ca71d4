import { z } from 'zod';
import { shareText, toxicKind, toxicOptionsSchema, type ResolvedToxicOptions, type ToxicOptions } from '../kind.ts';

/** Toxiproxy `timeout` on a link, both ways by default: a blackhole. Connections close after `timeout` ('0ms' = never). Default '0ms'. */
export interface TimeoutFault extends ToxicOptions {
  type: 'timeout';
  link: string;
  timeout?: string;
}

export type ResolvedTimeout = { type: 'timeout'; link: string; timeoutMs: number } & ResolvedToxicOptions;

export const timeout = (o: Omit<TimeoutFault, 'type'>): TimeoutFault => ({ type: 'timeout', ...o });

export const timeoutKind = toxicKind<TimeoutFault, ResolvedTimeout>({
  type: 'timeout',
  toxic: 'timeout',
  schema: z.strictObject({ type: z.literal('timeout'), link: z.string(), timeout: z.string().min(1).optional(), ...toxicOptionsSchema }),
  // Both ways: a blackhole swallows what is sent and what comes back.
  defaultStream: 'both',
  resolve: (f, common, ctx) => ({ type: 'timeout', ...common, timeoutMs: ctx.duration('timeout', f.timeout, 0) }),
  does: () => 'timeout (blackhole)',
  attributes: (f) => ({ timeout: f.timeoutMs }),
  share: (f) => (f.toxicity < 1 ? shareText({ ...f, streams: [] }) : ''),
});

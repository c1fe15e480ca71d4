import { z } from 'zod';
import { applyToxics, linkEnd, type FaultKind } from '../kind.ts';

/** Toxiproxy `timeout` on a link, both ways: a blackhole. Connections close after `timeout` ('0ms' = never). Default '0ms'. */
export interface TimeoutFault {
  type: 'timeout';
  link: string;
  timeout?: string;
}

export type ResolvedTimeout = { type: 'timeout'; link: string; timeoutMs: number };

export const timeout = (o: Omit<TimeoutFault, 'type'>): TimeoutFault => ({ type: 'timeout', ...o });

export const timeoutKind: FaultKind<TimeoutFault, ResolvedTimeout> = {
  type: 'timeout',
  schema: z.strictObject({ type: z.literal('timeout'), link: z.string(), timeout: z.string().min(1).optional() }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'timeout', link: ctx.link(f.link), timeoutMs: ctx.duration('timeout', f.timeout, 0) }),
  label: (_d, f) => `timeout (blackhole) on ${f.link}`,
  partHit: (f) => linkEnd(f.link),
  apply: (f, stack, id, label) =>
    applyToxics(stack, f.link, label, [
      { name: `${id}-timeout-up`, type: 'timeout', stream: 'upstream', attributes: { timeout: f.timeoutMs } },
      { name: `${id}-timeout-down`, type: 'timeout', stream: 'downstream', attributes: { timeout: f.timeoutMs } },
    ]),
};

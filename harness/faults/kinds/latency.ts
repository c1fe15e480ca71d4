import { z } from 'zod';
import { applyToxics, linkEnd, type FaultKind } from '../kind.ts';

/** Toxiproxy latency on a link: data is held `latency` (± `jitter`) before it is passed on. */
export interface LatencyFault {
  type: 'latency';
  /** 'from→to' (or 'from->to'), two parts of the stack. */
  link: string;
  latency: string;
  jitter?: string;
  /** downstream = responses (default), upstream = requests. */
  stream?: 'downstream' | 'upstream';
}

export type ResolvedLatency = { type: 'latency'; link: string; latencyMs: number; jitterMs: number; stream: 'downstream' | 'upstream' };

export const latency = (o: Omit<LatencyFault, 'type'>): LatencyFault => ({ type: 'latency', ...o });

export const latencyKind: FaultKind<LatencyFault, ResolvedLatency> = {
  type: 'latency',
  schema: z.strictObject({ type: z.literal('latency'), link: z.string(), latency: z.string().min(1), jitter: z.string().min(1).optional(), stream: z.enum(['downstream', 'upstream']).optional() }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'latency', link: ctx.link(f.link), latencyMs: ctx.duration('latency', f.latency, 0), jitterMs: ctx.duration('jitter', f.jitter, 0), stream: f.stream ?? 'downstream' }),
  label: (d, f) => `latency ${d.latency} on ${f.link}`,
  partHit: (f) => linkEnd(f.link),
  apply: (f, stack, id, label) => applyToxics(stack, f.link, label, [{ name: `${id}-latency`, type: 'latency', stream: f.stream, attributes: { latency: f.latencyMs, jitter: f.jitterMs } }]),
};

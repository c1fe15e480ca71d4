import { z } from 'zod';
import { toxicKind, toxicOptionsSchema, type ResolvedToxicOptions, type ToxicOptions } from '../kind.ts';

/** Toxiproxy latency on a link: data is held `latency` (± `jitter`) before it is passed on. */
export interface LatencyFault extends ToxicOptions {
  type: 'latency';
  /** 'from→to' (or 'from->to'), two parts of the stack. */
  link: string;
  latency: string;
  jitter?: string;
  /** downstream = responses (default), upstream = requests, both. */
  stream?: 'downstream' | 'upstream' | 'both';
}

export type ResolvedLatency = { type: 'latency'; link: string; latencyMs: number; jitterMs: number } & ResolvedToxicOptions;

export const latency = (o: Omit<LatencyFault, 'type'>): LatencyFault => ({ type: 'latency', ...o });

export const latencyKind = toxicKind<LatencyFault, ResolvedLatency>({
  type: 'latency',
  toxic: 'latency',
  schema: z.strictObject({
    type: z.literal('latency'),
    link: z.string(),
    latency: z.string().min(1),
    jitter: z.string().min(1).optional(),
    ...toxicOptionsSchema,
  }),
  defaultStream: 'downstream',
  resolve: (f, common, ctx) => ({
    type: 'latency',
    ...common,
    latencyMs: ctx.duration('latency', f.latency, 0),
    jitterMs: ctx.duration('jitter', f.jitter, 0),
  }),
  does: (d) => `latency ${d.latency}`,
  attributes: (f) => ({ latency: f.latencyMs, jitter: f.jitterMs }),
});

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

/** Toxiproxy `slicer`: data is cut into small packets (`size` ± `variation` bytes), `delay` apart: a fragmenting network. */
export interface SlicerFault extends ToxicOptions {
  type: 'slicer';
  link: string;
  /** Average packet size in bytes. */
  size: number;
  /** Bytes the size varies by. Default 0. */
  variation?: number;
  /** Time between two packets, e.g. '1ms'. Default '0ms'. */
  delay?: string;
}

export type ResolvedSlicer = { type: 'slicer'; link: string; size: number; variation: number; delayMs: number } & ResolvedToxicOptions;

export const slicer = (o: Omit<SlicerFault, 'type'>): SlicerFault => ({ type: 'slicer', ...o });

export const slicerKind: FaultKind<SlicerFault, ResolvedSlicer> = {
  type: 'slicer',
  schema: z.strictObject({
    type: z.literal('slicer'),
    link: z.string(),
    size: z.number().int().positive(),
    variation: z.number().int().nonnegative().optional(),
    delay: z.string().min(1).optional(),
    ...toxicOptionsSchema,
  }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => {
    if ((f.variation ?? 0) >= f.size)
      ctx.problem('variation', `variation ${f.variation ?? 0} is not below size ${f.size}`, 'give a variation smaller than the size, or none');
    return {
      type: 'slicer',
      link: ctx.link(f.link),
      size: f.size,
      variation: f.variation ?? 0,
      delayMs: ctx.duration('delay', f.delay, 0),
      ...resolveToxicOptions(f, 'downstream'),
    };
  },
  label: (_d, f) => `slicer ${f.size} B packets on ${f.link}${shareText(f)}`,
  partHit: (f) => linkEnd(f.link),
  // Toxiproxy's slicer delay is in microseconds.
  apply: (f, stack, id, label) =>
    applyToxics(stack, f.link, label, toxicsFor(id, 'slicer', f, { average_size: f.size, size_variation: f.variation, delay: Math.round(f.delayMs * 1000) })),
};

import { z } from 'zod';
import { toxicKind, toxicOptionsSchema, type ResolvedToxicOptions, type ToxicOptions } from '../kind.ts';

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

export const slicerKind = toxicKind<SlicerFault, ResolvedSlicer>({
  type: 'slicer',
  toxic: 'slicer',
  schema: z.strictObject({
    type: z.literal('slicer'),
    link: z.string(),
    size: z.number().int().positive(),
    variation: z.number().int().nonnegative().optional(),
    delay: z.string().min(1).optional(),
    ...toxicOptionsSchema,
  }),
  defaultStream: 'downstream',
  resolve: (f, common, ctx) => {
    if ((f.variation ?? 0) >= f.size)
      ctx.problem('variation', `variation ${f.variation ?? 0} is not below size ${f.size}`, 'give a variation smaller than the size, or none');
    return { type: 'slicer', ...common, size: f.size, variation: f.variation ?? 0, delayMs: ctx.duration('delay', f.delay, 0) };
  },
  does: (_d, f) => `slicer ${f.size} B packets`,
  // Toxiproxy's slicer delay is in microseconds.
  attributes: (f) => ({ average_size: f.size, size_variation: f.variation, delay: Math.round(f.delayMs * 1000) }),
});

import { z } from 'zod';
import { once, type FaultKind } from '../kind.ts';

/** SIGSTOP to a part's processes; SIGCONT at heal. */
export interface FreezeFault {
  type: 'freeze';
  part: string;
}

export type ResolvedFreeze = { type: 'freeze'; part: string };

export const freeze = (o: Omit<FreezeFault, 'type'>): FreezeFault => ({ type: 'freeze', ...o });

export const freezeKind: FaultKind<FreezeFault, ResolvedFreeze> = {
  type: 'freeze',
  schema: z.strictObject({ type: z.literal('freeze'), part: z.string() }),
  instant: false,
  hitsProcess: true,
  resolve: (f, ctx) => ({ type: 'freeze', part: ctx.part('part', f.part, 'any') }),
  label: (_d, f) => `freeze ${f.part}`,
  partHit: (f) => f.part,
  apply: async (f, stack, _id, label) => ({ label, heal: once(await stack.freeze(f.part)) }),
};

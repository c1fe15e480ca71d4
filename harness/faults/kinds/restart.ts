import { z } from 'zod';
import { FaultError } from '../../core/errors.ts';
import { noHeal, type FaultKind } from '../kind.ts';

/** Stops a service and starts it again on the same port (in-process state is lost). Instant: no `for`. */
export interface RestartFault {
  type: 'restart';
  part: string;
}

export type ResolvedRestart = { type: 'restart'; part: string };

export const restart = (o: Omit<RestartFault, 'type'>): RestartFault => ({ type: 'restart', ...o });

export const restartKind: FaultKind<RestartFault, ResolvedRestart> = {
  type: 'restart',
  schema: z.strictObject({ type: z.literal('restart'), part: z.string() }),
  instant: true,
  hitsProcess: true,
  resolve: (f, ctx) => ({ type: 'restart', part: ctx.part('part', f.part, ['service']) }),
  label: (_d, f) => `restart ${f.part}`,
  partHit: (f) => f.part,
  apply: async (f, stack, _id, label) => {
    const p = stack.parts.get(f.part);
    if (p?.kind !== 'service') throw new FaultError(label, `${f.part} is not a started service`, 'restart a service part');
    await p.restart();
    return { label, heal: noHeal };
  },
};

import { z } from 'zod';
import { debug } from '../../core/log.ts';
import type { KillSignal } from '../../stack/index.ts';
import { noHeal, type FaultKind } from '../kind.ts';

const log = debug('faults');

/** Sends `signal` (default SIGKILL) to the process serving a part (a process manager's worker, not the manager). Instant: no `for`. */
export interface KillFault {
  type: 'kill';
  part: string;
  signal?: KillSignal;
}

export type ResolvedKill = { type: 'kill'; part: string; signal: KillSignal };

export const kill = (o: Omit<KillFault, 'type'>): KillFault => ({ type: 'kill', ...o });

export const killKind: FaultKind<KillFault, ResolvedKill> = {
  type: 'kill',
  schema: z.strictObject({
    type: z.literal('kill'),
    part: z.string(),
    signal: z.enum(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT'] satisfies KillSignal[]).optional(),
  }),
  instant: true,
  hitsProcess: true,
  resolve: (f, ctx) => ({ type: 'kill', part: ctx.part('part', f.part, 'any'), signal: f.signal ?? 'SIGKILL' }),
  label: (_d, f) => `kill ${f.part} (${f.signal})`,
  partHit: (f) => f.part,
  // What serves the part (see StartedStack.kill): the incident's crash, not the harness's stop.
  apply: async (f, stack, _id, label) => {
    // Already down (e.g. it crashed earlier in the scenario): what the kill is for already holds.
    if (!(await stack.kill(f.part, f.signal))) log(`${label}: ${f.part} is not running; nothing to kill`);
    return { label, heal: noHeal };
  },
};

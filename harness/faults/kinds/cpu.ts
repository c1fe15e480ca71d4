import { z } from 'zod';
import { cgroupCannot, once, type FaultKind } from '../kind.ts';

/**
 * A part starved of CPU: its processes together get at most `cores` CPUs for the fault's span (a
 * noisy neighbour, a throttled container, a node short of CPU). Locally a cgroup of the run with a
 * CFS quota, the part's whole process tree moved in (what it forks meanwhile is born in it) and back
 * at heal; on containers the container's CPU quota (`docker update`), restored at heal.
 */
export interface CpuFault {
  type: 'cpu';
  part: string;
  /** CPUs, e.g. 0.2 (a fifth of one core) or 1.5. */
  cores: number;
}

export type ResolvedCpu = { type: 'cpu'; part: string; cores: number };

export const cpu = (o: Omit<CpuFault, 'type'>): CpuFault => ({ type: 'cpu', ...o });

export const cpuKind: FaultKind<CpuFault, ResolvedCpu> = {
  type: 'cpu',
  schema: z.strictObject({ type: z.literal('cpu'), part: z.string(), cores: z.number().min(0.01).max(64) }),
  instant: false,
  // Slower, not dead: a part starved of CPU that dies has died on its own.
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'cpu', part: ctx.part('part', f.part, 'any'), cores: f.cores }),
  label: (_d, f) => `cpu ${f.part} at most ${f.cores} cores`,
  partHit: (f) => f.part,
  cannotApplyOn: (_f, backend) => cgroupCannot('cpu', backend),
  apply: async (f, stack, _id, label) => ({ label, heal: once(await stack.limitCpu(f.part, f.cores)) }),
};

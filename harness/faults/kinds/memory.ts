import { z } from 'zod';
import { parseBytes } from '../../core/bytes.ts';
import { cgroupCannot, once, type FaultKind } from '../kind.ts';

/**
 * A memory ceiling on a part for the fault's span: its processes together may hold at most `limit`;
 * beyond it the kernel reclaims what it can, then its OOM killer kills one of them, as in
 * production (that exit is the fault's, as a kill's is). Locally a cgroup of the run (cgroup v1's
 * memory controller) the part's whole process tree is moved into, the memory it holds moving with
 * it; on containers the container's memory limit. Lifted at heal.
 */
export interface MemoryFault {
  type: 'memory';
  part: string;
  /** '256MB', '1GB', '512MiB' (MB and GB are 1000², 1000³ bytes; MiB and GiB 1024², 1024³). */
  limit: string;
}

export type ResolvedMemory = { type: 'memory'; part: string; bytes: number };

export const memory = (o: Omit<MemoryFault, 'type'>): MemoryFault => ({ type: 'memory', ...o });

export const memoryKind: FaultKind<MemoryFault, ResolvedMemory> = {
  type: 'memory',
  schema: z.strictObject({ type: z.literal('memory'), part: z.string(), limit: z.string() }),
  instant: false,
  // The OOM killer may end it: that is what such a scenario measures.
  hitsProcess: true,
  resolve: (f, ctx) => {
    const bytes = parseBytes(f.limit);
    // Docker's own floor is 6 MB; below ~16 MB no runtime starts anyway.
    if (bytes === undefined || bytes < 16e6) ctx.problem('limit', `'${f.limit}' is not a memory size of 16MB or more`, "write e.g. '256MB', '1GB' or '512MiB'");
    return { type: 'memory', part: ctx.part('part', f.part, 'any'), bytes: bytes ?? 0 };
  },
  label: (d, f) => `memory ${f.part} at most ${d.limit}`,
  partHit: (f) => f.part,
  cannotApplyOn: (_f, backend) => cgroupCannot('memory', backend),
  apply: async (f, stack, _id, label) => ({ label, heal: once(await stack.limitMemory(f.part, f.bytes)) }),
};

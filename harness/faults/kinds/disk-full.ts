import { z } from 'zod';
import { mountProblem } from '../../core/mount.ts';
import { once, type FaultKind } from '../kind.ts';
import { parseBytes } from '../../core/bytes.ts';

/**
 * A full disk under a part's data: from the fault's start every write that needs a new block fails
 * with ENOSPC (MariaDB's own error reaches the service: "The table … is full", or a wait for space,
 * as the engine does), until heal frees the space again. The part's data is on a filesystem of its
 * own, `size` big, from the start of the run (locally a tmpfs the run mounts over the part's data
 * folder, as root; on containers a tmpfs of that size): the fault fills it to the last byte, and
 * heal removes what it wrote. The machine's own disk is never touched.
 */
export interface DiskFullFault {
  type: 'diskFull';
  /** A mariadb part: its datadir. */
  part: string;
  /** The size of the part's data filesystem: '256MB' (default), '1GB' (MB and GB are 1000², 1000³ bytes; MiB, GiB 1024², 1024³). */
  size?: string;
}

export type ResolvedDiskFull = { type: 'diskFull'; part: string; bytes: number };

export const diskFull = (o: Omit<DiskFullFault, 'type'>): DiskFullFault => ({ type: 'diskFull', ...o });

/** MariaDB 10.11's datadir after start: its redo log (96 MB) and system tablespace (12 MB), with room for the schema. */
const MIN_BYTES = 160e6;

export const diskFullKind: FaultKind<DiskFullFault, ResolvedDiskFull> = {
  type: 'diskFull',
  schema: z.strictObject({ type: z.literal('diskFull'), part: z.string(), size: z.string().optional() }),
  instant: false,
  // A full disk can end the server (MariaDB 10.11 aborts when it cannot roll back a BLOB row): that exit is the fault's.
  hitsProcess: true,
  resolve: (f, ctx) => {
    const bytes = f.size === undefined ? 256e6 : parseBytes(f.size);
    if (bytes === undefined || bytes < MIN_BYTES)
      ctx.problem(
        'size',
        `'${f.size}' is not a size of 160MB or more (MariaDB's datadir holds ~110 MB before any data)`,
        "write e.g. '256MB' or '1GB', or leave it out",
      );
    return { type: 'diskFull', part: ctx.part('part', f.part, ['mariadb']), bytes: bytes ?? 0 };
  },
  label: (_d, f) => `diskFull ${f.part}`,
  partHit: (f) => f.part,
  dataDisk: (f) => ({ part: f.part, bytes: f.bytes }),
  // Locally the run mounts a tmpfs over the part's datadir: root only.
  cannotApplyOn: (f, backend) => {
    const problem = backend === 'local' ? mountProblem() : undefined;
    return problem
      ? {
          message: `diskFull on ${f.part} puts its datadir on a tmpfs of its own: ${problem}`,
          fix: 'run brownout as root, or on --stack containers (a tmpfs in the container)',
        }
      : undefined;
  },
  apply: async (f, stack, _id, label) => ({ label, heal: once(await stack.fillDisk(f.part)) }),
};

// A part's data on a filesystem of a fixed size, for the diskFull fault: locally a tmpfs the run
// mounts over the part's data folder (in the run's temp dir) before the part starts; filled to the
// last byte at apply (writes then fail with ENOSPC, as on a full disk) and emptied at heal. Every
// mount is recorded in the run's ledger before it is made: a dead run's are unmounted by the sweep.
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { statfs } from 'node:fs/promises';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Every tmpfs brownout mounts is named brownout-<run>-<part> (its "device" in /proc/mounts): a sweep knows its own. */
export const MOUNT_PREFIX = 'brownout-';
/** The file a full disk is filled with, in the filesystem's root. */
export const FILLER = '.brownout-disk-full';

/** A sized filesystem the run mounted: stop() unmounts it. */
export interface SizedMount {
  readonly path: string;
  /** Unmounted (what is on it goes with it). Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Why brownout cannot mount a sized filesystem here, or undefined when it can. */
export function mountProblem(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a sized filesystem (tmpfs) needs root';
  return undefined;
}

/** The mount points /proc/mounts lists, with their "device" (a tmpfs's name). */
export function mountsNow(): { device: string; point: string }[] {
  try {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [device = '', point = ''] = l.split(' ');
        // /proc/mounts escapes space, tab, newline and backslash as octal.
        return { device, point: point.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8))) };
      });
  } catch {
    return [];
  }
}

export const isMounted = (dir: string): boolean => mountsNow().some((m) => m.point === dir);

/**
 * A tmpfs of `bytes` at `dir` (made if missing), named brownout-<name>; `record(dir)` is called
 * before the mount is made (the ledger: a kill right after still finds it).
 */
export async function mountSized(name: string, dir: string, bytes: number, record: (dir: string) => void): Promise<SizedMount> {
  const problem = mountProblem();
  if (problem) throw new Error(problem);
  record(dir);
  mkdirSync(dir, { recursive: true });
  await exec('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil(bytes / 4096) * 4096},mode=0755`, `${MOUNT_PREFIX}${name}`, dir]);
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= unmount(dir));
  return { path: dir, stop, [Symbol.asyncDispose]: stop };
}

/** Unmounts `dir` when it is a mount; a lazy unmount when something still holds it (it goes once let go). */
async function unmount(dir: string): Promise<void> {
  if (!isMounted(dir)) return;
  try {
    await exec('umount', [dir]);
  } catch {
    await exec('umount', ['-l', dir]);
  }
}

/** Free and total bytes of the filesystem `dir` is on. */
export async function diskSpace(dir: string): Promise<{ free: number; total: number }> {
  const s = await statfs(dir);
  return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
}

/**
 * Fills the filesystem `dir` is on to the last byte with one file (FILLER in `dir`): after it a
 * write that needs a new block fails with ENOSPC. Returns the bytes written; the returned heal
 * removes the file. Refuses a filesystem that is not one of the run's (the host's disk is never filled).
 */
export async function fillDisk(dir: string): Promise<{ bytes: number; heal: () => Promise<void> }> {
  if (!mountsNow().some((m) => m.point === dir && m.device.startsWith(MOUNT_PREFIX)))
    throw new Error(`${dir} is not a filesystem brownout mounted: only those are filled`);
  const file = path.join(dir, FILLER);
  const chunk = Buffer.alloc(1 << 20);
  const fd = openSync(file, 'w');
  let bytes = 0;
  try {
    for (;;) {
      try {
        bytes += writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        // The last blocks: smaller writes until not one byte more fits.
        let size = chunk.length >> 1;
        while (size >= 1) {
          try {
            bytes += writeSync(fd, chunk, 0, size);
          } catch (e2) {
            if ((e2 as NodeJS.ErrnoException).code !== 'ENOSPC') throw e2;
            size >>= 1;
          }
        }
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  let healed: Promise<void> | undefined;
  return { bytes, heal: () => (healed ??= Promise.resolve(rmSync(file, { force: true }))) };
}

/**
 * Unmounts what a dead run mounted, by the paths its ledger recorded: only a tmpfs named
 * brownout-<run>-… under the temp dir is ever touched, whatever the record says.
 */
export async function sweepMounts(runId: string, dirs: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  const mounts = mountsNow();
  for (const dir of dirs) {
    const ours =
      path.normalize(dir) === dir &&
      dir.startsWith(`${os.tmpdir()}/`) &&
      mounts.some((m) => m.point === dir && m.device.startsWith(`${MOUNT_PREFIX}${runId}-`));
    if (!ours || !existsSync(dir)) continue;
    await unmount(dir);
    removed.push(dir);
  }
  return removed;
}

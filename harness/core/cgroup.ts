import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The cgroup v1 controllers a resource fault uses, and where each is mounted (Debian's default with cgroup v1, and this machine's). */
export const CGROUP_ROOTS = { cpu: '/sys/fs/cgroup/cpu', memory: '/sys/fs/cgroup/memory' } as const;
export type Controller = keyof typeof CGROUP_ROOTS;
/** Every cgroup brownout makes is named brownout-<run>-<part>: a sweep knows its own. */
export const CGROUP_PREFIX = 'brownout-';
/** CFS's period: a cpu limit's quota is cores × this, in µs (a container's quota uses it too). */
export const CFS_PERIOD_US = 100_000;
/** The CFS quota (µs per period) of `cores` CPUs; the kernel takes no less than 1 ms. */
export const cfsQuotaUs = (cores: number): number => Math.max(1000, Math.round(cores * CFS_PERIOD_US));

/** A cgroup of the run with a limit, a part's processes moved in: stop() moves them back and removes it. */
export interface CgroupLimit {
  readonly path: string;
  /** Every process of it back in the cgroup it came from, the cgroup removed. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A process's cgroup under `controller`, relative to its root ('/', '/docker/…'), from /proc/PID/cgroup. */
function cgroupOf(pid: number, controller: Controller): string | undefined {
  try {
    for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
      const [, controllers, p] = line.split(':');
      if (controllers?.split(',').includes(controller)) return p;
    }
  } catch {
    // Gone.
  }
  return undefined;
}

/** Why brownout cannot make a limited cgroup of `controller` here, or undefined when it can. */
export function cgroupProblem(controller: Controller, root: string = CGROUP_ROOTS[controller]): string | undefined {
  const probe = controller === 'cpu' ? 'cpu.cfs_quota_us' : 'memory.limit_in_bytes';
  if (!existsSync(path.join(root, probe)))
    return `no cgroup v1 ${controller} controller at ${root} (${probe}): this machine has cgroup v2 only, or no ${controller} controller mounted`;
  return undefined;
}

/** Moves each pid into the cgroup at `dir` (a process's threads go with it); a pid gone meanwhile is skipped. */
function moveInto(dir: string, pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    } catch (e) {
      if (existsSync(`/proc/${pid}`)) throw e;
    }
  }
}

function procsOf(dir: string): number[] {
  try {
    return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** One control file's value. */
export interface Setting {
  file: string;
  value: string;
  /** Written once the processes are in. */
  after?: boolean;
  /** A kernel that no longer has it (EINVAL, ENOENT) goes on without it. */
  optional?: boolean;
}

function write(dir: string, x: Setting): void {
  try {
    writeFileSync(path.join(dir, x.file), x.value);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!(x.optional && (code === 'EINVAL' || code === 'ENOENT'))) throw e;
  }
}

/**
 * A cgroup named brownout-`name` under `controller`, inside the cgroup the first of `pids` is in
 * (so that whatever limits that one has still hold), its `settings` written, then `pids` (a part's
 * whole process tree) moved in: what they fork from now on is born in it. `recorded` is told its
 * path before it exists (the run's ledger: a sweep removes it should the harness die). stop() moves
 * every process in it back where the first came from, then removes it.
 */
export async function limitCgroup(
  controller: Controller,
  name: string,
  pids: readonly number[],
  /** Written before the processes move in, or once they are in (after); an optional one the kernel refuses is left out. */
  settings: readonly Setting[],
  recorded: (dir: string) => void = () => undefined,
  root: string = CGROUP_ROOTS[controller],
): Promise<CgroupLimit> {
  const home = path.join(root, cgroupOf(pids[0] ?? process.pid, controller) ?? '/');
  const dir = path.join(home, `${CGROUP_PREFIX}${name}`);
  recorded(dir);
  mkdirSync(dir);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      moveInto(home, procsOf(dir));
      await removeCgroup(dir);
    })());
  try {
    for (const x of settings) if (!x.after) write(dir, x);
    moveInto(dir, pids);
    for (const x of settings) if (x.after) write(dir, x);
  } catch (e) {
    const usage = readNumber(path.join(dir, 'memory.usage_in_bytes'));
    await stop();
    // The kernel refuses a memory limit under what the processes hold and cannot reclaim (EBUSY).
    if ((e as NodeJS.ErrnoException).code === 'EBUSY' && usage !== undefined)
      throw new Error(`its processes hold ${(usage / 1e6).toFixed(0)} MB now, more than the limit, and the kernel could not reclaim enough`, { cause: e });
    throw e;
  }
  return { path: dir, stop, [Symbol.asyncDispose]: stop };
}

/**
 * At most `cores` CPUs for the processes together: a CFS quota of cores × 100 ms per 100 ms period,
 * enforced by the kernel in each period.
 */
export function limitCpu(name: string, pids: readonly number[], cores: number, recorded?: (dir: string) => void): Promise<CgroupLimit> {
  return limitCgroup(
    'cpu',
    name,
    pids,
    [
      { file: 'cpu.cfs_period_us', value: String(CFS_PERIOD_US) },
      { file: 'cpu.cfs_quota_us', value: String(cfsQuotaUs(cores)) },
    ],
    recorded,
  );
}

/**
 * At most `bytes` of memory for the processes together; beyond it the kernel reclaims and then its
 * OOM killer kills one of them, as in production. Where the kernel still moves charges
 * (move_charge_at_immigrate, gone from recent kernels) the memory they hold moves in with them and
 * counts from the first moment; elsewhere the limit holds what they allocate from then on. A limit
 * under what they hold and the kernel cannot reclaim is refused (the error says how much they hold).
 */
export function limitMemory(name: string, pids: readonly number[], bytes: number, recorded?: (dir: string) => void): Promise<CgroupLimit> {
  return limitCgroup(
    'memory',
    name,
    pids,
    [
      // Removed from recent kernels (6.18 here refuses it): there what they hold stays charged where it was.
      { file: 'memory.move_charge_at_immigrate', value: '3', optional: true },
      // Once they are in (with their memory, where it moves: a limit under it would refuse them at the door).
      { file: 'memory.limit_in_bytes', value: String(bytes), after: true },
    ],
    recorded,
  );
}

function readNumber(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** rmdir of a cgroup, once its processes are out (an exiting one may take a moment to leave). */
async function removeCgroup(dir: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      if (i >= 50) throw e;
      await new Promise((res) => setTimeout(res, 20));
    }
  }
}

/**
 * A dead run's cgroups (the paths its ledger recorded; only brownout's own, named for that run,
 * under a cgroup mount): any process still in one moved to the cgroup above it, then each removed.
 * The paths removed.
 */
export async function sweepCgroups(runId: string, dirs: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of dirs) {
    const ours =
      path.normalize(dir) === dir &&
      path.basename(dir).startsWith(`${CGROUP_PREFIX}${runId}-`) &&
      Object.values(CGROUP_ROOTS).some((r) => dir.startsWith(`${r}/`));
    if (!ours || !existsSync(dir)) continue;
    moveInto(path.dirname(dir), procsOf(dir));
    await removeCgroup(dir);
    removed.push(dir);
  }
  return removed;
}

import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where cgroup v1's cpu controller is mounted (Debian's default with cgroup v1, and this machine's). */
export const CPU_CGROUP_ROOT = '/sys/fs/cgroup/cpu';
/** Every cgroup brownout makes is named with this prefix, directly under the controller's root: a sweep finds them. */
export const CGROUP_PREFIX = 'brownout-';
/** CFS's period: the quota is cores × this, in µs. */
const PERIOD_US = 100_000;

/** A cgroup of the run with a CPU quota, its processes moved in: stop() moves them back and removes it. */
export interface CpuLimit {
  readonly path: string;
  /** Every process of it back in its own cgroup, the cgroup removed. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The cpu controller's cgroup of a process, relative to the root ('/' or '/docker/…'), from /proc/PID/cgroup. */
function cpuCgroupOf(pid: number): string | undefined {
  try {
    for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
      const [, controllers, p] = line.split(':');
      if (controllers?.split(',').includes('cpu')) return p;
    }
  } catch {
    // Gone.
  }
  return undefined;
}

/** Why brownout cannot make a CPU-limited cgroup here, or undefined when it can. */
export function cpuCgroupProblem(root = CPU_CGROUP_ROOT): string | undefined {
  if (!existsSync(path.join(root, 'cpu.cfs_quota_us')))
    return `no cgroup v1 cpu controller at ${root} (cpu.cfs_quota_us): this machine has cgroup v2 only, or no cpu controller mounted`;
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

/**
 * A cgroup named `name` with a CFS quota of `cores` CPUs, and `pids` (a part's whole process tree)
 * moved into it; what they fork from now on is born in it. stop() moves every process in it back
 * to the cgroup the first pid came from, then removes it. The kernel enforces the quota per period
 * (100 ms): the processes together get at most cores × 100 ms of CPU in each.
 */
export async function limitCpu(name: string, pids: readonly number[], cores: number, root = CPU_CGROUP_ROOT): Promise<CpuLimit> {
  const dir = path.join(root, `${CGROUP_PREFIX}${name}`);
  const home = path.join(root, cpuCgroupOf(pids[0] ?? process.pid) ?? '/');
  mkdirSync(dir);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      moveInto(home, procsOf(dir));
      await removeCgroup(dir);
    })());
  try {
    writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(cores * PERIOD_US))));
    moveInto(dir, pids);
  } catch (e) {
    moveInto(home, procsOf(dir));
    await removeCgroup(dir);
    throw e;
  }
  return { path: dir, stop, [Symbol.asyncDispose]: stop };
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
 * brownout's cgroups whose name holds `runId` (a killed run's): any process still in one moved to
 * the root, then each removed. The paths removed.
 */
export async function sweepCgroups(runId: string, root = CPU_CGROUP_ROOT): Promise<string[]> {
  if (!existsSync(root)) return [];
  const removed: string[] = [];
  for (const d of readdirSync(root)) {
    if (!d.startsWith(`${CGROUP_PREFIX}${runId}-`)) continue;
    const dir = path.join(root, d);
    moveInto(root, procsOf(dir));
    await removeCgroup(dir);
    removed.push(dir);
  }
  return removed;
}

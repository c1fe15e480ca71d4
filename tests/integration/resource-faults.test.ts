import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { spawn } from 'node:child_process';
import { CGROUP_ROOTS, limitCpu } from '../../harness/core/cgroup.ts';
import { sweepRecord } from '../../harness/core/ledger.ts';
import { cpuTicks, identify, processTree, processTrees } from '../../harness/core/procfs.ts';
import { applyFault } from '../../harness/faults/index.ts';
import { loadScenario } from '../../harness/scenario/index.ts';
import { stackPlan, startContainerStack, startStack, type StartedStack } from '../../harness/stack/index.ts';
import { waitUntil } from '../../harness/core/ports.ts';
import { containerEngine, containersLeft, deadRunLedger } from './helpers.ts';

const SCENARIO = 'tests/integration/scenarios/burner.ts';
const TICKS = 100; // clock ticks per second (USER_HZ) in /proc/PID/stat

/** CPU seconds used so far by every process of the trees under `roots` (utime + stime). */
function cpuSeconds(roots: readonly number[]): number {
  return processTrees(roots).reduce((n, pid) => n + (cpuTicks(pid) ?? 0), 0) / TICKS;
}

/** CPUs the trees used over the next `ms`. */
async function coresUsed(roots: () => Promise<number[]>, ms = 2000): Promise<number> {
  const r = await roots();
  const before = cpuSeconds(r);
  await new Promise((res) => setTimeout(res, ms));
  return (cpuSeconds(r) - before) / (ms / 1000);
}

const brownoutCgroups = () => readdirSync(CGROUP_ROOTS.cpu).filter((d) => d.startsWith('brownout-'));

/** The part's CPU, limited to a quarter core and back: measured on its processes, not taken from the harness's word. */
async function starveAndHeal(backend: string, stack: StartedStack, roots: () => Promise<number[]>): Promise<void> {
  const before = await coresUsed(roots);
  const fault = await applyFault({ type: 'cpu', part: 'app', cores: 0.25 }, stack, 'test', 'cpu app');
  let during: number;
  try {
    during = await coresUsed(roots);
  } finally {
    await fault.heal();
  }
  const after = await coresUsed(roots);
  console.log(`${backend}: cores used before ${before.toFixed(2)}, under cpu 0.25 ${during.toFixed(2)}, after heal ${after.toFixed(2)}`);
  // A core before and after; a quarter of one, as the kernel's quota rounds it, during.
  expect(before).toBeGreaterThan(0.7);
  expect(during).toBeLessThan(0.3);
  expect(during).toBeGreaterThan(0.15);
  expect(after).toBeGreaterThan(0.7);
}

/** The scenario's stack started locally, `use` given it, the run's id and its app's pid; everything released afterwards, whatever happens. */
async function withLocalStack(
  file: string,
  use: (stack: StartedStack & { parts: ReadonlyMap<string, unknown> }, runId: string, app: { pid: number; url: string }) => Promise<void>,
): Promise<void> {
  const sc = await loadScenario(file);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-resource-'));
  const cleanup = new CleanupList();
  const runId = `res${Date.now()}`;
  try {
    const stack = await startStack(sc.parts, sc.links, { runId, dir, cleanup });
    const app = stack.parts.get('app');
    const pid = app && 'process' in app ? (app.process as { pid?: number }).pid : undefined;
    if (!pid || app?.kind !== 'service') throw new Error('no app');
    await use(stack, runId, { pid, url: app.url });
  } finally {
    expect(await cleanup.releaseAll()).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }
  expect(brownoutCgroups()).toEqual([]);
}

/** The scenario's stack on containers (skipped without an engine), `use` given it; stopped afterwards and nothing left in the engine. */
async function withContainerStack(ctx: { skip: (note?: string) => void }, file: string, use: (stack: StartedStack) => Promise<void>): Promise<void> {
  const engine = await containerEngine();
  if (!engine.found) return ctx.skip(engine.reason);
  const sc = await loadScenario(file);
  const plan = stackPlan(sc.parts, sc.links, `res${Date.now()}`, { dbPassword: (p) => `test-${p}` });
  const stack = await startContainerStack(plan, { dbPassword: (p) => `test-${p}` });
  try {
    await use(stack);
  } finally {
    await stack.stop();
  }
  expect(await containersLeft()).toEqual([]);
}

describe('cpu({ part, cores }): a part starved of CPU, healed exactly', () => {
  it('locally: its whole process tree in a cgroup of the run with a CFS quota, moved back and the cgroup gone at heal', async () => {
    await withLocalStack(SCENARIO, async (stack, runId, { pid }) => {
      // Its child burns a core; the limit reaches it (it is in the part's tree, not the harness's process).
      expect(processTree(pid).length).toBeGreaterThanOrEqual(2);
      const inCgroup = () => processTree(pid).filter((p) => /:cpu[,:][^\n]*brownout-/.test(readFileSync(`/proc/${p}/cgroup`, 'utf8')));
      const fault = await applyFault({ type: 'cpu', part: 'app', cores: 0.25 }, stack, 'test', 'cpu app');
      expect(inCgroup()).toEqual(processTree(pid));
      expect(brownoutCgroups()).toEqual([`brownout-${runId}-app`]);
      expect(readFileSync(path.join(CGROUP_ROOTS.cpu, `brownout-${runId}-app`, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('25000');
      await fault.heal();
      expect(inCgroup()).toEqual([]);
      expect(brownoutCgroups()).toEqual([]);
      await starveAndHeal('local', stack, async () => [pid]);
    });
  }, 60_000);

  it('on containers: the container’s CPU quota, lifted at heal', async (ctx) => {
    await withContainerStack(ctx, SCENARIO, async (stack) => {
      await starveAndHeal('containers', stack, () => stack.processRoots());
    });
  }, 180_000);
});

const LEAKER = 'tests/integration/scenarios/leaker.ts';

/** How the leaker's child ended: 'running', 'SIGKILL', or its exit code. */
const childOf = async (url: string): Promise<string> => ((await (await fetch(`${url}/status`)).json()) as { child: string }).child;

/** Under a 150 MB ceiling the child leaks 100 MB/s towards 400 MB: the OOM killer must end it, not the harness. */
async function leakUnderCeiling(stack: StartedStack, url: string, during: () => void = () => undefined): Promise<void> {
  expect(await childOf(url)).toBe('running');
  const fault = await applyFault({ type: 'memory', part: 'app', bytes: 150e6 }, stack, 'test', 'memory app');
  try {
    during();
    await fetch(`${url}/leak`);
    expect(await waitUntil(async () => (await childOf(url)) === 'SIGKILL', { timeoutMs: 15_000, intervalMs: 100 })).toBe(true);
  } finally {
    await fault.heal();
  }
  // The server itself (smaller) was spared: the kernel kills the largest.
  expect((await fetch(`${url}/status`)).status).toBe(200);
}

describe('memory({ part, limit }): a ceiling the kernel’s OOM killer enforces, as in production', () => {
  it('locally: the part’s tree in a memory cgroup of the run (inside its own), its leaking child OOM-killed; the cgroup gone at heal', async () => {
    const memoryCgroup = (pid: number) => /:memory:(.*)/.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1] ?? '';
    await withLocalStack(LEAKER, async (stack, runId, { pid, url }) => {
      const home = memoryCgroup(pid);
      await leakUnderCeiling(stack, url, () => {
        for (const p of processTree(pid)) expect(memoryCgroup(p)).toBe(path.join(home, `brownout-${runId}-app`));
      });
      expect(memoryCgroup(pid)).toBe(home);
      expect(existsSync(path.join(CGROUP_ROOTS.memory, home, `brownout-${runId}-app`))).toBe(false);
    });
  }, 60_000);

  it('on containers: the container’s memory limit, its leaking child OOM-killed; lifted at heal', async (ctx) => {
    await withContainerStack(ctx, LEAKER, (stack) => leakUnderCeiling(stack, stack.urlOf('app')));
  }, 180_000);
});

describe('a run killed outright during a resource fault', () => {
  it('leaves its cgroup to the sweep (the next run, brownout clean): its processes ended, the cgroup removed by the path its ledger recorded', async () => {
    // A dead harness: a process that has exited; the run's record names it.
    const { runId, ledger } = await deadRunLedger();
    // What the run had started: a part's process, held to a quarter core.
    const part = spawn('sleep', ['60'], { stdio: 'ignore', detached: true });
    const pid = part.pid ?? 0;
    const partId = identify(pid);
    if (partId) ledger.addProcess(partId);
    const limit = await limitCpu(`${runId}-app`, [pid], 0.25, (dir) => ledger.addCgroup(dir));
    expect(existsSync(limit.path)).toBe(true);
    const removed = await sweepRecord(ledger.file);
    expect(removed).toContain(`${runId}: cgroup ${limit.path}`);
    expect(existsSync(limit.path)).toBe(false);
    expect(existsSync(ledger.file)).toBe(false);
    expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')).toBe(false);
  }, 30_000);
});

import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/core/errors.ts';
import { processTrees } from '../../harness/core/procfs.ts';
import { runScenario } from '../../harness/index.ts';
import { machinePerPhase } from '../../harness/metrics/index.ts';
import type { RunResult } from '../../harness/report/index.ts';
import { machineQuiet, watchMachine } from '../../harness/run/machine.ts';

/** Busy loops for `ms`, in this process's tree (a child) or outside it (a grandchild left to init). */
function burn(ms: number, outside: boolean): Promise<void> {
  const loop = `timeout ${ms / 1000} sh -c 'while :; do :; done'`;
  // `(cmd &)`: the subshell exits at once and the loop is left to init, outside this process's tree.
  const p = spawn('sh', ['-c', outside ? `(${loop} &) ; sleep ${ms / 1000}` : loop], { stdio: 'ignore' });
  return new Promise((resolve) => p.on('exit', () => resolve()));
}

/** The machine over 1.5 s: with a busy loop outside the run or inside it, or none (what else runs here). */
async function measure(outside: boolean | 'idle') {
  const w = watchMachine(100);
  const from = Date.now();
  if (outside === 'idle') await new Promise((r) => setTimeout(r, 1500));
  else await burn(1500, outside);
  const to = Date.now();
  const r = w.stop();
  return machinePerPhase(r.samples, r.lags, [{ phase: 'p', fromMs: from, toMs: to }])[0];
}

// One core of this machine's kept busy: by a process outside the run, it is the others' share; by
// one of the run's own processes, it is not. Each is read against a quiet window just before it:
// a CI runner is not always idle, and what else runs there is no part of what is checked.
describe('the machine watch on this machine', () => {
  it('counts a busy core outside the run as the others’ share, and one inside the run as the run’s', async () => {
    const cores = (await import('node:os')).availableParallelism();
    const idle1 = await measure('idle');
    const outside = await measure(true);
    const idle2 = await measure('idle');
    const inside = await measure(false);
    expect((outside?.othersBusy ?? 0) - (idle1?.othersBusy ?? 0)).toBeGreaterThan(0.7 / cores);
    expect(outside?.busy).toBeGreaterThanOrEqual(outside?.othersBusy ?? 1);
    expect((inside?.busy ?? 0) - (idle2?.busy ?? 0)).toBeGreaterThan(0.7 / cores);
    expect((inside?.othersBusy ?? 1) - (idle2?.othersBusy ?? 0)).toBeLessThan(0.3 / cores);
  }, 20_000);

  it('a process of the run born inside a short phase (a restarted app booting) is the run’s, not others’', async () => {
    const cores = (await import('node:os')).availableParallelism();
    const idle = await measure('idle');
    // The harness's own period (250 ms); a 0.7 s phase in which a child starts, is busy for 0.5 s
    // and then stays, idle, like a restarted service that became ready.
    const w = watchMachine(250);
    const from = Date.now();
    const child = spawn(process.execPath, ['-e', 'const e = Date.now() + 500; while (Date.now() < e); setTimeout(() => {}, 3000)'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 700));
    const to = Date.now();
    await new Promise((r) => setTimeout(r, 600));
    const r = w.stop();
    child.kill('SIGKILL');
    const phase = machinePerPhase(r.samples, r.lags, [{ phase: 'restart', fromMs: from, toMs: to }])[0];
    expect((phase?.busy ?? 0) - (idle?.busy ?? 0)).toBeGreaterThan(0.3 / cores);
    expect((phase?.othersBusy ?? 1) - (idle?.othersBusy ?? 0)).toBeLessThan(0.3 / cores);
  }, 20_000);

  it('the run’s trees: every root’s descendants (grandchildren too), each pid once, none of another tree', async () => {
    // A child shell with a sleeping grandchild, and a sleep left to init (outside this tree), given as a second root.
    const child = spawn('sh', ['-c', 'sleep 5 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const grandchild = Number(await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    const stray = spawn('sh', ['-c', '(sleep 5 & echo $!)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const strayExited = new Promise((resolve) => stray.once('exit', resolve));
    const orphan = Number(await new Promise<string>((resolve) => stray.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    // The sleep is printed by the subshell that started it, before that subshell exits: only once
    // the outer shell is gone (it waits for the subshell) is the sleep an orphan, outside this tree.
    await strayExited;
    try {
      const mine = processTrees([process.pid]);
      expect(mine).toContain(child.pid);
      expect(mine).toContain(grandchild);
      expect(mine).not.toContain(orphan);
      const both = processTrees([process.pid, orphan, process.pid]);
      expect(both).toContain(orphan);
      expect(both).toContain(grandchild);
      expect(new Set(both).size).toBe(both.length);
    } finally {
      child.kill('SIGKILL');
      process.kill(grandchild, 'SIGKILL');
      process.kill(orphan, 'SIGKILL');
    }
  });

  it('CPU left for the run: one core less per busy loop outside than in the quiet moment before', async () => {
    const idle = await measure('idle');
    const one = await measure(true);
    const lost = (idle?.freeCores ?? 0) - (one?.freeCores ?? 0);
    expect(lost).toBeGreaterThan(0.7);
    expect(lost).toBeLessThan(1.3);
  }, 20_000);
});

// Busy loops left to init (outside the run's tree), each noting its pid, until killed (60 s at most).
const loops: number[] = [];
const pidFile = `/tmp/brownout-machine-test-${process.pid}.pids`;
function startLoops(n: number): Promise<void> {
  rmSync(pidFile, { force: true });
  const loop = `timeout 60 sh -c 'echo $$ >> ${pidFile}; while :; do :; done'`;
  const p = spawn('sh', ['-c', Array.from({ length: n }, () => `(${loop} &)`).join(' ; ')], { stdio: 'ignore' });
  return new Promise((resolve) =>
    p.on('exit', () =>
      setTimeout(() => {
        for (const l of readFileSync(pidFile, 'utf8').split('\n').filter(Boolean)) loops.push(Number(l));
        resolve();
      }, 200),
    ),
  );
}
function stopLoops(): void {
  for (const pid of loops.splice(0))
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
}
afterAll(() => {
  stopLoops();
  rmSync(pidFile, { force: true });
});

describe('a run on a machine too busy for it', () => {
  it('is untrusted (BO_MACHINE_BUSY, its report kept); with againIfBusy it runs again, and the quiet run’s verdict stands', async () => {
    const cores = (await import('node:os')).availableParallelism();
    // As many loops as cores: the run is left well under the 0.8-core limit (measured: 0.1–0.6 core with two here).
    await startLoops(cores);
    const again: string[] = [];
    const o = await runScenario({
      scenarioFile: 'tests/integration/scenarios/teardown-pass.ts',
      reportsDir: 'reports/test',
      againIfBusy: 1,
      onProgress: (line) => {
        // The machine quietens before the second run.
        if (line.includes('running it again')) {
          again.push(line);
          stopLoops();
        }
      },
    });
    expect(again).toHaveLength(1);
    expect(again[0]).toMatch(/^machine too busy: other processes left the run [\d.]+ core in .*: running it again \(1 of 1\)$/);
    expect(o.busyBefore).toHaveLength(1);
    const first = JSON.parse(readFileSync(`reports/test/${o.busyBefore[0]}/result.json`, 'utf8')) as RunResult;
    expect(first.verdict).toBe('untrusted');
    expect(first.machineTooBusy?.phases.length).toBeGreaterThan(0);
    expect(o.error?.message).toBeUndefined();
    expect(o.result?.verdict).toBe('pass');
    expect(o.exitCode).toBe(0);
  }, 90_000);

  it('without againIfBusy the busy run is the outcome: exit 2, BO_MACHINE_BUSY', async () => {
    const cores = (await import('node:os')).availableParallelism();
    await startLoops(cores);
    const o = await runScenario({ scenarioFile: 'tests/integration/scenarios/teardown-pass.ts', reportsDir: 'reports/test' });
    stopLoops();
    expect(o.error instanceof HarnessError && o.error.code).toBe('BO_MACHINE_BUSY');
    expect(o.exitCode).toBe(2);
    expect(o.busyBefore).toEqual([]);
  }, 90_000);
});

describe('before a run the busy gate withheld runs again', () => {
  it('it waits for room: at once on a quiet machine, until the bound while busy loops take every core', async () => {
    // Nothing asked: quiet after two readings.
    const t0 = Date.now();
    expect(await machineQuiet(0, { timeoutMs: 5_000, intervalMs: 200 })).toMatchObject({ quiet: true });
    expect(Date.now() - t0).toBeLessThan(1_500);
    // A busy loop per core: never the room a run needs; the bound ends the wait, the free cores read said.
    const loops = Array.from({ length: 2 }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const t1 = Date.now();
      const q = await machineQuiet(1.3, { timeoutMs: 2_000, intervalMs: 250 });
      expect(q.quiet).toBe(false);
      expect(q.freeCores).toBeLessThan(1.3);
      expect(Date.now() - t1).toBeGreaterThanOrEqual(2_000);
    } finally {
      for (const l of loops) l.kill('SIGKILL');
    }
  }, 30_000);
});

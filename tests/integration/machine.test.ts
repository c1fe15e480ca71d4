import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { machinePerPhase } from '../../harness/metrics/index.ts';
import { watchMachine } from '../../harness/run/machine.ts';

/** Busy loops for `ms`, in this process's tree (a child) or outside it (a grandchild left to init). */
function burn(ms: number, outside: boolean): Promise<void> {
  const loop = `timeout ${ms / 1000} sh -c 'while :; do :; done'`;
  // `(cmd &)`: the subshell exits at once and the loop is left to init, outside this process's tree.
  const p = spawn('sh', ['-c', outside ? `(${loop} &) ; sleep ${ms / 1000}` : loop], { stdio: 'ignore' });
  return new Promise((resolve) => p.on('exit', () => resolve()));
}

async function measure(outside: boolean) {
  const w = watchMachine(100);
  const from = Date.now();
  await burn(1500, outside);
  const to = Date.now();
  const r = w.stop();
  return machinePerPhase(r.samples, r.lags, [{ phase: 'p', fromMs: from, toMs: to }])[0];
}

// One core of this machine's kept busy: by a process outside the run, it is the others' share; by
// one of the run's own processes, it is not.
describe('the machine watch on this machine', () => {
  it('counts a busy core outside the run as the others’ share, and one inside the run as the run’s', async () => {
    const cores = (await import('node:os')).availableParallelism();
    const outside = await measure(true);
    const inside = await measure(false);
    expect(outside?.othersBusy).toBeGreaterThan(0.7 / cores);
    expect(outside?.busy).toBeGreaterThanOrEqual(outside?.othersBusy ?? 1);
    expect(inside?.busy).toBeGreaterThan(0.7 / cores);
    expect(inside?.othersBusy).toBeLessThan(0.3 / cores);
  }, 20_000);

  it('CPU left for the run: about every core when idle, less one per busy loop outside', async () => {
    const cores = (await import('node:os')).availableParallelism();
    const one = await measure(true);
    expect(one?.freeCores).toBeGreaterThan(cores - 1.3);
    expect(one?.freeCores).toBeLessThan(cores - 0.7);
  }, 20_000);
});

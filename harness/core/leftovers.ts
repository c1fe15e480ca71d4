import { portFree } from './ports.ts';
import { describeProcess, listenersOf, processInfo, stillAlive, type ProcessIdentity } from './procfs.ts';

/**
 * What outlived a teardown: each process the run started (by pid and start time) still alive, and
 * each port it bound still held (with the processes holding it, which may be ones the run never saw:
 * a daemon a service forked off). One line each, for the run's cleanup failures.
 */
export async function leftAfterTeardown(started: { processes: readonly ProcessIdentity[]; ports: readonly number[] }): Promise<string[]> {
  const out = stillAlive(started.processes).map((p) => `still alive after teardown: ${describeProcess(p)}`);
  for (const port of new Set(started.ports)) {
    if (await portFree(port)) continue;
    const holders = listenersOf(port).flatMap((pid) => processInfo(pid) ?? []);
    out.push(`port ${port} still bound after teardown${holders.length ? ` by ${holders.map(describeProcess).join('; ')}` : ''}`);
  }
  return out;
}

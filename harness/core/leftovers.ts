import { existsSync } from 'node:fs';
import { isMounted } from './mount.ts';
import { portFree } from './ports.ts';
import { bornOfRun, describeProcess, listenersOf, processInfo, stillAlive, type ProcessIdentity, type ProcessInfo } from './procfs.ts';

/**
 * What outlived a teardown: each process the run started (by pid and start time) still alive, and
 * each port it bound still held by a process of the run (with the processes holding it, which may
 * be ones the run never saw: a daemon a service forked off). One line each, for the run's cleanup
 * failures. A port another program on the machine took since (another run beside this one, a
 * client's outgoing connection) is not the run's leftover: only listeners born of the run
 * (procfs.ts bornOfRun: the harness's descendants and orphans born since `sinceTick`) count.
 */
export async function leftAfterTeardown(started: {
  processes: readonly ProcessIdentity[];
  ports: readonly number[];
  sinceTick: number;
  cgroups?: readonly string[];
  mounts?: readonly string[];
}): Promise<string[]> {
  const out = stillAlive(started.processes).map((p) => `still alive after teardown: ${describeProcess(p)}`);
  for (const d of started.cgroups ?? []) if (existsSync(d)) out.push(`cgroup ${d} still there after teardown`);
  for (const d of started.mounts ?? []) if (isMounted(d)) out.push(`mount ${d} still there after teardown`);
  for (const { port, holders } of await portsHeldBy(started.ports, process.pid, started.sinceTick))
    out.push(`port ${port} still bound after teardown by ${holders.map(describeProcess).join('; ')}`);
  return out;
}

/** Those of `ports` a listener born of `owner`'s run still holds (bornOfRun), with those listeners. */
export async function portsHeldBy(ports: readonly number[], owner: number, sinceTick: number): Promise<{ port: number; holders: ProcessInfo[] }[]> {
  const held: { port: number; holders: ProcessInfo[] }[] = [];
  for (const port of new Set(ports)) {
    if (await portFree(port)) continue;
    const holders = listenersOf(port)
      .filter((pid) => bornOfRun(pid, owner, sinceTick))
      .flatMap((pid) => processInfo(pid) ?? []);
    if (holders.length) held.push({ port, holders });
  }
  return held;
}

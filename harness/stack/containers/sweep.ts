import os from 'node:os';
import { getContainerRuntimeClient } from 'testcontainers';
import { debug } from '../../core/log.ts';
import { identify } from '../../core/procfs.ts';
import { LABELS } from './plan.ts';

const log = debug('stack:containers');

/**
 * What a run leaves in the engine is found by its labels, not by testcontainers' reaper (Ryuk is an
 * image pulled from a registry; brownout runs without one): the run id, and the harness process
 * that owns it (pid and its start time, so a reused pid is not taken for the owner) on this host.
 */
export function runLabels(runId: string): Record<string, string> {
  return { [LABELS.run]: runId, [LABELS.pid]: `${process.pid}:${identify(process.pid)?.startTime ?? '?'}`, [LABELS.host]: os.hostname() };
}

/** Whether the harness process that labelled a resource is gone (never true for another host's). */
export function ownerIsGone(labels: Record<string, string> | undefined): boolean {
  const owner = labels?.[LABELS.pid];
  if (!owner || labels?.[LABELS.host] !== os.hostname()) return false;
  const [pid, started] = owner.split(':');
  return String(identify(Number(pid))?.startTime) !== started;
}

export interface RunResources {
  containers: { id: string; run: string; state: string }[];
  networks: { id: string; name: string; run: string }[];
}

/** Every container (running or not) and network carrying a brownout run label; one run's with `runId`. */
export async function listRunResources(runId?: string): Promise<RunResources & { owners: Map<string, Record<string, string>> }> {
  const { dockerode } = (await getContainerRuntimeClient()).container;
  const label = runId ? `${LABELS.run}=${runId}` : LABELS.run;
  const owners = new Map<string, Record<string, string>>();
  const containers = (await dockerode.listContainers({ all: true, filters: { label: [label] } })).map((c) => {
    owners.set(c.Id, c.Labels);
    return { id: c.Id, run: c.Labels[LABELS.run] ?? '', state: c.State };
  });
  const networks = (await dockerode.listNetworks({ filters: { label: [label] } })).map((n) => {
    owners.set(n.Id, n.Labels ?? {});
    return { id: n.Id, name: n.Name, run: n.Labels?.[LABELS.run] ?? '' };
  });
  return { containers, networks, owners };
}

/**
 * Removes the containers and networks of runs whose harness process is gone (killed outright, so
 * its teardown never ran); `all` removes every brownout run's, whoever owns it (`brownout clean --all`).
 * Returns what was removed.
 */
export async function sweepRuns(opts: { all?: boolean } = {}): Promise<RunResources> {
  const { dockerode } = (await getContainerRuntimeClient()).container;
  const found = await listRunResources();
  const dead = (id: string) => opts.all === true || ownerIsGone(found.owners.get(id));
  const removed: RunResources = { containers: [], networks: [] };
  for (const c of found.containers.filter((x) => dead(x.id))) {
    await dockerode.getContainer(c.id).remove({ force: true, v: true });
    removed.containers.push(c);
  }
  for (const n of found.networks.filter((x) => dead(x.id))) {
    await dockerode.getNetwork(n.id).remove();
    removed.networks.push(n);
  }
  if (removed.containers.length + removed.networks.length)
    log(`swept ${removed.containers.length} containers and ${removed.networks.length} networks of runs that ended without teardown`);
  return removed;
}

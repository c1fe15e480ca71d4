import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CleanupList } from '../core/cleanup.ts';
import type { RunLedger } from '../core/ledger.ts';
import { identify, type ProcessIdentity } from '../core/procfs.ts';
import type { Secrets } from '../core/secrets.ts';

/** What every builder needs from the run: where to put files, and the list to register releases on. */
export interface RunResources {
  runId: string;
  /** The run's temp dir (logs, datadirs, configs); removed at teardown. */
  dir: string;
  cleanup: CleanupList;
  /** Per-run passwords are added here, so reports can leave them out. */
  secrets?: Secrets;
  /** Shows a line to the user as the run goes (a setup step's output). */
  say?: (line: string) => void;
  /** Every pid (with its start time) and loopback port the builders create, recorded the moment they exist. */
  started?: StartedRecord;
  /** The same, on disk: what removes them should this process die outright (core/ledger.ts). */
  ledger?: RunLedger;
}

export interface StartedRecord {
  pids: number[];
  /** The same processes by identity: after teardown the run checks that none is alive. */
  processes: ProcessIdentity[];
  ports: number[];
  /** When the run began (procfs.ts bootTickNow): what was born since and holds one of its ports is the run's. */
  sinceTick: number;
  /** cgroups a fault made (cpu): after teardown none may be left. */
  cgroups?: string[];
  /** Sized filesystems mounted for a part's data (diskFull): after teardown none may be left. */
  mounts?: string[];
}

/**
 * Records what the run started — a process, a port, a cgroup or a mount a resource fault made — in
 * its outcome and its ledger on disk (a cgroup or mount before it is made: the sweep finds it
 * should this process die, and the run checks none is left).
 */
export function track(res: RunResources, what: { pid?: number | undefined; port?: number; cgroup?: string; mount?: string }): void {
  trackIn(res.started, what, res.ledger);
  if (what.cgroup !== undefined) {
    res.ledger?.addCgroup(what.cgroup);
    if (res.started) res.started.cgroups = [...(res.started.cgroups ?? []), what.cgroup];
  }
  if (what.mount !== undefined) {
    res.ledger?.addMount(what.mount);
    if (res.started) res.started.mounts = [...(res.started.mounts ?? []), what.mount];
  }
}

/** Records a started process and port in the run's outcome and, when there is one, its ledger on disk. */
export function trackIn(started: StartedRecord | undefined, what: { pid?: number | undefined; port?: number }, ledger?: RunLedger): void {
  if (what.pid !== undefined) {
    started?.pids.push(what.pid);
    const id = identify(what.pid);
    if (id) {
      started?.processes.push(id);
      ledger?.addProcess(id);
    }
  }
  if (what.port !== undefined) {
    started?.ports.push(what.port);
    ledger?.addPort(what.port);
  }
}

export function partDir(res: RunResources, part: string): string {
  const d = path.join(res.dir, part);
  mkdirSync(d, { recursive: true });
  return d;
}

/** Every started stack part: stop() is idempotent and also what `await using` calls. */
export interface StartedLocalPart {
  readonly name: string;
  /** Its data's own sized filesystem (a diskFull fault's part), where one was mounted. */
  readonly dataDisk?: string | undefined;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CleanupList } from '../core/cleanup.ts';
import type { Secrets } from '../core/secrets.ts';

/** What every builder needs from the run: where to put files, and the list to register releases on. */
export interface RunResources {
  runId: string;
  /** The run's temp dir (logs, datadirs, configs); removed at teardown. */
  dir: string;
  cleanup: CleanupList;
  /** Per-run passwords are added here, so reports can leave them out. */
  secrets?: Secrets;
  /** Every pid and loopback port the builders create, recorded the moment they exist. */
  started?: { pids: number[]; ports: number[] };
}

export function track(res: RunResources, what: { pid?: number | undefined; port?: number }): void {
  if (what.pid !== undefined) res.started?.pids.push(what.pid);
  if (what.port !== undefined) res.started?.ports.push(what.port);
}

export function partDir(res: RunResources, part: string): string {
  const d = path.join(res.dir, part);
  mkdirSync(d, { recursive: true });
  return d;
}


/** Every started stack part: stop() is idempotent and also what `await using` calls. */
export interface StartedPart {
  readonly name: string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

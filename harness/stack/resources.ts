import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CleanupList } from '../core/cleanup.ts';

/** What every builder needs from the run: where to put files, and the list to register releases on. */
export interface RunResources {
  runId: string;
  /** The run's temp dir (logs, datadirs, configs); removed at teardown. */
  dir: string;
  cleanup: CleanupList;
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

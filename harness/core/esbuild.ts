import { build, type BuildOptions, stop } from 'esbuild';

/** Builds now running, and the service's stop after the last of them. */
let inFlight = 0;
let stopping: Promise<void> = Promise.resolve();

/**
 * esbuild's `build` in memory (the first output file's text), its service process stopped once no
 * build is in flight: a run leaves no process behind, and a stop drops the builds still running —
 * two runs side by side in one process (a test file, a library caller) bundling or rendering at
 * once: the other's promise never settled and its run hung. A stop in progress ends before a build
 * asks the service again.
 */
export async function buildToText(options: Omit<BuildOptions, 'write'>): Promise<string> {
  await stopping;
  inFlight++;
  try {
    const out = await build({ ...options, write: false });
    return out.outputFiles[0]?.text ?? '';
  } finally {
    if (--inFlight === 0) {
      stopping = Promise.resolve(stop()).catch(() => undefined);
      await stopping;
    }
  }
}

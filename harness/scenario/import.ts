import path from 'node:path';
// A scenario file is code: importing it is bounded in time, whatever it does. A top-level await
// that never settles meets a timer; a busy loop keeps timers from firing, so a watchdog thread
// stops the main thread's JavaScript past the bound (the inspector's Runtime.terminateExecution,
// as a debugger's "stop" does) and the timer then reports it. Nothing is imported twice.
import { Worker } from 'node:worker_threads';
import { ScenarioError } from '../core/errors.ts';

/** How long a scenario file (with what it imports) may take to load. */
export const SCENARIO_LOAD_TIMEOUT_MS = 15_000;
/** The watchdog acts this much later than the timer: only when the main thread could not run it. */
const WATCHDOG_LATER_MS = 1_000;

// CommonJS, evaluated: the watchdog loads nothing of ours. It sleeps on the flag, woken when the
// import settled; timed out, it stops whatever JavaScript the main thread is running.
const WATCHDOG = `
const { Session } = require('node:inspector');
const { workerData } = require('node:worker_threads');
const session = new Session();
session.connectToMainThread();
if (Atomics.wait(workerData.flag, 0, 0, workerData.ms) === 'timed-out') session.post('Runtime.terminateExecution');
`;

function tooSlow(file: string, ms: number): ScenarioError {
  return new ScenarioError(file, [
    {
      field: '',
      message: `did not finish loading within ${ms / 1000} s`,
      fix: 'look for a top-level await that never settles, or a loop that never ends, in the file or in what it imports',
    },
  ]);
}

/** Imports a scenario file, bounded in time (a ScenarioError past it); an import error is thrown as it is. */
export async function importScenarioFile(abs: string, file: string, ms = SCENARIO_LOAD_TIMEOUT_MS): Promise<{ default?: unknown }> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const watchdog = new Worker(WATCHDOG, { eval: true, workerData: { flag, ms: ms + WATCHDOG_LATER_MS } });
  watchdog.unref();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      import(abs) as Promise<{ default?: unknown }>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(tooSlow(file, ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await watchdog.terminate();
  }
}

/** The modes a scenario file offers ('default' when it names none), read from its default export. */
export async function scenarioModes(file: string): Promise<string[]> {
  const mod = (await importScenarioFile(path.resolve(file), file)) as { default?: { modes?: string[] } };
  return mod.default?.modes ?? ['default'];
}

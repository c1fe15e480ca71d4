import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { newProcesses, runTempDirs, stackProcesses } from './helpers.ts';

/** Starts the CLI, waits until the load runs (a fault applied), sends `sig`, and collects the exit. */
function interruptDuringLoad(sig: NodeJS.Signals): Promise<{ code: number | null; stderr: string; sawFault: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'run', 'scenarios/slow-transaction.ts', '--reports', 'reports/test'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    let sawFault = false;
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      // Interrupt while a fault is applied: its heal must still run.
      if (!sent && /apply latency/.test(stderr)) {
        sent = true;
        sawFault = true;
        setTimeout(() => child.kill(sig), 500);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr, sawFault });
    });
  });
}

describe('a run interrupted mid-fault', () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig}: heals, tears down, exits 2, leaves nothing behind`, async () => {
      const before = stackProcesses();
      const dirs = runTempDirs();
      const r = await interruptDuringLoad(sig);
      expect(r.sawFault).toBe(true);
      expect(r.stderr).toContain(`interrupted by ${sig}`);
      expect(r.stderr).not.toContain('could not clean up');
      expect(r.code).toBe(2);
      expect(newProcesses(before)).toEqual([]);
      expect(runTempDirs()).toEqual(dirs);
    });
  }
});

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { INTERRUPT_SIGNALS } from '../../harness/core/signals.ts';
import { descendants, noteSeen, runTempDirs, survivors, type SeenProcess } from './helpers.ts';

interface Ended {
  code: number | null;
  stderr: string;
  sawFault: boolean;
  /** Every process seen under the CLI during the run. */
  tree: Map<number, SeenProcess>;
}

/** Starts the CLI, waits until `when` shows on its stderr, sends the signals, collects the exit and the process tree. */
function interruptDuringLoad(signals: NodeJS.Signals[], when = /apply latency/, afterMs = 500): Promise<Ended> {
  return new Promise((resolve, reject) => {
    // The photo stack with its first fault 2 s into the load (slow-transaction's comes at 10 s).
    // Through the installed command (harness/cli/bin.js, what `npx brownout` runs), and to its pid
    // alone: what `timeout`, a CI job's cancel or a supervisor sends.
    const child = spawn(process.execPath, ['harness/cli/bin.js', 'run', 'tests/integration/scenarios/teardown-pass.ts', '--reports', 'reports/test'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tree = new Map<number, SeenProcess>();
    const poll = setInterval(() => {
      if (child.pid !== undefined) noteSeen(tree, descendants(child.pid));
    }, 100);
    let stderr = '';
    let sent = false;
    let next = 1;
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      // Interrupt while a fault is applied: its heal must still run.
      if (!sent && when.test(stderr)) {
        sent = true;
        setTimeout(() => child.kill(signals[0]), afterMs);
      }
      // Each further signal once the CLI has said it took the one before (two signals sent a few ms
      // apart can reach it as one: a pending signal is not queued twice). Teardown takes well under a second.
      const sig = signals[next];
      if (sig && stderr.includes(`${signals[next - 1]}${next > 1 ? ' again' : ''}:`)) {
        next++;
        child.kill(sig);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      clearInterval(poll);
      resolve({ code, stderr, sawFault: sent, tree });
    });
  });
}

function expectNothingLeft(r: Ended, dirsBefore: string[]): void {
  expect(r.tree.size).toBeGreaterThanOrEqual(5); // the stack and k6 were seen under the CLI
  expect(survivors(r.tree)).toEqual([]);
  expect(runTempDirs()).toEqual(dirsBefore);
}

describe('a run interrupted mid-fault', () => {
  for (const sig of INTERRUPT_SIGNALS) {
    it(`${sig}: heals, tears down, exits 2, leaves no process of its tree and no temp dir`, async () => {
      const dirs = runTempDirs();
      const r = await interruptDuringLoad([sig]);
      expect(r.sawFault).toBe(true);
      expect(r.stderr).toContain(`interrupted by ${sig}`);
      expect(r.stderr).not.toContain('could not clean up');
      expect(r.code).toBe(2);
      expectNothingLeft(r, dirs);
    });
  }

  it('SIGINT while the stack is still starting: the start finishes or fails, then everything goes', async () => {
    const dirs = runTempDirs();
    const r = await interruptDuringLoad(['SIGINT'], /starting the stack/, 300);
    expect(r.stderr).toContain('interrupted by SIGINT');
    expect(r.stderr).not.toMatch(/load: \d+\/s/); // the load never started
    expect(r.code).toBe(2);
    expect(r.tree.size).toBeGreaterThanOrEqual(1);
    expect(survivors(r.tree)).toEqual([]);
    expect(runTempDirs()).toEqual(dirs);
  });

  it('a second SIGINT bounds teardown: exit 2 within the grace, still nothing left when teardown fits in it', async () => {
    const dirs = runTempDirs();
    const t0 = Date.now();
    const r = await interruptDuringLoad(['SIGINT', 'SIGINT']);
    expect(r.stderr).toMatch(/SIGINT again: exiting in 5 s/);
    expect(r.code).toBe(2);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expectNothingLeft(r, dirs);
  });
});

// Nothing outlives a killed harness (local backend): killed outright (SIGKILL), its reaper removes
// what the run started once the harness is gone; with the reaper killed too (a CI runner ending the
// whole tree), `brownout clean` or the next run's start removes it and says what. margin and soak
// share run's signal path: SIGTERM tears down and exits 2. (The containers backend's sweep:
// containers.test.ts. Signals to the installed command: interrupt.test.ts.)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LEDGER_DIR } from '../../harness/core/ledger.ts';
import { descendants, noteSeen, runProgram, runTempDirs, survivors, type SeenProcess } from './helpers.ts';

const reports = mkdtempSync(path.join(os.tmpdir(), 'brownout-killed-'));
afterAll(() => rmSync(reports, { recursive: true, force: true }));
const BIN = path.resolve('harness/cli/bin.js');

interface Killed {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Every process seen under the harness, the reaper among them. */
  tree: Map<number, SeenProcess>;
  reaper: number | undefined;
}

/** Starts `brownout <args>`, waits for `when` on its stderr, sends `sig` to it (and SIGKILL to its reaper when asked). */
function killDuring(args: string[], sig: NodeJS.Signals, o: { afterMs?: number; reaperToo?: boolean } = {}): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    const tree = new Map<number, SeenProcess>();
    const poll = setInterval(() => child.pid !== undefined && noteSeen(tree, descendants(child.pid)), 100);
    let stderr = '';
    let reaper: number | undefined;
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const kill = () => {
      if (child.exitCode !== null || child.signalCode !== null || reaper !== undefined) return;
      if (child.pid !== undefined) noteSeen(tree, descendants(child.pid));
      reaper = [...tree].find(([, p]) => /core\/reaper\.ts/.test(p.cmd))?.[0] ?? -1;
      if (o.reaperToo && reaper > 0) process.kill(reaper, 'SIGKILL');
      child.kill(sig);
    };
    // run says when a fault is applied; margin and soak say nothing until a run ends: a time into their first run then.
    const timer = o.afterMs === undefined ? undefined : setTimeout(kill, o.afterMs);
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (o.afterMs === undefined && /apply latency/.test(stderr)) kill();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ code, signal, stderr, tree, reaper });
    });
  });
}

/** Waits (up to 15 s) until none of the tree's processes (the reaper aside) is alive. */
async function settled(k: Killed): Promise<string[]> {
  const others = new Map([...k.tree].filter(([pid]) => pid !== k.reaper));
  for (let i = 0; i < 150 && survivors(others).length; i++) await new Promise((r) => setTimeout(r, 100));
  return survivors(others);
}

const ledgers = () => (existsSync(LEDGER_DIR) ? readdirSync(LEDGER_DIR).filter((f) => f.endsWith('.json')) : []);

describe('a harness killed outright leaves nothing behind', () => {
  it('SIGKILL mid-load: the reaper removes every process, the temp dir and the record, and the next clean says what it removed', async () => {
    const dirs = runTempDirs();
    const k = await killDuring(['run', 'tests/integration/scenarios/teardown-pass.ts', '--reports', reports], 'SIGKILL');
    expect(k.signal).toBe('SIGKILL');
    expect(k.reaper).toBeGreaterThan(0);
    expect(k.tree.size).toBeGreaterThanOrEqual(6); // the stack, k6 and the reaper were seen
    expect(await settled(k)).toEqual([]);
    for (let i = 0; i < 100 && (survivors(k.tree).length || ledgers().length); i++) await new Promise((r) => setTimeout(r, 100));
    expect(survivors(k.tree)).toEqual([]); // the reaper too, its work done
    expect(ledgers()).toEqual([]);
    expect(runTempDirs()).toEqual(dirs);
    const clean = await runProgram(process.execPath, [BIN, 'clean']);
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/reaper: \d{8}-\d{6}-teardown-pass-\w+: process pid \d+ .*mariadbd/);
    expect(clean.stdout).toMatch(/reaper: \d{8}-\d{6}-teardown-pass-\w+: temp dir /);
  });

  it('SIGKILL to the harness and its reaper (a whole tree ended): brownout clean removes the rest and names it', async () => {
    const dirs = runTempDirs();
    const k = await killDuring(['run', 'tests/integration/scenarios/teardown-pass.ts', '--reports', reports], 'SIGKILL', { reaperToo: true });
    expect(k.signal).toBe('SIGKILL');
    expect(survivors(k.tree).length).toBeGreaterThanOrEqual(4); // left running: nothing reaped them
    expect(ledgers().length).toBe(1);
    const clean = await runProgram(process.execPath, [BIN, 'clean']);
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/^removed \d{8}-\d{6}-teardown-pass-\w+: process pid \d+ .*mariadbd/m);
    expect(clean.stdout).toMatch(/^removed \d{8}-\d{6}-teardown-pass-\w+: temp dir /m);
    expect(survivors(k.tree)).toEqual([]);
    expect(ledgers()).toEqual([]);
    expect(runTempDirs()).toEqual(dirs);
  });

  it('the same, then the next run: its start removes what the dead one left, says so, and runs', async () => {
    const dirs = runTempDirs();
    const k = await killDuring(['run', 'tests/integration/scenarios/teardown-pass.ts', '--reports', reports], 'SIGKILL', { reaperToo: true });
    expect(survivors(k.tree).length).toBeGreaterThanOrEqual(4);
    const next = await runProgram(process.execPath, [BIN, 'run', 'tests/integration/scenarios/teardown-pass.ts', '--reports', reports]);
    expect(next.stderr).toMatch(/removed what a killed run left: \d{8}-\d{6}-teardown-pass-\w+: process pid \d+/);
    expect(next.status, next.stderr).toBe(0);
    expect(survivors(k.tree)).toEqual([]);
    expect(ledgers()).toEqual([]);
    expect(runTempDirs()).toEqual(dirs);
  });

  for (const [command, args] of [
    ['margin', ['margin', 'tests/integration/scenarios/margin.ts', '--fault', 'slow-link', '--vary', 'latency', '--reports', reports]],
    ['soak', ['soak', 'tests/integration/scenarios/teardown-pass.ts', '--runs', '1', '--modes', 'default', '--reports', path.join(reports, 'soak')]],
  ] as const)
    it(`${command}, SIGTERM mid-run: tears down, exits 2, nothing left`, async () => {
      const dirs = runTempDirs();
      // Inside the first run: the stack takes a few seconds to start, then 8 s of load (6 s for margin's).
      const k = await killDuring([...args], 'SIGTERM', { afterMs: 6_000 });
      expect(k.stderr).toMatch(/SIGTERM: stopping/);
      expect(k.code).toBe(2);
      expect(survivors(k.tree)).toEqual([]);
      expect(ledgers()).toEqual([]);
      expect(runTempDirs()).toEqual(dirs);
    });
});

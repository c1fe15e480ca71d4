import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', ...args], { encoding: 'utf8' });
const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('usage errors', () => {
  it('exit 2 (a harness error), never 1 (which says an expectation failed); --help exits 0', () => {
    for (const args of [['bogus'], ['replay', '--log', 'x.log', '--format', 'apache', '--out', 'x.ts'], ['run']]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/error: /);
    }
    expect(cli('replay', '--help').status).toBe(0);
  });
});

describe('brownout list', () => {
  it('lists every scenario with its modes and incident', () => {
    const r = cli('list');
    expect(r.status).toBe(0);
    const names = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual(['cold-cache', 'crash-recovery', 'dependency-outage', 'lb-failover', 'slow-transaction-replay', 'slow-transaction']);
    expect(r.stdout).toMatch(/lb-failover\s+fixed\|broken\s+scenarios\/lb-failover\.ts\s+The leader instance crashes/);
  });

  it('marks an invalid scenario, names what is wrong, and exits 2', () => {
    const scenarios = path.join(dir, 'scenarios');
    mkdirSync(scenarios, { recursive: true });
    copyFileSync('scenarios/cold-cache.ts', path.join(scenarios, 'cold-cache.ts'));
    const harness = JSON.stringify(path.resolve('harness/index.ts'));
    writeFileSync(path.join(scenarios, 'typo.ts'), `import { scenario } from ${harness};\nexport default scenario({ name: 'typo', incident: 'x', stack: () => ({}), load: { script: 'none.ts', target: 'app', rate: 1, duration: '1s' }, timeline: [], expect: {} });\n`);
    // The copied scenario imports ../harness: give it one.
    symlinkSync(path.resolve('harness'), path.join(dir, 'harness'));
    const r = cli('list', scenarios);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^cold-cache\s+fixed\|broken/m);
    expect(r.stdout).toMatch(/^typo\s+-\s+\S+typo\.ts\s+INVALID: stack: the stack has no parts \(\+2 more\); brownout run/m);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, runProgram } from './helpers.ts';

// Each command awaited, never spawnSync: a worker blocked past 60 s loses vitest's answers (helpers.ts runProgram).
const cli = runCli;
const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('usage errors', () => {
  it('exit 2 (a harness error), never 1 (which says an expectation failed); --help exits 0', async () => {
    for (const args of [['bogus'], ['replay', '--log', 'x.log', '--format', 'apache', '--out', 'x.ts'], ['run']]) {
      const r = await cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/error: /);
    }
    expect((await cli('replay', '--help')).status).toBe(0);
  });
  it('--again-if-busy, or BROWNOUT_AGAIN_IF_BUSY, that is not a count from 0 to 10 is one error naming both and the fix; nothing runs', async () => {
    const reports = path.join(dir, 'again-if-busy');
    const flag = await cli('run', 'scenarios/slow-transaction.ts', '--again-if-busy', 'lots', '--reports', reports);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain('--again-if-busy lots (or BROWNOUT_AGAIN_IF_BUSY): not a whole number from 0 to 10');
    expect(flag.stderr).toContain('fix: give how many more runs');
    const env = await runProgram(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'run', 'scenarios/slow-transaction.ts', '--reports', reports], {
      BROWNOUT_AGAIN_IF_BUSY: '-1',
    });
    expect(env.status).toBe(2);
    expect(env.stderr).toContain('--again-if-busy -1 (or BROWNOUT_AGAIN_IF_BUSY)');
    const margin = await cli('margin', 'scenarios/slow-transaction.ts', '--fault', '0', '--vary', 'for', '--again-if-busy', '11', '--reports', reports);
    expect(margin.status).toBe(2);
    expect(margin.stderr).toContain('--again-if-busy 11 (or BROWNOUT_AGAIN_IF_BUSY): not a whole number from 0 to 10');
    expect(existsSync(reports)).toBe(false);
  });
});

describe('make chaos', () => {
  it('is an ordinary target: a dry run (make -n) prints the setup and the run, and runs neither', async () => {
    const before = existsSync('reports') ? readdirSync('reports').length : 0;
    const r = spawnSync('make', ['-n', 'chaos', 'SCENARIO=scenarios/slow-transaction.ts', 'MODE=broken', 'BASELINE='], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('bash harness/setup/setup.sh');
    expect(r.stdout).toMatch(/harness\/cli\/main\.ts run scenarios\/slow-transaction\.ts --mode broken/);
    expect(r.stderr).toBe('');
    // No run was made: no report folder appeared.
    expect(existsSync('reports') ? readdirSync('reports').length : 0).toBe(before);
  });
});

describe('brownout list', () => {
  it('lists every scenario with its modes and incident', async () => {
    const r = await cli('list');
    expect(r.status).toBe(0);
    const names = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual([
      'cold-cache',
      'crash-recovery',
      'dependency-outage',
      'disk-full',
      'lb-failover',
      'memory-leak',
      'retry-storm',
      'search-backlog',
      'slow-transaction-replay',
      'slow-transaction',
    ]);
    expect(r.stdout).toMatch(/lb-failover\s+fixed\|broken\s+scenarios\/lb-failover\.ts\s+The leader instance crashes/);
  });

  it('marks an invalid scenario, names what is wrong, and exits 2', async () => {
    const scenarios = path.join(dir, 'scenarios');
    mkdirSync(scenarios, { recursive: true });
    const harness = JSON.stringify(path.resolve('harness/index.ts'));
    // A copy outside the repository: it imports the harness by path, and finds its files (paths from
    // its own folder: ../fixtures, load/) where the repository's are.
    writeFileSync(path.join(scenarios, 'cold-cache.ts'), readFileSync('scenarios/cold-cache.ts', 'utf8').replace("from 'brownout'", `from ${harness}`));
    writeFileSync(
      path.join(scenarios, 'typo.ts'),
      `import { scenario } from ${harness};\nexport default scenario({ name: 'typo', incident: 'x', stack: () => ({}), load: { script: 'none.ts', target: 'app', rate: 1, duration: '1s' }, timeline: [], expect: {} });\n`,
    );
    symlinkSync(path.resolve('fixtures'), path.join(dir, 'fixtures'));
    symlinkSync(path.resolve('scenarios/load'), path.join(scenarios, 'load'));
    const r = await cli('list', scenarios);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^cold-cache\s+fixed\|broken/m);
    expect(r.stdout).toMatch(/^typo\s+-\s+\S+typo\.ts\s+INVALID: stack: the stack has no parts \(\+2 more\); brownout run/m);
  });

  it('one file works; a helper beside the scenarios is named, never run; a file that never finishes loading is reported; the command always exits', async () => {
    const scenarios = path.join(dir, 'edges');
    mkdirSync(scenarios, { recursive: true });
    const harness = JSON.stringify(path.resolve('harness/index.ts'));
    const marker = path.join(dir, 'helper-ran');
    // A mock upstream: it would start a server (and write a marker) if it were loaded.
    writeFileSync(
      path.join(scenarios, 'mock-upstream.ts'),
      `import { writeFileSync } from 'node:fs';\nimport http from 'node:http';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport const server = http.createServer((q, r) => r.end('ok')).listen(0);\n`,
    );
    // A scenario that starts a server as it loads: listed, and the command still exits.
    const start = `import http from 'node:http';\nimport { scenario, service } from ${harness};\nhttp.createServer((q, r) => r.end('ok')).listen(0);\n`;
    const body = `scenario({ name: 'with-server', incident: 'starts a server as it loads', modes: ['a', 'b'], stack: () => ({ app: service({ command: ['node', 'x.js'] }) }), load: { script: ${JSON.stringify(path.resolve('tests/integration/scenarios/health.k6.ts'))}, target: 'app', rate: 1, duration: '1s' }, timeline: [], expect: {} })`;
    writeFileSync(path.join(scenarios, 'with-server.ts'), `${start}export default ${body};\n`);
    writeFileSync(path.join(scenarios, 'stuck.mjs'), `await new Promise(() => undefined);\nexport default {};\n`);
    const one = await cli('list', path.join(scenarios, 'with-server.ts'));
    expect(one.stdout).toMatch(/^with-server\s+a\|b\s+\S+with-server\.ts\s+starts a server as it loads$/m);
    expect(one.status).toBe(0);
    const t = Date.now();
    const all = await runProgram(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'list', scenarios], {}, undefined, 60_000);
    expect(all.signal).toBeNull();
    expect(all.status).toBe(2);
    expect(Date.now() - t).toBeLessThan(30_000);
    expect(all.stdout).toMatch(/^mock-upstream\s+-\s+\S+mock-upstream\.ts\s+not a scenario \(no default export\): not loaded$/m);
    expect(existsSync(marker)).toBe(false);
    expect(all.stdout).toMatch(/^stuck\s+-\s+\S+stuck\.mjs\s+INVALID: file: did not finish loading within 15 s/m);
    expect(all.stdout).toMatch(/^with-server\s+a\|b/m);
  }, 60_000);
});

describe('brownout soak', () => {
  it('keeps its soak after every run; --continue adds to it (a soak split over jobs); nothing to continue is one error', async () => {
    const reports = path.join(dir, 'soak');
    const args = ['soak', 'tests/integration/scenarios/latency.ts', '--runs', '1', '--modes', 'default', '--reports', reports];
    const none = await cli(...args, '--continue');
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('there is no soak to continue');
    expect(existsSync(reports)).toBe(false);
    const first = await cli(...args);
    expect(first.status, first.stderr).toBe(0);
    const second = await cli(...args, '--continue');
    expect(second.status, second.stderr).toBe(0);
    const soak = JSON.parse(readFileSync(path.join(reports, 'soak.json'), 'utf8')) as {
      runs: { scenario: string; runId: string; untrusted?: string }[];
      lines: { runs: number; passed: number; untrusted: number }[];
    };
    // A run the machine was too busy to trust ran again (BROWNOUT_AGAIN_IF_BUSY, as for run): kept, counted apart.
    const busy = soak.runs.filter((r) => r.untrusted).length;
    expect(soak.runs.filter((r) => !r.untrusted).map((r) => r.scenario)).toEqual(['latency-probe', 'latency-probe']);
    // Each run's report is kept under runs/, named by the id soak.json records.
    for (const r of soak.runs) expect(existsSync(path.join(reports, 'runs', r.runId, 'result.json'))).toBe(true);
    expect(soak.lines).toMatchObject([{ runs: 2 + busy, passed: 2, untrusted: busy }]);
    expect(readFileSync(path.join(reports, 'soak.md'), 'utf8')).toMatch(new RegExp(`^# Soak: ${2 + busy} runs per scenario and mode`));
  }, 120_000);
});

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../harness/report/index.ts';
import { runProgram } from './helpers.ts';

/**
 * A team's own project, as a newcomer makes it from the README: an empty folder outside this
 * repository, the packed brownout installed as a dev dependency, `brownout init`, and a run
 * against a real open-source service from npm that nobody here wrote: json-server (a REST API over
 * a JSON file; Express underneath). Chosen because it is a real, widely used Node HTTP service that
 * installs from the registry alone, writes on POST, and takes its port as a flag (--port), so the
 * scenario must hand it ${PORT}; and it is started through npx, a wrapper process, as teams do.
 */
const work = mkdtempSync(path.join(os.tmpdir(), 'brownout-own-project-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Processes whose command line names the project: none may outlive a run. */
function projectProcesses(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmd.includes(work) && Number(pid) !== process.pid) out.push(`${pid} ${cmd}`);
    } catch {
      // gone
    }
  }
  return out;
}

describe("a team's own project: npm install -D the packed package, brownout init, run against json-server", () => {
  it('installs, inits without overwriting, type-checks, and passes a run from the chaos folder with nothing left behind', async () => {
    // The package as npm would publish it (prepack makes the declarations).
    const packed = await runProgram('npm', ['pack', '--pack-destination', work, '--silent']);
    expect(packed.status, packed.stderr).toBe(0);
    const tgz = path.join(work, packed.stdout.trim().split('\n').pop() ?? '');
    expect(existsSync(tgz), tgz).toBe(true);

    const project = path.join(work, 'shop');
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'package.json'),
      `${JSON.stringify({ name: 'shop', version: '1.0.0', private: true, scripts: { test: 'echo no tests' } }, null, 2)}\n`,
    );
    writeFileSync(path.join(project, 'db.json'), `${JSON.stringify({ posts: [{ id: 1, title: 'hello' }], comments: [] })}\n`);
    const installed = await runProgram(
      'npm',
      ['install', '-D', tgz, 'json-server@0.17.4', 'typescript@~5.9', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      {},
      project,
    );
    expect(installed.status, installed.stderr).toBe(0);

    // The tools live in the per-user cache (make test's setup built them): the CLI finds them from here.
    const doctor = await runProgram('npx', ['brownout', 'doctor', '--check'], {}, project);
    expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);

    const init = await runProgram(
      'npx',
      ['brownout', 'init', '--command', 'npx json-server db.json --host 127.0.0.1 --port ${PORT}', '--health', '/posts'],
      {},
      project,
    );
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toContain('wrote    chaos/scenario.ts');
    // TypeScript is in this project (installed above): the check it can run, as it is.
    expect(init.stdout).toContain('type check: npx tsc -p chaos/tsconfig.json');
    const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts).toEqual({ test: 'echo no tests', chaos: 'brownout run chaos/scenario.ts' });
    const scenarioText = readFileSync(path.join(project, 'chaos', 'scenario.ts'), 'utf8');
    expect(scenarioText).toContain("from 'brownout';");
    expect(readFileSync(path.join(project, 'chaos', 'load.k6.ts'), 'utf8')).toContain("from 'brownout/k6';");
    // Again: nothing is overwritten.
    writeFileSync(path.join(project, 'chaos', 'scenario.ts'), `${scenarioText}// edited by the team\n`);
    const again = await runProgram('npx', ['brownout', 'init'], {}, project);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('kept     chaos/scenario.ts');
    expect(readFileSync(path.join(project, 'chaos', 'scenario.ts'), 'utf8')).toContain('// edited by the team');

    // list finds what init wrote: with no argument (the chaos script's folder) and given the folder; the load script is no scenario.
    for (const args of [['list'], ['list', 'chaos']]) {
      const listed = await runProgram('npx', ['brownout', ...args], {}, project);
      expect(listed.status, listed.stdout + listed.stderr).toBe(0);
      expect(listed.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^\S+\s+\S+\s+chaos\/scenario\.ts\s+/)]);
    }

    // The scenario and the load script type-check against the package's own declarations.
    const tsc = await runProgram('npx', ['tsc', '-p', 'chaos/tsconfig.json'], {}, project);
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

    // Run from the chaos folder: the CLI and every path in the scenario do not depend on the current directory.
    const run = await runProgram('npx', ['brownout', 'run', 'scenario.ts'], {}, path.join(project, 'chaos'));
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const reportDir = /report in (\S+)/.exec(run.stderr)?.[1] ?? '';
    const dir = path.resolve(project, 'chaos', reportDir);
    for (const f of ['result.json', 'summary.md', 'junit.xml', 'report.html']) expect(existsSync(path.join(dir, f)), f).toBe(true);
    const result = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as RunResult & { cleanupFailures?: string[] };
    expect(result.verdict).toBe('pass');
    expect(result.cleanupFailures ?? []).toEqual([]);
    expect(result.load.requests).toBeGreaterThan(250);
    // The service really was json-server, on the port the harness gave it: its own log is in the report.
    expect(readFileSync(path.join(dir, 'logs', 'app__app.log'), 'utf8')).toMatch(/Loading db\.json[\s\S]*http:\/\/127\.0\.0\.1:\d+\/posts/);
    expect(result.judgement.expectations.filter((e) => e.phase === 'fault').every((e) => e.requests > 50)).toBe(true);
    expect(projectProcesses()).toEqual([]);
  }, 420_000);
});

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../harness/index.ts';
import { containerEngine, containersLeft, interruptedRun, ranClean, runModes, runProgram } from './helpers.ts';

// A team's stack as its compose file has it (tests/integration/compose-project: the app built from a
// Dockerfile, MariaDB, Redis, and an HAProxy load balancer brownout has no kind for, configured by a
// file of the project), read unchanged: each service dials its dependencies by the names the file
// gives (db:3306, redis://cache:6379, app:3000), and each of those links goes through a Toxiproxy.
const PROJECT = 'tests/integration/compose-project';
const FILE = `${PROJECT}/chaos/scenario.ts`;

let engine: Awaited<ReturnType<typeof containerEngine>>;
const work = mkdtempSync(path.join(os.tmpdir(), 'brownout-compose-'));
beforeAll(async () => {
  engine = await containerEngine();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const failedOf = (o: RunOutcome) => o.result?.judgement.expectations.filter((x) => !x.passed).map((x) => `${x.phase} ${x.source}`) ?? [];

/**
 * The connections each dependent's own Toxiproxy accepted over the whole run (its log, kept in the
 * report: a pool that connected at start-up counts too), by link: proof that each name it dialled led
 * to its link's proxy.
 */
function acceptedByLink(o: RunOutcome): Record<string, number> {
  const out: Record<string, number> = {};
  for (const own of ['toxiproxy-app', 'toxiproxy-lb']) {
    const log = readFileSync(path.join(o.reportDir ?? '', 'logs', `${own}__${own}.log`), 'utf8');
    for (const line of log.split('\n').filter((l) => l.includes('"Accepted client"'))) {
      const [from, to] = (JSON.parse(line) as { name: string }).name.split('-').slice(-2);
      out[`${from}→${to}`] = (out[`${from}→${to}`] ?? 0) + 1;
    }
  }
  return out;
}

describe("a team's compose file, read unchanged, on containers", () => {
  it('fixed passes, broken fails on the cache flush; every link is a Toxiproxy the service reaches by its own name; nothing left', async (ctx) => {
    if (!engine.found) return ctx.skip(engine.reason);
    const runs = await runModes('containers', FILE, ['fixed', 'broken']);
    const fixed = ranClean(runs.get('fixed') as RunOutcome);
    const broken = ranClean(runs.get('broken') as RunOutcome);
    expect(failedOf(fixed)).toEqual([]);
    expect(fixed.exitCode).toBe(0);
    // The app's own 503 "no available channel" after the flush, until its next sync from the database.
    expect(failedOf(broken)).toEqual(['overall rate(503) < 0.1%']);
    expect(broken.exitCode).toBe(1);
    for (const o of [fixed, broken]) {
      // lb dials app:3000 as its haproxy.cfg says: the latency on lb→app is in every request.
      const slow = o.result?.judgement.expectations.find((x) => x.phase === 'slow-app' && x.source === 'p50 > 90ms');
      expect(slow?.measured).toBeGreaterThan(95);
      // Each name led to its link's proxy: every link carried connections (lb's to the app, the app's pool and its Redis client).
      const accepted = acceptedByLink(o);
      expect(Object.keys(accepted).sort()).toEqual(['app→cache', 'app→db', 'lb→app']);
      for (const [link, n] of Object.entries(accepted)) expect(n, link).toBeGreaterThan(0);
      expect(o.result?.timeline.filter((e) => e.kind === 'apply').map((e) => e.label)).toEqual([
        'latency 100ms on lb→app',
        'latency 20ms on app→db',
        'flushCache cache',
        'latency 20ms on app→cache',
      ]);
    }
  }, 300_000);

  it('brownout init --compose writes a scenario from the file; the file with a key brownout cannot honour: exit 2 naming it, nothing started', async (ctx) => {
    if (!engine.found) return ctx.skip(engine.reason);
    const project = path.join(work, 'shop');
    cpSync(PROJECT, project, { recursive: true, filter: (src) => !path.resolve(src).startsWith(path.resolve(PROJECT, 'chaos')) });
    // The app's build context is this repository (the sample services' Dockerfile), wherever the project is.
    const composeFile = path.join(project, 'docker-compose.yml');
    const compose = readFileSync(composeFile, 'utf8').replace('context: ../../..', `context: ${path.resolve('.')}`);
    writeFileSync(composeFile, compose);
    writeFileSync(path.join(project, 'package.json'), '{ "name": "shop" }\n');
    const cli = (...args: string[]) => runProgram(process.execPath, [path.resolve('harness/cli/bin.js'), ...args], {}, project);

    const init = await cli('init', '--compose', 'docker-compose.yml');
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toContain('added    package.json scripts.chaos ("brownout run chaos/scenario.ts --stack containers")');
    const scenario = readFileSync(path.join(project, 'chaos', 'scenario.ts'), 'utf8');
    expect(scenario).toContain("stack: fromCompose('../docker-compose.yml'),");
    expect(scenario).toContain("target: 'lb'");
    // A fault on every link, each its own phase.
    for (const link of ['lb→app', 'app→db', 'app→cache']) expect(scenario).toContain(`latency({ link: '${link}', latency: '200ms' })`);

    // Its run on containers, from a project where brownout is installed from the packed tarball:
    // own-project.test.ts.

    // One key brownout cannot honour: one error naming the file, the service and the key, before anything starts.
    writeFileSync(composeFile, compose.replace('  app:\n', '  app:\n    privileged: true\n'));
    const refused = await cli('run', 'chaos/scenario.ts', '--stack', 'containers');
    expect(refused.status, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stderr).toContain('../docker-compose.yml › services.app.privileged: brownout cannot honour privileged');
    expect(refused.stderr).toContain('docker-compose.override.yml');
    expect(await containersLeft()).toEqual([]);
  }, 120_000);

  it("SIGINT mid-fault: the dependents' own Toxiproxies go with the rest; exit 2, nothing left", async (ctx) => {
    if (!engine.found) return ctx.skip(engine.reason);
    const reports = mkdtempSync(path.join(os.tmpdir(), 'bo-compose-'));
    try {
      // The first fault (on lb→app, on lb's own Toxiproxy) in place.
      const { code, stderr } = await interruptedRun([FILE, '--mode', 'fixed', '--stack', 'containers', '--reports', reports], 'SIGINT', /apply latency/);
      expect(stderr).toContain('interrupted by SIGINT');
      expect(stderr).not.toContain('could not clean up');
      expect(code).toBe(2);
      expect(await containersLeft()).toEqual([]);
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  }, 120_000);
});

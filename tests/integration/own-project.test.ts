import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../harness/report/index.ts';
import { containerEngine, containersLeft, runProgram } from './helpers.ts';

const COMPOSE_PROJECT = path.resolve('tests/integration/compose-project');

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
      ['install', '-D', tgz, 'json-server@0.17.4', 'xmysql@0.5.1', 'typescript@~5.9', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
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

  it('an open-source REST API over MariaDB (xmysql from npm), its migration as setup, its own Dockerfile: a link fault and a kill, locally and on containers', async (ctx) => {
    const engine = await containerEngine();
    if (!engine.found) return ctx.skip(engine.reason);
    // xmysql (a REST API generated over any MySQL/MariaDB database; express and the mysql client
    // underneath), started through npx, a wrapper, as teams do: the kill must reach the server
    // behind it on both backends. Its image is the team's own Dockerfile, FROM brownout's Node image.
    const project = path.join(work, 'shop');
    writeFileSync(
      path.join(project, 'migrate.cjs'),
      `// The team's migration: the items table and its rows (run once before the API starts).
const mysql = require('mysql');
const env = process.env;
const c = mysql.createConnection({ host: env.DB_HOST, port: Number(env.DB_PORT), user: env.DB_USER, password: env.DB_PASSWORD, database: env.DB_DATABASE, multipleStatements: true });
c.query("CREATE TABLE IF NOT EXISTS items (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL); INSERT IGNORE INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three');", (e) => {
  c.end();
  if (e) { console.error('migration failed: ' + e.message); process.exit(1); }
  console.log('migrated: items');
});
`,
    );
    writeFileSync(
      path.join(project, 'Dockerfile'),
      `ARG NODE_IMAGE
FROM \${NODE_IMAGE}
WORKDIR /srv
ARG NPM_CONFIG_REGISTRY
RUN [ -n "$NPM_CONFIG_REGISTRY" ] || unset NPM_CONFIG_REGISTRY; echo '{"name":"api","private":true}' > package.json && npm install --omit=dev --no-audit --no-fund --loglevel=error xmysql@0.5.1
COPY migrate.cjs ./
`,
    );
    mkdirSync(path.join(project, 'chaos-db'));
    writeFileSync(
      path.join(project, 'chaos-db', 'load.k6.ts'),
      "import http from 'k6/http';\nexport default function (): void {\n  http.get(`${__ENV.BASE_URL}/api/items/${1 + Math.floor(Math.random() * 3)}`, { tags: { name: 'item' }, timeout: '5s' });\n}\n",
    );
    writeFileSync(
      path.join(project, 'chaos-db', 'scenario.ts'),
      `import { at, gateway, kill, latency, mariadb, scenario, service } from 'brownout';

const XMYSQL = ['npx', 'xmysql', '-h', '\${DB_HOST}', '-o', '\${DB_PORT}', '-u', '\${DB_USER}', '-p', '\${DB_PASSWORD}', '-d', '\${DB_DATABASE}', '-r', '\${HOST}', '-n', '\${PORT}'];

export default scenario({
  name: 'items-api',
  incident: 'test: an open-source REST API over MariaDB behind a gateway: slow database, then the API killed',
  modes: ['local', 'containers'],
  stack: () => ({
    db: mariadb(),
    api: service({ command: XMYSQL, setup: ['node', 'migrate.cjs'], cwd: '..', health: '/api/items', build: { context: '..' }, dependsOn: ['db'] }),
    edge: gateway({ to: 'api', timeout: '3s' }),
  }),
  load: { script: 'load.k6.ts', target: 'edge', rate: 10, duration: '14s' },
  timeline: [at('3s', latency({ link: 'api→db', latency: '200ms' }), { for: '4s', name: 'slow-db' }), at('10s', kill({ part: 'api' }))],
  expect: {
    baseline: ['rate(5xx) == 0'],
    'slow-db': ['p50 > 180ms', 'rate(5xx) == 0'],
    // Nothing restarts it: once the kill reached the server (not only npx), the gateway answers 502.
    recovery: ['rate(502) > 90%'],
  },
});
`,
    );
    for (const args of [
      ['--mode', 'local'],
      ['--mode', 'containers', '--stack', 'containers'],
    ]) {
      const run = await runProgram('npx', ['brownout', 'run', 'chaos-db/scenario.ts', ...args], {}, project);
      expect(run.status, run.stdout + run.stderr).toBe(0);
      const dir = path.resolve(project, /report in (\S+)/.exec(run.stderr)?.[1] ?? '');
      const result = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as RunResult;
      expect(result.verdict, args.join(' ')).toBe('pass');
      // The migration ran: the API was ready only once /api/items answered 200 (xmysql serves a route
      // per table it finds at start), and the baseline had no 5xx.
      expect(result.judgement.expectations.find((e) => e.phase === 'recovery')?.requests).toBeGreaterThan(20);
    }
    expect(await containersLeft()).toEqual([]);
    expect(projectProcesses()).toEqual([]);
  }, 300_000);

  it("the team's compose file: init --compose, then a run on containers gives a verdict; nothing left in the engine", async (ctx) => {
    const engine = await containerEngine();
    if (!engine.found) return ctx.skip(engine.reason);
    // The compose project of tests/integration/compose.test.ts, in this installed project's own
    // folder (its app's build context is this repository, for the sample services' Dockerfile).
    const project = path.join(work, 'shop');
    const stack = path.join(project, 'stack');
    cpSync(COMPOSE_PROJECT, stack, { recursive: true, filter: (src) => !path.resolve(src).startsWith(path.join(COMPOSE_PROJECT, 'chaos')) });
    const composeFile = path.join(stack, 'docker-compose.yml');
    writeFileSync(composeFile, readFileSync(composeFile, 'utf8').replace('context: ../../..', `context: ${path.resolve('.')}`));

    const init = await runProgram('npx', ['brownout', 'init', '--compose', 'stack/docker-compose.yml', '--dir', 'chaos-compose'], {}, project);
    expect(init.status, init.stderr).toBe(0);
    const scenarioText = readFileSync(path.join(project, 'chaos-compose', 'scenario.ts'), 'utf8');
    expect(scenarioText).toContain("from 'brownout';");
    expect(scenarioText).toContain("stack: fromCompose('../stack/docker-compose.yml'),");
    const tsc = await runProgram('npx', ['tsc', '-p', 'chaos-compose/tsconfig.json'], {}, project);
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

    const run = await runProgram('npx', ['brownout', 'run', 'chaos-compose/scenario.ts', '--stack', 'containers'], {}, project);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const dir = path.resolve(project, /report in (\S+)/.exec(run.stderr)?.[1] ?? '');
    const result = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as RunResult;
    expect(result.verdict).toBe('pass');
    // A latency fault on each link of the file, each its own phase, judged.
    expect(result.timeline.filter((e) => e.kind === 'apply').map((e) => e.label)).toEqual([
      'latency 200ms on lb→app',
      'latency 200ms on app→db',
      'latency 200ms on app→cache',
    ]);
    for (const phase of ['slow-lb-app', 'slow-app-db', 'slow-app-cache'])
      expect(
        result.judgement.expectations.filter((e) => e.phase === phase).every((e) => e.passed && e.requests > 20),
        phase,
      ).toBe(true);
    expect(await containersLeft()).toEqual([]);
    expect(projectProcesses()).toEqual([]);
  }, 300_000);
});

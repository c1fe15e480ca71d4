import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError } from '../core/errors.ts';
import { interpolate, readCompose } from './compose.ts';
import { IMAGE_SETS, stackPlan } from './containers/plan.ts';
import { partKind, type ResolvedPart } from './parts/index.ts';
import type { PartResolveContext } from './parts/part.ts';

const PROJECT = path.resolve(import.meta.dirname, '../../tests/integration/compose-project');
const COMPOSE = path.join(PROJECT, 'docker-compose.yml');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'brownout-compose-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A compose file in a fresh folder (with a Dockerfile and a schema beside it), read as fromCompose reads it. */
function composeOf(text: string, options = {}, env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmp, 'p-'));
  for (const [f, t] of Object.entries(files)) writeFileSync(path.join(dir, f), t);
  mkdirSync(path.join(dir, 'app'));
  writeFileSync(path.join(dir, 'app', 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(path.join(dir, 'schema.sql'), 'CREATE TABLE t (id INT);\n');
  writeFileSync(path.join(dir, 'docker-compose.yml'), text);
  return () => readCompose(path.join(dir, 'docker-compose.yml'), 'docker-compose.yml', options, env);
}

/** The problems a compose file gives, as "field: message". */
function problemsOf(read: () => unknown): string[] {
  try {
    read();
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems.map((p) => `${p.field}: ${p.message}`);
    throw e;
  }
  return [];
}

/** Parts resolved as the scenario's resolution does (no file checks: the paths here exist). */
function resolved(stack: Record<string, { kind: string }>): ResolvedPart[] {
  const names = Object.keys(stack);
  const problems: string[] = [];
  const links: string[] = [];
  const out = names.map((name) => {
    const ctx: PartResolveContext = {
      name,
      names,
      problem: (k, m) => problems.push(`${name}.${k}: ${m}`),
      file: (_k, rel) => rel && path.resolve(PROJECT, rel),
      dir: (_k, rel) => path.resolve(PROJECT, rel ?? '.'),
      duration: (_k, t, fallback) => (t ? Number.parseInt(t, 10) * 1000 : fallback),
      kindOf: (p) => stack[p]?.kind as never,
      link: (to) => {
        links.push(`${name}→${to}`);
        return true;
      },
    };
    const kind = partKind(stack[name]?.kind ?? '');
    const parsed = kind?.schema.parse(stack[name]);
    return kind?.resolve(parsed as never, ctx) as ResolvedPart;
  });
  expect(problems).toEqual([]);
  return out;
}

describe('fromCompose: a team compose file as parts', () => {
  it('maps each service to its kind, keeps the environment as written, and reaches each dependency by the name it dials', () => {
    const stack = readCompose(COMPOSE, 'docker-compose.yml', { env: { APP_MODE: 'broken' } }, {});
    expect(Object.keys(stack)).toEqual(['lb', 'app', 'db', 'cache']);
    expect(stack['db']).toEqual({
      kind: 'mariadb',
      database: 'routing',
      account: { user: 'router', password: 'router-secret' },
      rootPassword: 'root-secret',
      variables: { innodb_lock_wait_timeout: '5' },
      schema: path.join(PROJECT, 'db/schema.sql'),
    });
    // redis-server --appendonly yes: a data option, which brownout's Redis (no persistence) drops.
    expect(stack['cache']).toEqual({ kind: 'redis' });
    const app = stack['app'];
    expect(app?.kind === 'service' && app).toMatchObject({
      build: { context: path.resolve(PROJECT, '../../..'), dockerfile: path.resolve(PROJECT, '../../../fixtures/Dockerfile'), args: {} },
      // A command alone replaces the image's CMD (its ENTRYPOINT kept); split as a shell would.
      args: ['node', '--import', 'tsx', 'fixtures/router/server.ts'],
      workdir: '/app',
      port: 3000,
      env: { MODE: 'broken', DB_HOST: 'db', DB_PORT: '3306', CACHE_URL: 'redis://cache:6379' },
      health: { command: ['node', '-e', expect.stringContaining("fetch('http://127.0.0.1:3000/health')")] },
      dependsOn: ['db', 'cache'],
      hostnames: { db: 'db', cache: 'cache' },
    });
    const lb = stack['lb'];
    expect(lb?.kind === 'service' && lb).toMatchObject({
      image: 'brownout/haproxy:2.6',
      // Its ports: container side; no healthcheck: ready when the port accepts a connection.
      port: 8080,
      health: 'tcp',
      dependsOn: ['app'],
      hostnames: { app: 'app' },
      mounts: [{ source: path.join(PROJECT, 'lb/haproxy.cfg'), target: '/usr/local/etc/haproxy/haproxy.cfg', readOnly: true }],
    });
  });

  it("on containers each dependent gets its own Toxiproxy, listening on each dependency's own port, and is told no <NAME>_* of them", () => {
    const parts = resolved(readCompose(COMPOSE, 'docker-compose.yml', {}, {}) as Record<string, { kind: string }>);
    const order = ['db', 'cache', 'app', 'lb'].map((n) => parts.find((p) => p.name === n) as ResolvedPart);
    const links = [
      { name: 'app→db', from: 'app', to: 'db', http: [] },
      { name: 'app→cache', from: 'app', to: 'cache', http: [] },
      { name: 'lb→app', from: 'lb', to: 'app', http: [] },
    ];
    const plan = stackPlan(order, links, 'r1', { dbPassword: (p) => `pw-${p}` });
    expect(plan.sidecars).toEqual([
      { alias: 'toxiproxy-app', part: 'app', proxyPorts: [3306, 6379], hosts: ['db', 'cache'] },
      { alias: 'toxiproxy-lb', part: 'lb', proxyPorts: [3000], hosts: ['app'] },
    ]);
    expect(plan.proxies.map((p) => `${p.link} ${p.server}:${p.listenPort} → ${p.upstream}`)).toEqual([
      'app→db toxiproxy-app:3306 → db:3306',
      'app→cache toxiproxy-app:6379 → cache:6379',
      'lb→app toxiproxy-lb:3000 → app:3000',
    ]);
    // The run's own Toxiproxy holds none of them.
    expect(plan.toxiproxy.proxyPorts).toEqual([]);
    const app = plan.containers.find((c) => c.part === 'app');
    expect(app?.kind === 'service' && Object.keys(app.env).filter((k) => /^(DB|CACHE)_/.test(k))).toEqual([
      'DB_HOST',
      'DB_PORT',
      'DB_USER',
      'DB_PASSWORD',
      'DB_DATABASE',
      'CACHE_URL',
    ]);
    expect(app?.kind === 'service' && app.env['DB_HOST']).toBe('db');
    // The team's account, not brownout's per-run one.
    const db = plan.containers.find((c) => c.part === 'db');
    expect(db?.kind === 'mariadb' && [db.image, db.user, db.password, db.rootPassword]).toEqual([
      IMAGE_SETS.local.mariadb,
      'router',
      'router-secret',
      'root-secret',
    ]);
  });

  it('two dependents of one database: two links on two Toxiproxies, each on 3306', () => {
    const stack = composeOf(`
services:
  a: { build: ./app, expose: ['80'], environment: { DB: 'db:3306' } }
  b: { build: ./app, expose: ['80'], depends_on: [db] }
  db: { image: mysql:8 }
`)();
    const parts = resolved(stack as Record<string, { kind: string }>);
    const order = ['db', 'a', 'b'].map((n) => parts.find((p) => p.name === n) as ResolvedPart);
    const plan = stackPlan(
      order,
      [
        { name: 'a→db', from: 'a', to: 'db', http: [] },
        { name: 'b→db', from: 'b', to: 'db', http: [] },
      ],
      'r1',
      { dbPassword: () => 'x' },
    );
    expect(plan.proxies.map((p) => `${p.server}:${p.listenPort}`)).toEqual(['toxiproxy-a:3306', 'toxiproxy-b:3306']);
    // 'db:3306' in a's environment made the link (no depends_on needed); MySQL runs as brownout's MariaDB.
    expect(stack['a']).toMatchObject({ dependsOn: ['db'], hostnames: { db: 'db' } });
    expect(stack['db']).toEqual({ kind: 'mariadb' });
  });

  it('a key brownout cannot honour, an external volume, a path outside the project: one problem each, naming the service and the key', () => {
    const problems = problemsOf(
      composeOf(`
services:
  app:
    build: ./app
    expose: ['3000']
    network_mode: host
    privileged: true
  worker:
    build: ./app
    volumes: ['shared:/data', '../outside:/x', './missing.txt:/y']
  cache: { image: redis:7, command: redis-server --maxmemory 10mb }
volumes:
  shared: { external: true }
`),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^docker-compose.yml › services.app.network_mode: brownout cannot honour network_mode/),
      expect.stringMatching(/^docker-compose.yml › services.app.privileged: brownout cannot honour privileged/),
      "docker-compose.yml › services.worker.volumes: 'shared' is an external volume: the run would use (and change) data outside it",
      "docker-compose.yml › services.worker.volumes: ../outside is outside the project (the compose file's folder)",
      expect.stringMatching(/^docker-compose.yml › services.worker.volumes: .\/missing.txt does not exist/),
      expect.stringMatching(/^docker-compose.yml › services.worker.expose: brownout cannot tell which port it listens on/),
      'docker-compose.yml › services.cache.command: brownout runs its own Redis (fresh, no persistence); it cannot honour --maxmemory 10mb',
    ]);
  });

  it('profiles, fromCompose services and kinds; a one-off service is a problem with its fix', () => {
    const text = `
services:
  app: { build: ./app, expose: ['3000'], depends_on: { migrate: { condition: service_completed_successfully }, db: { condition: service_healthy } } }
  migrate: { build: ./app, command: ['npm', 'run', 'migrate'] }
  db: { image: mariadb:11 }
  debug: { image: busybox, profiles: [debug] }
`;
    expect(problemsOf(composeOf(text))).toEqual([
      expect.stringMatching(/services.app.depends_on.migrate: a one-off service .* is not run before app$/),
      expect.stringMatching(/services.migrate.expose: brownout cannot tell which port/),
    ]);
    const only = composeOf(text, {
      services: ['app', 'db'],
      kinds: { db: 'service' },
      ports: { db: 3306 },
      parts: { app: { setup: ['npm', 'run', 'migrate'], env: { X: '1' } } },
    })();
    expect(Object.keys(only)).toEqual(['app', 'db']);
    expect(only['app']).toMatchObject({ setup: ['npm', 'run', 'migrate'], env: { X: '1' }, dependsOn: ['db'] });
    expect(only['db']).toMatchObject({ kind: 'service', image: 'mariadb:11', port: 3306, health: 'tcp' });
  });

  it('reads env_file then environment (which wins), a bare name from the variables, ${VAR} in every value', () => {
    const text = `
services:
  app:
    image: team/app:\${TAG:-dev}
    expose: ['3000']
    env_file: [.env.app]
    environment: [A=from-environment, FROM_SHELL, "LITERAL=$$HOME", "FROM_DOTENV=\${DOTENV_VAR}"]
`;
    const app = composeOf(text, {}, { FROM_SHELL: 'shell' }, { '.env.app': 'A=from-file\nB=from-file\n', '.env': 'DOTENV_VAR=dot\nTAG=1.4\n' })()['app'];
    expect(app).toMatchObject({
      image: 'team/app:1.4',
      env: { A: 'from-environment', B: 'from-file', FROM_SHELL: 'shell', LITERAL: '$HOME', FROM_DOTENV: 'dot' },
    });
    // fromCompose's env over the process's over .env.
    expect(composeOf(text, { env: { TAG: 'opt' } }, { TAG: 'shell' }, { '.env.app': '', '.env': 'TAG=dot\n' })()['app']).toMatchObject({
      image: 'team/app:opt',
    });
    expect(composeOf(text, {}, { TAG: 'shell' }, { '.env.app': '', '.env': 'TAG=dot\n' })()['app']).toMatchObject({ image: 'team/app:shell' });
    expect(problemsOf(composeOf(text))).toEqual([expect.stringMatching(/services.app.env_file: '.env.app' does not exist/)]);
  });
});

describe('compose interpolation', () => {
  const vars = { SET: 'v', EMPTY: '' };
  const run = (s: string) => {
    const problems: string[] = [];
    return { out: interpolate(s, vars, (f, m) => problems.push(`${f}: ${m}`), 'x'), problems };
  };
  it('as compose: defaults, alternatives, $$ and required variables', () => {
    expect(run('${SET} $SET ${UNSET} ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${SET:+alt} ${UNSET+alt} $$SET').out).toBe('v v  d d  alt  $SET');
    expect(run('${UNSET:?give it}').problems).toEqual(['x: UNSET is not set: give it']);
    expect(run('${1bad}').problems).toEqual(["x: '${1bad}' is not a variable compose knows"]);
  });
});

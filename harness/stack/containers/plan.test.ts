import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../scenario/index.ts';
import type { ContainerControl } from '../parts/index.ts';
import { mainProcessFaults } from '../parts/part.ts';
import { HOLDER_PATH, serviceFaults } from '../parts/service.ts';
import { IMAGE_SETS, MARIADB_SERVER_FLAGS, serviceBuild, stackPlan, type ContainerPlan } from './plan.ts';

const secrets = { dbPassword: (part: string) => `pw-${part}` };
const byPart = (cs: ContainerPlan[], part: string) => cs.find((c) => c.part === part);

describe('containers plan: the scenario stack mapped to containers', () => {
  it('a link with HTTP faults: Toxiproxy → its HAProxy container (every rule off, the runtime API on TCP) → the part', async () => {
    const sc = await loadScenario('scenarios/slow-transaction.ts', { mode: 'broken' });
    const links = sc.links.map((l) =>
      l.name === 'app→imager'
        ? {
            ...l,
            http: [
              { id: 'f4', path: '/thumb', share: 0.3, action: 'error' as const, status: 503, retryAfterS: 2 },
              { id: 'f5', path: '/', share: 1, action: 'delay' as const, delayMs: 1500 },
              { id: 'f6', path: '/', share: 0.5, action: 'abort' as const },
            ],
          }
        : l,
    );
    const plan = stackPlan(sc.parts, links, 'r1', secrets);
    expect(plan.proxies.map((p) => `${p.link} → ${p.upstream}`)).toEqual(['app→db → db:3306', 'app→imager → http-app-imager:8080', 'edge→app → app:8080']);
    expect(plan.httpFaults.map((h) => [h.link, h.from, h.alias, h.image, h.port, h.adminPort, h.mapFile])).toEqual([
      ['app→imager', 'app', 'http-app-imager', 'brownout/haproxy:2.6', 8080, 9999, '/usr/local/etc/haproxy/rules.map'],
    ]);
    const files = new Map(plan.httpFaults[0]?.files.map((f) => [f.target, f.content]));
    expect(files.get('/usr/local/etc/haproxy/rules.map')).toBe('f4 0\nf5 0\nf6 0\n');
    expect(files.get('/usr/local/etc/haproxy/empty.http')).toBe('');
    expect(files.get('/usr/local/etc/haproxy/faults.lua')).toContain('core.msleep');
    const cfg = files.get('/usr/local/etc/haproxy/haproxy.cfg') ?? '';
    const map = '/usr/local/etc/haproxy/rules.map';
    expect(cfg.split('\n').filter((l) => /^\s+(bind|server|stats socket|lua-load|http-request|http-response)/.test(l))).toEqual([
      '  stats socket ipv4@0.0.0.0:9999 mode 600 level admin',
      '  lua-load /usr/local/etc/haproxy/faults.lua',
      '  bind 0.0.0.0:8080',
      // 30%: HAProxy's rand(10000) under 3000.
      `  http-request return status 503 content-type text/plain string "brownout: injected 503 (f4)" hdr Retry-After 2 if { str(f4),map(${map},0) -m int eq 1 } { path_beg /thumb } { rand(10000) -m int lt 3000 }`,
      // Every request: no rand at all.
      `  http-request set-var(txn.brownout_delay_ms) int(1500) if { str(f5),map(${map},0) -m int eq 1 } { path_beg / }`,
      `  http-request set-var(txn.brownout_abort) int(1) if { str(f6),map(${map},0) -m int eq 1 } { path_beg / } { rand(10000) -m int lt 5000 }`,
      '  http-request lua.brownout_delay if { var(txn.brownout_delay_ms) -m found }',
      '  http-response lua.brownout_abort if { var(txn.brownout_abort) -m found }',
      '  server part imager:8080',
    ]);
    // No answers of its own: the part unreachable closes the client's connection, as Toxiproxy alone would.
    expect(cfg).toContain('  errorfile 503 /usr/local/etc/haproxy/empty.http');
    // Links without HTTP faults have no such container.
    expect(stackPlan(sc.parts, sc.links, 'r1', secrets).httpFaults).toEqual([]);
  });

  it('slow-transaction: MariaDB with its schema, the services built from the repo, HAProxy, each link a proxy', async () => {
    const sc = await loadScenario('scenarios/slow-transaction.ts', { mode: 'broken' });
    const plan = stackPlan(sc.parts, sc.links, 'r1', secrets);
    expect(plan.network).toBe('brownout-r1');
    expect(plan.containers.map((c) => `${c.part}:${c.kind}`)).toEqual(['db:mariadb', 'imager:service', 'app:service', 'edge:gateway']);
    expect(plan.proxies.map((p) => `${p.link} ${p.listenPort} → ${p.upstream}`)).toEqual([
      'app→db 20000 → db:3306',
      'app→imager 20001 → imager:8080',
      'edge→app 20002 → app:8080',
    ]);
    expect(plan.runId).toBe('r1');
    expect(plan.toxiproxy).toEqual({ image: 'brownout/toxiproxy:2.12.0', alias: 'toxiproxy', apiPort: 8474, proxyPorts: [20000, 20001, 20002] });

    const db = byPart(plan.containers, 'db');
    // The images built here by default; the server gets the local backend's flags and the scenario's variables.
    expect(db).toMatchObject({
      image: 'brownout/mariadb:10.11',
      database: 'app',
      user: 'brownout',
      command: [...MARIADB_SERVER_FLAGS, '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', '--innodb-lock-wait-timeout=5'],
    });
    expect(MARIADB_SERVER_FLAGS).toContain('--max-connections=500');
    if (db?.kind !== 'mariadb') throw new Error('db');
    expect(db.initScripts).toEqual([
      { target: '/docker-entrypoint-initdb.d/01-schema.sql', content: readFileSync('fixtures/photo/schema.sql', 'utf8') },
      { target: '/docker-entrypoint-initdb.d/02-seed.sql', content: readFileSync('fixtures/photo/seed.sql', 'utf8') },
    ]);

    // The service reaches each dependency through its proxy on the Toxiproxy container, with the
    // same variable names as the local backend, and keeps the scenario's own env (MODE).
    const app = byPart(plan.containers, 'app');
    if (app?.kind !== 'service') throw new Error('app');
    // Its image as the scenario declares it (fixtures/image.ts): the Dockerfile built from the
    // repository, NODE_IMAGE given, tagged by what it is built from.
    const root = path.resolve('.');
    expect(app.run).toEqual({
      build: {
        context: root,
        file: path.join(root, 'fixtures/Dockerfile'),
        tag: expect.stringMatching(/^brownout\/build-[0-9a-f]{12}:latest$/),
        buildArgs: { NODE_IMAGE: 'brownout/node:20' },
      },
    });
    // FROM ${NODE_IMAGE}: brownout's Node image must be on the engine before the build.
    expect(app.requires).toEqual(['brownout/node:20']);
    // Its own command (run under the holder: when it dies the container stays, as the machine does locally),
    // from the scenario's folder in the image: paths read as locally.
    expect(app.command).toEqual(['node', '--import', 'tsx', '../fixtures/photo/server.ts']);
    expect(app.exitMarker).toBe('brownout-holder: the service exited');
    expect(app.workdir).toBe('/app/scenarios');
    expect(app.files).toEqual([]);
    expect(app.env).toEqual({
      HOST: '0.0.0.0',
      PORT: '8080',
      DB_HOST: 'toxiproxy',
      DB_PORT: '20000',
      DB_USER: 'brownout',
      DB_PASSWORD: 'pw-db',
      DB_DATABASE: 'app',
      IMAGER_HOST: 'toxiproxy',
      IMAGER_PORT: '20001',
      IMAGER_URL: 'http://toxiproxy:20001',
      MODE: 'broken',
    });
    expect(app.health).toEqual({ http: '/health' });
    expect(app.supervised).toBe(false);

    // HAProxy: the same generated config, servers on the Toxiproxy container, the 503 error page, stats over TCP.
    const edge = byPart(plan.containers, 'edge');
    if (edge?.kind !== 'gateway') throw new Error('edge');
    expect(edge.config.target).toBe('/usr/local/etc/haproxy/haproxy.cfg');
    expect(edge.config.content).toContain('  bind 0.0.0.0:8080');
    expect(edge.config.content).toContain('  server app toxiproxy:20002');
    expect(edge.config.content).toContain('  errorfile 504 /usr/local/etc/haproxy/timeout.http');
    expect(edge.config.content).toContain('  stats socket ipv4@0.0.0.0:9999');
    expect(edge.timeoutBody?.content).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    // No health checks in this scenario: nothing to watch, as locally.
    expect(edge.check).toBeUndefined();
    expect(edge.statsPort).toBe(9999);
  });

  it('the upstream image set: the official images, the service built FROM the official node image', async () => {
    const sc = await loadScenario('scenarios/cold-cache.ts');
    const plan = stackPlan(sc.parts, sc.links, 'r7', secrets, { images: 'upstream' });
    expect(plan.toxiproxy.image).toBe('ghcr.io/shopify/toxiproxy:2.12.0');
    expect(plan.containers.map((c) => (c.kind === 'service' ? ('build' in c.run ? c.run.build.buildArgs['NODE_IMAGE'] : '') : c.image))).toEqual(
      plan.containers.map((c) =>
        c.kind === 'service'
          ? 'node:20-bookworm-slim'
          : { mariadb: 'mariadb:10.11', redis: 'redis:7.0', memcached: 'memcached:1.6', gateway: 'haproxy:2.6' }[c.kind],
      ),
    );
    // Both sets name the same versions.
    for (const k of ['mariadb', 'redis', 'memcached', 'haproxy', 'toxiproxy'] as const)
      expect(IMAGE_SETS.local[k].split(':')[1]).toBe(IMAGE_SETS.upstream[k].split(':')[1]);
    const b = { context: '/p', dockerfile: '/p/Dockerfile', args: {} };
    expect(serviceBuild(b, IMAGE_SETS.upstream).tag).not.toBe(serviceBuild(b, IMAGE_SETS.local).tag);
    // Another project's Dockerfile never takes this one's tag.
    expect(serviceBuild({ ...b, context: '/q', dockerfile: '/q/Dockerfile' }, IMAGE_SETS.local).tag).not.toBe(serviceBuild(b, IMAGE_SETS.local).tag);
    expect(serviceBuild({ ...b, args: { NODE_IMAGE: 'mine:1' } }, IMAGE_SETS.local).buildArgs).toEqual({ NODE_IMAGE: 'mine:1' });
  });

  it('cold-cache: redis without persistence, reached by URL through its proxy', async () => {
    const sc = await loadScenario('scenarios/cold-cache.ts');
    const plan = stackPlan(sc.parts, sc.links, 'r2', secrets);
    expect(byPart(plan.containers, 'cache')).toMatchObject({
      kind: 'redis',
      image: 'brownout/redis:7.0',
      command: ['redis-server', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    });
    const app = byPart(plan.containers, 'app');
    if (app?.kind !== 'service') throw new Error('app');
    const cacheProxy = plan.proxies.find((p) => p.link === 'app→cache');
    expect(app.env['CACHE_URL']).toBe(`redis://toxiproxy:${cacheProxy?.listenPort}`);
    expect(cacheProxy?.upstream).toBe('cache:6379');
  });

  it('crash-recovery fixed: the service under pm2-runtime with the same ecosystem as locally', async () => {
    const sc = await loadScenario('scenarios/crash-recovery.ts', { mode: 'fixed' });
    const plan = stackPlan(sc.parts, sc.links, 'r3', secrets);
    const supervised = plan.containers.find((c) => c.kind === 'service' && c.command?.[0] === '/app/node_modules/.bin/pm2-runtime');
    if (supervised?.kind !== 'service') throw new Error('no service under pm2');
    expect(supervised.command).toEqual(['/app/node_modules/.bin/pm2-runtime', 'start', '/app/ecosystem.json']);
    const eco = JSON.parse(supervised.files[0]?.content ?? '{}') as { apps: { script: string; interpreter: string; autorestart: boolean }[] };
    expect(eco.apps[0]).toMatchObject({ script: '/usr/local/bin/node', interpreter: 'none', autorestart: true, cwd: '/app/scenarios' });
  });

  it('lb-failover: one proxy per server, health checks and the leader backend in the config', async () => {
    const sc = await loadScenario('scenarios/lb-failover.ts', { mode: 'fixed' });
    const plan = stackPlan(sc.parts, sc.links, 'r4', secrets);
    const edge = byPart(plan.containers, 'edge');
    if (edge?.kind !== 'gateway') throw new Error('edge');
    const p1 = plan.proxies.find((p) => p.link === 'edge→app1')?.listenPort;
    const p2 = plan.proxies.find((p) => p.link === 'edge→app2')?.listenPort;
    expect(edge.config.content).toMatch(new RegExp(`server app1 toxiproxy:${p1} check inter 250ms fall 2 rise 2`));
    expect(edge.config.content).toMatch(new RegExp(`server app2 toxiproxy:${p2} check`));
    expect(edge.config.content).toContain('backend leader');
    expect(edge.timeoutBody).toBeUndefined();
    // The harness waits for these checks to settle and reads server states over the stats port.
    expect(edge.check).toEqual({ path: '/health', intervalMs: 250, fall: 2, rise: 2 });
  });

  it("process faults map to the container per kind: a service's kill from inside, pause healed by unpause, a bare service's restart by its holder", async () => {
    // The engine's hands, recorded: what each kind's faults ask of them.
    const calls: string[] = [];
    const control: ContainerControl = {
      id: 'c0ffee',
      signal: async (sig) => void calls.push(`signal ${sig}`),
      pause: async () => void calls.push('pause'),
      unpause: async () => void calls.push('unpause'),
      restart: async () => void calls.push('restart'),
      exec: async (cmd) => {
        calls.push(`exec ${cmd.join(' ')}`);
        return { exitCode: 0, output: '' };
      },
      nextLine: async (marker, ms) => {
        calls.push(`wait for '${marker}' ${ms} ms`);
        throw new Error('no such line');
      },
      tail: () => 'last line',
      urlOf: (port) => `http://127.0.0.1:${port}`,
    };
    const sc = await loadScenario('scenarios/crash-recovery.ts', { mode: 'fixed' });
    const plan = stackPlan(sc.parts, sc.links, 'r5', secrets);
    const broken = stackPlan((await loadScenario('scenarios/crash-recovery.ts', { mode: 'broken' })).parts, sc.links, 'r6', secrets);
    const planOf = (p: typeof plan, part: string) => {
      const c = byPart(p.containers, part);
      if (c?.kind !== 'service') throw new Error(`${part} is not a service`);
      return c;
    };
    // A supervised service: the kill reaches its workers from inside (what holds its port's listening
    // socket), and pm2-runtime restarts them (as locally); its restart is docker's.
    const supervised = serviceFaults(planOf(plan, 'app'), control);
    await supervised.kill('SIGKILL');
    await (await supervised.freeze())();
    await supervised.restart();
    expect(calls.splice(0)).toEqual([`exec ${HOLDER_PATH} kill SIGKILL 8080`, 'pause', 'unpause', 'restart']);
    // A bare service (broken mode): the kill reaches what listens on its port (past any wrapper); the restart is the holder's
    // (SIGHUP), which must say within 10 s that the old process is gone.
    const bare = serviceFaults(planOf(broken, 'app'), control);
    expect(planOf(broken, 'app').exitMarker).toBe('brownout-holder: the service exited');
    await bare.kill('SIGTERM');
    await expect(bare.restart()).rejects.toThrow(/^app did not stop for its restart within 10 s$/);
    expect(calls.splice(0)).toEqual([
      `exec ${HOLDER_PATH} kill SIGTERM 8080`,
      "wait for 'brownout-holder: the service stopped for a restart; starting it again' 10000 ms",
      'signal SIGHUP',
    ]);
    // Any other part (MariaDB, Redis, HAProxy): the container's main process (the container
    // exits), docker's pause and restart.
    const main = mainProcessFaults(control);
    await main.kill('SIGTERM');
    await (await main.freeze())();
    await main.restart();
    expect(calls.splice(0)).toEqual(['signal SIGTERM', 'pause', 'unpause', 'restart']);
  });
});

describe('which backend a part can run on, said before anything starts', () => {
  it('a service with only an image: not locally; one without build or image: not on containers', async () => {
    const { backendProblem } = await import('../index.ts');
    const sc = await loadScenario('tests/integration/scenarios/own-image.ts');
    expect(backendProblem(sc.parts, 'containers')).toBeUndefined();
    expect(backendProblem(sc.parts, 'local')).toMatchObject({
      field: 'stack.web',
      message: expect.stringMatching(/^web has no command/),
      fix: expect.stringMatching(/--stack containers/),
    });
    const bare = sc.parts.map((p) => (p.kind === 'service' ? { ...p, build: undefined, command: ['node', 'server.js'] } : p));
    const e = backendProblem(bare as typeof sc.parts, 'containers');
    expect(e?.message).toBe('web has no image to run in on --stack containers (a program() part runs locally only)');
    expect(e?.fix).toMatch(/build: \{ context: '\.', dockerfile: 'Dockerfile' \}.*image: 'name:tag'/);
    expect(backendProblem(bare as typeof sc.parts, 'local')).toBeUndefined();
  });
});

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { createClient } from 'redis';
import { freePort, waitUntil } from '../../harness/core/ports.ts';
import { bornOfRun, processInfo, processTree } from '../../harness/core/procfs.ts';
import { applyFault, type ResolvedFault } from '../../harness/faults/index.ts';
import { loadScenario } from '../../harness/scenario/index.ts';
import { runScenario } from '../../harness/run/index.ts';
import { LABELS, listContainerRuns, stackPlan, startContainerStack } from '../../harness/stack/index.ts';
import { holderPath } from '../../harness/core/tools.ts';
import {
  AGAIN_IF_BUSY,
  containerEngine,
  containersLeft,
  interruptedRun,
  ranClean,
  runCli as cli,
  runModes,
  runProgram,
  runTempDirs,
  stackProcesses,
} from './helpers.ts';
import type { RunOutcome } from '../../harness/index.ts';

// The containers backend on a real engine (make setup-containers starts one and builds the images
// here, no registry). The incidents themselves run on both backends in incidents.test.ts; this file
// has what is the containers backend's own: the stack's wiring, the network staying ours, nothing
// left in the engine on any exit, and the same scenario files through the CLI.
let engine: Awaited<ReturnType<typeof containerEngine>>;
beforeAll(async () => {
  engine = await containerEngine();
});
const needEngine = (ctx: { skip: (note?: string) => void }) => {
  if (!engine.found) ctx.skip(engine.reason);
};

/** The Docker engine's view of one container: published ports and the DNS servers it forwards to. */
async function inspect(id: string): Promise<{ ports: { HostIp: string; HostPort: string }[]; dns: string[] }> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const info = await client.container.inspect(client.container.getById(id));
  return { ports: Object.values(info.NetworkSettings.Ports ?? {}).flatMap((b) => b ?? []), dns: info.HostConfig.Dns ?? [] };
}

describe('containers backend', () => {
  it('with no engine answering, --stack containers exits 2 with one line naming the local default', async () => {
    // A machine without Docker, as testcontainers sees it: in a mount namespace of its own, the
    // engine's socket is /dev/null (and DOCKER_HOST unset), so every way it looks for one fails.
    const script = 'mount --bind /dev/null /run/docker.sock && exec env -u DOCKER_HOST "$@"';
    const r = await runProgram('unshare', [
      '--mount',
      'sh',
      '-c',
      script,
      'sh',
      process.execPath,
      '--import',
      'tsx',
      'harness/cli/main.ts',
      'run',
      'scenarios/cold-cache.ts',
      '--stack',
      'containers',
    ]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^brownout: --stack containers: no Docker engine found \(testcontainers: .+\); the local backend is the default: run without --stack containers$/,
    );
  });

  it('starts the slow-transaction stack: through Toxiproxy, a toxic shows, pause and unpause; ports on 127.0.0.1 only, DNS kept inside, labelled, nothing left', async (ctx) => {
    needEngine(ctx);
    const sc = await loadScenario('scenarios/slow-transaction.ts', { mode: 'fixed' });
    const runId = `t${Date.now()}`;
    const plan = stackPlan(sc.parts, sc.links, runId, { dbPassword: (p) => `test-${p}` });
    const stack = await startContainerStack(plan, { dbPassword: (p) => `test-${p}` });
    const ids = [...stack.containers.values()].map((p) => p.container.getId());
    try {
      const edge = stack.urlOf('edge');
      expect(edge).toMatch(/^http:\/\/localhost:\d+$|^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${edge}/photos/1`)).status).toBe(200);
      // The containers' processes, found on this host (the machine watch counts them as the run's).
      const cmds = (await stack.processRoots()).flatMap((root) => processTree(root).map((pid) => processInfo(pid)?.cmdline ?? ''));
      for (const name of ['toxiproxy', 'mariadbd', 'haproxy', 'photo/server.ts', 'photo/imager.ts'])
        expect(
          cmds.some((c) => c.includes(name)),
          name,
        ).toBe(true);
      // Every published port of every container (Toxiproxy's too) is on 127.0.0.1, never every interface.
      const mine = await listContainerRuns(runId);
      expect(mine.containers).toHaveLength(ids.length + 1);
      expect(mine.networks.map((n) => n.name)).toEqual([`brownout-${runId}`]);
      for (const c of mine.containers) {
        const { ports, dns } = await inspect(c.id);
        expect(ports.length).toBeGreaterThan(0);
        expect(ports.map((p) => p.HostIp)).toEqual(ports.map(() => '127.0.0.1'));
        expect(dns).toEqual(['127.0.0.1']);
      }
      // A 300 ms toxic on edge→app, through the same proxy handle the faults use.
      const toxic = await stack.links.get('edge→app')?.addToxic({ name: 'slow', type: 'latency', stream: 'downstream', attributes: { latency: 300 } });
      expect(await stack.listToxics()).toEqual([{ proxy: plan.proxies.find((p) => p.link === 'edge→app')?.name, toxic: 'slow' }]);
      const t = Date.now();
      await fetch(`${edge}/photos/1`);
      expect(Date.now() - t).toBeGreaterThanOrEqual(300);
      await toxic?.remove();
      const heal = await stack.freeze('app');
      await expect(fetch(`${edge}/photos/1`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
      await heal();
      expect((await fetch(`${edge}/photos/1`)).status).toBe(200);
    } finally {
      await stack.stop();
    }
    expect(await listContainerRuns(runId)).toMatchObject({ containers: [], networks: [] });
  }, 300_000);

  // What the incidents' timelines do on containers, each action once and checked by its effect (the
  // incidents' own reasons are their fixtures' code, proven both ways locally in incidents.test.ts).
  it('the HTTP, database, cache and restart faults act on containers as on local processes; the link counters count (a link through its HTTP fault proxy container)', async (ctx) => {
    needEngine(ctx);
    const sc = await loadScenario('scenarios/cold-cache.ts', { mode: 'fixed' });
    const rule = { id: 'f9', path: '/', share: 1, action: 'error' as const, status: 503, retryAfterS: 1 };
    const links = sc.links.map((l) => (l.name === 'edge→app' ? { ...l, http: [rule] } : l));
    const runId = `t${Date.now()}`;
    const plan = stackPlan(sc.parts, links, runId, { dbPassword: (p) => `test-${p}` });
    const stack = await startContainerStack(plan, { dbPassword: (p) => `test-${p}` });
    const under = async <T>(fault: ResolvedFault, during: () => Promise<T>): Promise<T> => {
      const active = await applyFault(fault, stack, 'test', fault.type);
      try {
        return await during();
      } finally {
        await active.heal();
      }
    };
    try {
      const edge = stack.urlOf('edge');
      expect((await fetch(`${edge}/health`)).status).toBe(200);
      // HTTP: every request answered 503 by the link's own HAProxy container, then passed on again.
      await under({ type: 'httpError', link: 'edge→app', rule }, async () => {
        const r = await fetch(`${edge}/health`);
        expect(r.status).toBe(503);
        expect(r.headers.get('retry-after')).toBe('1');
        expect(await r.text()).toContain('brownout: injected 503');
      });
      expect((await fetch(`${edge}/health`)).status).toBe(200);
      // Counters: the link's connections (Toxiproxy's log) and its HTTP calls (its proxy's stats), as
      // upstream_calls_per_request and connections{link:…} read them during a run.
      const calls = async () => (await stack.httpFaults.get('edge→app')?.calls()) ?? -1;
      const callsBefore = await calls();
      for (let i = 0; i < 5; i++) expect((await fetch(`${edge}/health`)).status).toBe(200);
      expect(await calls()).toBeGreaterThanOrEqual(callsBefore + 5);
      expect(await waitUntil(async () => (stack.linkTraffic().get('edge→app')?.connections ?? 0) > 0, { timeoutMs: 5000 })).toBe(true);
      // Database: read_only on, then off; a flood leaves no connection for the services' account.
      const db = stack.parts.get('db');
      if (db?.kind !== 'mariadb') throw new Error('db');
      const readOnly = async () => {
        const c = await db.adminConnection();
        try {
          const [rows] = await c.query('SELECT @@global.read_only AS ro');
          return (rows as { ro: number }[])[0]?.ro;
        } finally {
          await c.end();
        }
      };
      expect(await under({ type: 'readOnly', db: 'db', how: 'readOnly' }, readOnly)).toBe(1);
      expect(await readOnly()).toBe(0);
      const dbPort = stack.containers.get('db')?.container.getMappedPort(3306) ?? 0;
      const asService = () => mysql.createConnection({ host: '127.0.0.1', port: dbPort, user: 'brownout', password: 'test-db', database: 'app' });
      const refused = await under({ type: 'connectionFlood', db: 'db', max: 5000 }, () =>
        asService().then(
          (c) => c.end().then(() => 'connected'),
          (e: { code?: string }) => e.code,
        ),
      );
      expect(refused).toBe('ER_CON_COUNT_ERROR');
      await (await asService()).end();
      // Cache: a pause holds a client's command until it ends; expire deletes the matching keys.
      const cache = stack.parts.get('cache');
      if (cache?.kind !== 'redis') throw new Error('cache');
      await cache.command(['SET', 'probe:1', 'x']);
      const t = Date.now();
      const got = await under({ type: 'clientPause', part: 'cache', mode: 'ALL', forMs: 1500 }, async () => {
        const client = createClient({ url: `redis://127.0.0.1:${stack.containers.get('cache')?.container.getMappedPort(6379) ?? 0}` });
        await client.connect();
        try {
          return await client.get('probe:1');
        } finally {
          await client.quit();
        }
      });
      expect(got).toBe('x');
      expect(Date.now() - t).toBeGreaterThanOrEqual(1000);
      await under({ type: 'expire', part: 'cache', share: 1, pattern: 'probe:*' }, async () => undefined);
      expect(await cache.command(['EXISTS', 'probe:1'])).toBe(0);
      // flushCache empties the container's Redis.
      await cache.command(['SET', 'probe:2', 'x']);
      await under({ type: 'flushCache', part: 'cache' }, async () => undefined);
      expect(await cache.command(['DBSIZE'])).toBe(0);
      // restart: the service's process stops and starts again in its container (the holder stays and
      // starts its child anew), ready once healthy; its in-process state is gone (a new pid), and the
      // gateway reaches it again.
      const pidsOf = async () =>
        (await stack.processRoots()).flatMap((root) => processTree(root).filter((pid) => /^node .*router\/server\.ts/.test(processInfo(pid)?.cmdline ?? '')));
      const before = await pidsOf();
      expect(before.length).toBeGreaterThan(0);
      await under({ type: 'restart', part: 'app' }, async () => undefined);
      const after = await pidsOf();
      expect(after.length).toBeGreaterThan(0);
      expect(after.filter((pid) => before.includes(pid))).toEqual([]);
      expect(await waitUntil(async () => (await fetch(`${edge}/health`)).status === 200, { timeoutMs: 10_000 })).toBe(true);
    } finally {
      await stack.stop();
    }
    expect(await listContainerRuns(runId)).toMatchObject({ containers: [], networks: [] });
  }, 300_000);

  it('a bare service killed: its container stays (the holder), the port refuses at once as locally, and the run is told it exited', async (ctx) => {
    needEngine(ctx);
    const sc = await loadScenario('scenarios/crash-recovery.ts', { mode: 'broken' });
    const plan = stackPlan(sc.parts, sc.links, `t${Date.now()}`, { dbPassword: (p) => `test-${p}` });
    const stack = await startContainerStack(plan, { dbPassword: (p) => `test-${p}` });
    try {
      const exited = new Promise<Error>((resolve) => stack.onUnexpectedExit(new Set(), resolve));
      expect(await stack.kill('app', 'SIGKILL')).toBe(true);
      const e = await exited;
      expect(e.message).toBe('app exited during the run (killed by SIGKILL)');
      // Straight to the app's published port: refused (or reset) at once, not a hang.
      const t = Date.now();
      await expect(fetch(`${stack.urlOf('app')}/health`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow(/fetch failed/);
      expect(Date.now() - t).toBeLessThan(1000);
    } finally {
      await stack.stop();
    }
  }, 300_000);

  // The same scenario file, unchanged: fixed passes, broken fails (an expectation, not a harness
  // error), and the engine holds nothing of either afterwards. Both at once in this harness process
  // (helpers.ts runModes: 22-29% of the machine busy, measured 2026-12-04); `brownout run --stack
  // containers` through the CLI, as a team runs it, is in compose.test.ts and own-project.test.ts.
  // (slow-transaction-replay.ts, the same stack with the replayed load, is proven locally in
  // replay.test.ts: on containers it would add only its load's 90 s to the suite.)
  let both: Promise<Map<string, RunOutcome>> | undefined;
  for (const [mode, exit] of [
    ['fixed', 0],
    ['broken', 1],
  ] as const) {
    it(`scenarios/slow-transaction.ts on --stack containers, ${mode}: exit ${exit}; nothing left in the engine`, async (ctx) => {
      needEngine(ctx);
      both ??= runModes('containers', 'scenarios/slow-transaction.ts', ['fixed', 'broken']);
      const o = ranClean((await both).get(mode) as RunOutcome);
      const failed = o.result?.judgement.expectations.filter((x) => !x.passed) ?? [];
      expect(o.exitCode, failed.map((x) => `${x.phase}: ${x.source} (measured ${x.measured})`).join('\n')).toBe(exit);
      expect(readFileSync(path.join(o.reportDir ?? '', 'junit.xml'), 'utf8')).toContain('errors="0"');
      if (mode === 'fixed') expect(failed).toEqual([]);
      // The incident's reason, as on the local backend: most uploads answered 503 in the fault phase.
      else
        expect(
          failed.find((x) => ['fault', 'slow-thumbnails'].includes(x.phase) && /^rate\(503\)\{name:(upload|POST \/photos)\} < [15]%$/.test(x.source))?.measured,
        ).toBeGreaterThan(0.5);
    }, 600_000);
  }

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig} mid-fault on containers: heals, removes every container and the network, exits 2`, async (ctx) => {
      needEngine(ctx);
      const reports = mkdtempSync(path.join(os.tmpdir(), 'bo-containers-'));
      try {
        // The photo stack with its first fault 2 s into the load.
        const { code, stderr } = await interruptedRun(
          ['tests/integration/scenarios/teardown-pass.ts', '--stack', 'containers', '--reports', reports],
          sig,
          /apply latency/,
        );
        expect(stderr).toContain(`interrupted by ${sig}`);
        expect(stderr).not.toContain('could not clean up');
        expect(code).toBe(2);
        expect(await containersLeft()).toEqual([]);
      } finally {
        rmSync(reports, { recursive: true, force: true });
      }
    }, 300_000);
  }

  it('a harness killed outright (SIGKILL) leaves labelled containers; brownout clean removes them, and so does the next run', async (ctx) => {
    needEngine(ctx);
    const reports = mkdtempSync(path.join(os.tmpdir(), 'bo-containers-'));
    try {
      // The next run only has to start to clean up: a 6 s one (a health check through a latency toxic) will do.
      for (const next of [['clean'], ['run', 'tests/integration/scenarios/margin.ts', '--stack', 'containers', '--reports', reports]]) {
        const processes = stackProcesses();
        const dirs = runTempDirs();
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', 'harness/cli/main.ts', 'run', 'scenarios/slow-transaction.ts', '--stack', 'containers', '--reports', reports],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let stderr = '';
        child.stderr.on('data', (b: Buffer) => {
          stderr += b.toString();
          if (/load: /.test(stderr) && child.signalCode === null) child.kill('SIGKILL');
        });
        await new Promise((resolve) => child.on('exit', resolve));
        // What a SIGKILL leaves on this machine is not the engine's to clean: the run's k6 (its own
        // process group) and temp dir. The test removes them; the engine's part is what is tested.
        for (const [pid, cmd] of stackProcesses())
          if (!processes.has(pid) && /k6 run/.test(cmd) && bornOfRun(pid, process.pid, processes.sinceTick)) process.kill(pid, 'SIGKILL');
        for (const d of runTempDirs()) if (!dirs.includes(d)) rmSync(path.join(os.tmpdir(), d), { recursive: true, force: true });
        const left = await listContainerRuns();
        expect(left.containers.length).toBeGreaterThanOrEqual(4);
        expect(left.networks).toHaveLength(1);
        // Labelled with the dead harness as owner: its pid and start time, on this host.
        for (const c of left.containers)
          expect(left.owners.get(c.id)).toMatchObject({
            [LABELS.pid]: `${child.pid}:${left.owners.get(c.id)?.[LABELS.pid]?.split(':')[1] ?? ''}`,
            [LABELS.host]: os.hostname(),
          });
        expect(left.owners.get(left.containers[0]?.id ?? '')?.[LABELS.pid]).toMatch(/^\d+:\d+$/);
        const r = await cli(...next);
        expect(r.status, r.stderr).toBe(0);
        if (next[0] === 'clean') expect(r.stdout).toMatch(new RegExp(`^removed ${left.containers.length} containers and 1 networks of 1 runs: `));
        expect(await containersLeft()).toEqual([]);
      }
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  }, 600_000);

  it("a team's own image without node: built from its Dockerfile, its own CMD under the holder, setup in the same image, restarted and killed under load; nothing left", async (ctx) => {
    needEngine(ctx);
    const FILE = 'tests/integration/scenarios/own-image.ts';
    const o = await runScenario({ scenarioFile: FILE, reportsDir: 'reports/test', backend: 'containers', againIfBusy: AGAIN_IF_BUSY });
    expect(o.error?.message).toBeUndefined();
    expect(o.cleanupFailures).toEqual([]);
    expect(o.exitCode).toBe(0);
    // The image has no node: what ran, restarted and killed it is the holder alone.
    const sc = await loadScenario(FILE);
    const web = stackPlan(sc.parts, sc.links, 'x', { dbPassword: () => '' }).containers.find((c) => c.part === 'web');
    if (web?.kind !== 'service' || !('build' in web.run)) throw new Error('web is built');
    expect(
      execFileSync('docker', ['run', '--rm', '--entrypoint', 'sh', web.run.build.tag, '-c', 'command -v node || echo none'], { encoding: 'utf8' }).trim(),
    ).toBe('none');
    expect(o.result?.timeline.filter((e) => e.kind === 'apply').map((e) => e.label)).toEqual(['restart web', 'kill web (SIGKILL)']);
    const log = readFileSync(path.join(o.reportDir ?? '', 'logs', 'web__web.log'), 'utf8');
    expect(log).toContain('brownout-holder: the service stopped for a restart; starting it again');
    expect(log).toContain('brownout-holder: the service exited (killed by SIGKILL)');
    // After the kill the gateway answers for the dead server: its address refuses at once (the container stays).
    const after = o.result?.judgement.phases.find((p) => p.phase === 'recovery')?.all.statuses ?? {};
    expect((after['502'] ?? 0) + (after['503'] ?? 0)).toBeGreaterThan(0);
    expect(await containersLeft()).toEqual([]);
  }, 600_000);

  it("a service's setup that fails on containers: one error with its output; nothing left", async (ctx) => {
    needEngine(ctx);
    const sc = await loadScenario('tests/integration/scenarios/own-image.ts');
    const parts = sc.parts.map((p) =>
      p.kind === 'service' ? { ...p, setup: { command: ['sh', '-c', 'echo "no such table: users" >&2; exit 3'], timeoutMs: 30_000 } } : p,
    );
    const plan = stackPlan(parts, sc.links, `t${Date.now()}`, { dbPassword: () => 'pw' });
    const e = await startContainerStack(plan, { dbPassword: () => 'pw' }).then(
      () => undefined,
      (err: unknown) => err as { message: string; where: string },
    );
    expect(e?.message).toMatch(/^web: its setup \(sh -c .*\) failed on containers/);
    expect(e?.where).toContain('no such table: users');
    expect(await containersLeft()).toEqual([]);
  }, 300_000);

  it("a supervised service's kill reaches pm2-runtime's worker from outside its PID namespace (as docker exec does); pm2 restarts it", async () => {
    // The container stand-in: a PID namespace whose PID 1 is pm2-runtime (as in the service image),
    // the kill script entered from outside it with nsenter, so its parent is outside, as an exec's is.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bo-pidns-'));
    const port = await freePort();
    writeFileSync(
      path.join(dir, 'app.cjs'),
      "require('http').createServer((q, r) => r.end(String(process.pid))).listen(Number(process.env.PORT), '127.0.0.1');\n",
    );
    writeFileSync(
      path.join(dir, 'eco.json'),
      JSON.stringify({
        apps: [
          {
            name: 'app',
            script: process.execPath,
            args: [path.join(dir, 'app.cjs')],
            interpreter: 'none',
            autorestart: true,
            restart_delay: 0,
            min_uptime: 200,
            env: { PORT: String(port) },
          },
        ],
      }),
    );
    const pm2Runtime = path.join(path.dirname(createRequire(import.meta.url).resolve('pm2/package.json')), 'bin', 'pm2-runtime');
    const unshare = spawn('unshare', ['--fork', '--pid', '--mount-proc', process.execPath, pm2Runtime, 'start', path.join(dir, 'eco.json')], {
      env: { ...process.env, PM2_HOME: path.join(dir, 'pm2') },
      stdio: 'ignore',
    });
    let init: number | undefined;
    try {
      const workerPid = async () => (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(await waitUntil(async () => (await workerPid()).length > 0, { timeoutMs: 15_000 })).toBe(true);
      init = Number(readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, 'utf8').trim().split(' ')[0]);
      // Never on this machine's own namespace: there the holder's kill would signal the host's PID 1 children.
      expect(readlinkSync(`/proc/${init}/ns/pid`)).not.toBe(readlinkSync('/proc/self/ns/pid'));
      const before = await workerPid();
      // As the service's kill calls it: the processes holding the port's listening socket (the worker).
      execFileSync('nsenter', ['-t', String(init), '--pid', '--mount', holderPath(), 'kill', 'SIGKILL', String(port)]);
      // A new worker answers (pm2-runtime restarted it); pm2-runtime itself lives on.
      expect(await waitUntil(async () => (await workerPid()) !== before, { timeoutMs: 10_000 })).toBe(true);
      expect(readFileSync(`/proc/${init}/cmdline`, 'utf8')).toContain('pm2-runtime');
    } finally {
      // PID 1 of a namespace takes every process of it along.
      if (init) process.kill(init, 'SIGKILL');
      unshare.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

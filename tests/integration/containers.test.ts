import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitUntil } from '../../harness/core/ports.ts';
import { loadScenario } from '../../harness/scenario/index.ts';
import { findContainerEngine, killWorkersScript, stackPlan, startContainerStack } from '../../harness/stack/index.ts';
import { runCli as cli } from './helpers.ts';

// The containers backend needs a Docker engine. Where none answers (this project's CI machine) its
// tests skip with the reason testcontainers gives; the CLI's answer to that case is tested instead,
// and so is the one piece of the backend that runs without an engine (the worker kill, in a PID
// namespace of our own).
let engine: Awaited<ReturnType<typeof findContainerEngine>>;
beforeAll(async () => {
  engine = await findContainerEngine();
});
const noEngine = () => `no Docker engine found (testcontainers: ${engine.found ? '' : engine.reason})`;

describe('containers backend', () => {
  it('with no engine, --stack containers exits 2 with one line naming the local default', async (ctx) => {
    if (engine.found) ctx.skip(`a Docker engine answers (${engine.description}): the no-engine answer cannot be seen here`);
    const r = await cli('run', 'scenarios/cold-cache.ts', '--stack', 'containers');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`brownout: --stack containers: ${noEngine()}; the local backend is the default: run without --stack containers`]);
  });

  it('starts the slow-transaction stack in containers: the gateway answers through Toxiproxy, a toxic shows, pause and unpause, nothing left', async (ctx) => {
    if (!engine.found) ctx.skip(noEngine());
    const sc = await loadScenario('scenarios/slow-transaction.ts', { mode: 'fixed' });
    const plan = stackPlan(sc.parts, sc.links, `t${Date.now()}`, { dbPassword: (p) => `test-${p}` });
    const stack = await startContainerStack(plan, { dbPassword: (p) => `test-${p}` });
    const ids = [...stack.containers.values()].map((p) => p.container.getId());
    try {
      const edge = stack.urlOf('edge');
      expect((await fetch(`${edge}/photos/1`)).status).toBe(200);
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
    const { getContainerRuntimeClient } = await import('testcontainers');
    const running = (await (await getContainerRuntimeClient()).container.list()).map((c) => c.Id);
    expect(running.filter((id) => ids.includes(id))).toEqual([]);
  }, 300_000);

  // The same scenario files, unchanged, on containers: proven both ways as on the local backend.
  for (const [file, mode, exit] of [
    ['scenarios/slow-transaction.ts', 'fixed', 0],
    ['scenarios/slow-transaction.ts', 'broken', 1],
    ['scenarios/crash-recovery.ts', 'fixed', 0],
    ['scenarios/crash-recovery.ts', 'broken', 1],
  ] as const) {
    it(`make chaos on containers: ${file} ${mode} exits ${exit}`, async (ctx) => {
      if (!engine.found) ctx.skip(noEngine());
      const reports = mkdtempSync(path.join(os.tmpdir(), 'bo-containers-'));
      try {
        const r = await cli('run', file, '--mode', mode, '--stack', 'containers', '--reports', reports);
        expect(r.status, r.stderr).toBe(exit);
      } finally {
        rmSync(reports, { recursive: true, force: true });
      }
    }, 600_000);
  }

  it("a supervised service's kill reaches pm2-runtime's worker from outside its PID namespace (as docker exec does); pm2 restarts it", async () => {
    // The container stand-in: a PID namespace whose PID 1 is pm2-runtime (as in the service image),
    // the kill script entered from outside it with nsenter, so its parent is outside, as an exec's is.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bo-pidns-'));
    const port = await freePort();
    writeFileSync(path.join(dir, 'app.cjs'), "require('http').createServer((q, r) => r.end(String(process.pid))).listen(Number(process.env.PORT), '127.0.0.1');\n");
    writeFileSync(path.join(dir, 'eco.json'), JSON.stringify({ apps: [{ name: 'app', script: process.execPath, args: [path.join(dir, 'app.cjs')], interpreter: 'none', autorestart: true, restart_delay: 0, min_uptime: 200, env: { PORT: String(port) } }] }));
    const pm2Runtime = path.join(path.dirname(createRequire(import.meta.url).resolve('pm2/package.json')), 'bin', 'pm2-runtime');
    const unshare = spawn('unshare', ['--fork', '--pid', '--mount-proc', process.execPath, pm2Runtime, 'start', path.join(dir, 'eco.json')], { env: { ...process.env, PM2_HOME: path.join(dir, 'pm2') }, stdio: 'ignore' });
    let init: number | undefined;
    try {
      const workerPid = async () => (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(await waitUntil(async () => (await workerPid()).length > 0, { timeoutMs: 15_000 })).toBe(true);
      init = Number(readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, 'utf8').trim().split(' ')[0]);
      // Never on this machine's own namespace: there the script would signal the host's PID 1 children.
      expect(readlinkSync(`/proc/${init}/ns/pid`)).not.toBe(readlinkSync('/proc/self/ns/pid'));
      const before = await workerPid();
      execFileSync('nsenter', ['-t', String(init), '--pid', '--mount', process.execPath, '-e', killWorkersScript('SIGKILL')]);
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

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { freePort, waitUntil } from '../../harness/core/ports.ts';
import { haproxyConfig, startGateway, watchServerStates } from '../../harness/stack/index.ts';
import { newProcesses, stackProcesses } from './helpers.ts';

/** A server answering 200 on /health and `leader` on /leader. */
function instance(leader: boolean): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/leader' && !leader ? 503 : 200).end(req.url ?? '');
    });
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, port: typeof a === 'object' && a ? a.port : 0 });
    });
  });
}

const shortSocketDirs = () => readdirSync(os.tmpdir()).filter((d) => d.startsWith('bo-'));

describe('HAProxy gateway with health checks (real haproxy)', () => {
  it('waits for the first checks, reads each server state per backend, and sees a server go down', async () => {
    const before = stackProcesses();
    const socketDirs = shortSocketDirs();
    // A run dir too long for a Unix socket path: the stats socket goes to a short temp dir instead.
    const dir = mkdtempSync(path.join(os.tmpdir(), `brownout-test-${'x'.repeat(80)}-`));
    const cleanup = new CleanupList();
    const a = await instance(true);
    const b = await instance(false);
    try {
      const gw = await startGateway(
        {
          name: 'edge',
          servers: [
            { name: 'app1', port: a.port },
            { name: 'app2', port: b.port },
          ],
          timeoutMs: 2000,
          timeoutStatus: 504,
          check: { path: '/health', intervalMs: 100, fall: 2, rise: 2 },
          leader: { paths: ['/jobs'], check: '/leader' },
        },
        { runId: 'test', dir, cleanup },
      );
      expect(shortSocketDirs().length).toBe(socketDirs.length + 1);
      // Settled before it returns: the follower is already out of the leader backend.
      const state = (server: string, backend: string) =>
        gw
          .serverChanges()
          .filter((c) => c.server === server && c.backend === backend)
          .at(-1)?.status;
      expect([state('app1', 'app'), state('app2', 'app'), state('app1', 'leader'), state('app2', 'leader')]).toEqual(['UP', 'UP', 'UP', 'DOWN']);
      // Jobs go to the leader only; other paths to both.
      const jobs = await Promise.all(Array.from({ length: 6 }, () => fetch(`${gw.url}/jobs`).then((r) => r.status)));
      expect(jobs).toEqual([200, 200, 200, 200, 200, 200]);
      // The leader goes away: both its backends mark it down within fall × interval (+ polling).
      const t = Date.now();
      a.server.closeAllConnections();
      await new Promise<void>((r) => a.server.close(() => r()));
      while (state('app1', 'leader') !== 'DOWN' || state('app1', 'app') !== 'DOWN') {
        expect(Date.now() - t).toBeLessThan(3000);
        await new Promise((r) => setTimeout(r, 20));
      }
      // With no leader up, jobs fall through to any server (the follower answers for itself).
      expect((await fetch(`${gw.url}/jobs`)).status).toBe(200);
    } finally {
      expect(await cleanup.releaseAll()).toEqual([]);
      b.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await newProcesses(before)).toEqual([]);
    expect(shortSocketDirs()).toEqual(socketDirs);
    expect(existsSync(dir)).toBe(false);
  });

  it('reads server states over a TCP stats socket, as the containers backend does through the mapped port', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bo-stats-tcp-'));
    const a = await instance(true);
    const [port, statsPort] = [await freePort(), await freePort()];
    const cfg = path.join(dir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      haproxyConfig({
        port,
        servers: [{ name: 'app1', port: a.port }],
        timeoutMs: 2000,
        statsSocket: `ipv4@127.0.0.1:${statsPort}`,
        check: { path: '/health', intervalMs: 100, fall: 2, rise: 2 },
      }),
    );
    const haproxy = spawn('/usr/sbin/haproxy', ['-db', '-f', cfg], { stdio: 'ignore' });
    try {
      expect(await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, { timeoutMs: 10_000 })).toBe(true);
      const watch = await watchServerStates({ host: '127.0.0.1', port: statsPort });
      try {
        expect(await waitUntil(async () => watch.settled(), { timeoutMs: 5000 })).toBe(true);
        expect(watch.changes.map((c) => `${c.backend}/${c.server} ${c.status}`).at(-1)).toBe('app/app1 UP');
        a.server.closeAllConnections();
        await new Promise<void>((r) => a.server.close(() => r()));
        expect(await waitUntil(async () => watch.changes.at(-1)?.status === 'DOWN', { timeoutMs: 3000 })).toBe(true);
      } finally {
        watch.stop();
      }
    } finally {
      haproxy.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { loadScenario } from '../../harness/scenario/index.ts';
import { startStack } from '../../harness/stack/index.ts';

/**
 * The memory-leak incident's safety net, reached: PM2's max_memory_restart restarts the leaking
 * service (SIGINT: it drains what is in flight) while requests keep coming through the gateway.
 * Measured on every request's answer and on PM2's own log. PM2 here runs the command in fork mode:
 * a restart is a stop, then a start, and the gateway (retries 0) answers 502 while no process
 * listens — the cost of each restart is what this measures, not zero.
 */
describe('maxMemoryRestart: PM2 restarts a service over its ceiling, drained', () => {
  it('locally: PM2 restarts it over its ceiling under load; the requests lost are those of the restart’s gap, and it answers after', async () => {
    const sc = await loadScenario('tests/integration/scenarios/pm2-restarter.ts');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-pm2-'));
    const cleanup = new CleanupList();
    try {
      const stack = await startStack(sc.parts, sc.links, { runId: `pm2${Date.now()}`, dir, cleanup });
      const url = stack.urlOf('edge');
      // 50 requests a second for 15 s, each on its own (a client's poll), every answer kept.
      const statuses = new Map<string, number>();
      const pending: Promise<void>[] = [];
      for (let i = 0; i < 750; i++) {
        pending.push(
          fetch(`${url}/notifications?user=u${i}`, { signal: AbortSignal.timeout(5000) })
            .then(async (r) => {
              await r.arrayBuffer();
              return String(r.status);
            })
            .catch((e: unknown) => `no response (${(e as Error).name})`)
            .then((s) => void statuses.set(s, (statuses.get(s) ?? 0) + 1)),
        );
        await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all(pending);
      const pm2Log = readFileSync(path.join(dir, 'app', 'app.log'), 'utf8');
      const restarts = pm2Log.match(/restarted because it exceeds --max-memory-restart/g)?.length ?? 0;
      console.log(`PM2 restarts: ${restarts}; answers: ${JSON.stringify(Object.fromEntries(statuses))}`);
      expect(restarts).toBeGreaterThanOrEqual(1);
      // At most 3 s of requests (50/s) lost per restart: the new process's start, nothing more.
      const lost = 750 - (statuses.get('200') ?? 0);
      expect(lost).toBeLessThanOrEqual(restarts * 150);
      // And it answers again.
      expect((await fetch(`${url}/notifications?user=last`)).status).toBe(200);
    } finally {
      expect(await cleanup.releaseAll()).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

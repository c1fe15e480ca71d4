import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { applyFault } from '../../harness/faults/index.ts';
import { startStack } from '../../harness/stack/index.ts';
import { newProcesses, stackProcesses } from './helpers.ts';

describe('redis part and flushCache on a real redis-server', () => {
  it('starts on loopback, is reachable through its proxy, loses every key on flushCache, and is released', async () => {
    const before = stackProcesses();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-test-'));
    const cleanup = new CleanupList();
    try {
      // A service that depends on the cache gets its own proxy; the env names CACHE_URL.
      const stack = await startStack(
        [
          { kind: 'redis', name: 'cache' },
          {
            kind: 'service',
            name: 'app',
            command: ['node', '--import', 'tsx', 'fixtures/photo/imager.ts'],
            env: {},
            health: { http: '/health' },
            dependsOn: ['cache'],
            startupTimeoutMs: 20_000,
            timeoutsMs: {},
            cwd: process.cwd(),
          },
        ],
        [{ name: 'app→cache', from: 'app', to: 'cache', http: [] }],
        { runId: 'test', dir, cleanup },
      );
      const proxy = stack.links.get('app→cache');
      expect(proxy).toBeDefined();
      expect(stack.versions()['redis']).toMatch(/^\d+\.\d+/);
      // Through the proxy, as the service would.
      const client = createClient({ url: `redis://127.0.0.1:${proxy?.listenPort ?? 0}` });
      await client.connect();
      cleanup.add('client', async () => client.destroy());
      await client.hSet('channels', { m1: 'upstream-1', m2: 'upstream-2' });
      expect(await client.hGetAll('channels')).toEqual({ m1: 'upstream-1', m2: 'upstream-2' });
      await applyFault({ type: 'flushCache', part: 'cache' }, stack, 'test-f0', 'flushCache cache');
      expect(await client.hGetAll('channels')).toEqual({});
      expect(await client.dbSize()).toBe(0);
    } finally {
      expect(await cleanup.releaseAll()).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await newProcesses(before)).toEqual([]);
  });
});

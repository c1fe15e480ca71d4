import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { applyFault } from '../../harness/faults/index.ts';
import { memcachedCommand, stackPlan, startContainerStack, startStack, type StartedStack } from '../../harness/stack/index.ts';
import { containerEngine, containersLeft } from './helpers.ts';

/**
 * A memcached part on both backends, measured with memcached's own protocol straight to the server:
 * an item stored is there; flushCache empties it; freeze stops it answering until heal; kill ends it.
 */
async function exercise(backend: string, stack: StartedStack, at: { host: string; port: number }): Promise<void> {
  const cmd = (line: string) => memcachedCommand(at.host, at.port, line);
  expect(await cmd('version')).toMatch(/^VERSION 1\.6\./);
  expect(await cmd('set session:1 0 0 5\r\nalice')).toBe('STORED');
  expect(await cmd('get session:1')).toBe('VALUE session:1 0 5');
  await (await applyFault({ type: 'flushCache', part: 'sessions' }, stack, 'f0', 'flushCache sessions')).heal();
  expect(await cmd('get session:1')).toBe('END');
  const frozen = await applyFault({ type: 'freeze', part: 'sessions' }, stack, 'f1', 'freeze sessions');
  await expect(cmd('version')).rejects.toThrow(/no answer to 'version' within 1 s/);
  await frozen.heal();
  expect(await cmd('version')).toMatch(/^VERSION/);
  await applyFault({ type: 'kill', part: 'sessions', signal: 'SIGKILL' }, stack, 'f2', 'kill sessions');
  await new Promise((r) => setTimeout(r, 500));
  await expect(cmd('version')).rejects.toThrow();
  console.log(`${backend}: stored, flushed, frozen and thawed, killed`);
}

describe('memcached part: started fresh, its faults by their effect on the real server', () => {
  it('locally: a memcached process on a free loopback port', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-memcached-'));
    const cleanup = new CleanupList();
    try {
      const stack = await startStack([{ kind: 'memcached', name: 'sessions' }], [], { runId: `mc${Date.now()}`, dir, cleanup });
      const p = stack.parts.get('sessions');
      if (p?.kind !== 'memcached') throw new Error('no memcached part');
      expect(stack.versions()['memcached']).toMatch(/^1\.6\./);
      await exercise('local', stack, { host: '127.0.0.1', port: p.port });
    } finally {
      expect(await cleanup.releaseAll()).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('on containers: brownout’s memcached image on the run’s network', async (ctx) => {
    const engine = await containerEngine();
    if (!engine.found) return ctx.skip(engine.reason);
    const plan = stackPlan([{ kind: 'memcached', name: 'sessions' }], [], `mc${Date.now()}`, { dbPassword: (p) => `test-${p}` });
    const stack = await startContainerStack(plan, { dbPassword: (p) => `test-${p}` });
    try {
      const c = stack.containers.get('sessions')?.container;
      if (!c) throw new Error('no container');
      await exercise('containers', stack, { host: c.getHost(), port: c.getMappedPort(11211) });
    } finally {
      await stack.stop();
    }
    expect(await containersLeft()).toEqual([]);
  }, 180_000);
});

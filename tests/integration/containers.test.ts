import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../harness/scenario/index.ts';
import { containerAction, findContainerEngine, stackPlan, startContainerStack } from '../../harness/stack/index.ts';
import { runCli as cli } from './helpers.ts';

// The containers backend needs a Docker engine. Where none answers (this project's CI machine) its
// tests skip with the reason testcontainers gives; the CLI's answer to that case is tested instead.
let engine: Awaited<ReturnType<typeof findContainerEngine>>;
beforeAll(async () => {
  engine = await findContainerEngine();
});

describe('containers backend', () => {
  it('with no engine, --stack containers exits 2 with one line naming the local default', async (ctx) => {
    if (engine.found) ctx.skip(`a Docker engine answers (${engine.description}): the no-engine answer cannot be seen here`);
    const r = await cli('run', 'scenarios/cold-cache.ts', '--stack', 'containers');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`brownout: --stack containers: no Docker engine found (testcontainers: ${engine.found ? '' : engine.reason}); the local backend is the default: run without --stack containers`]);
  });

  it('starts the slow-transaction stack in containers: the gateway answers through Toxiproxy, a toxic shows, pause and unpause, nothing left', async (ctx) => {
    if (!engine.found) ctx.skip(`no Docker engine found (testcontainers: ${engine.reason})`);
    const sc = await loadScenario('scenarios/slow-transaction.ts', { mode: 'fixed' });
    const plan = stackPlan(sc.parts, sc.links, `t${Date.now()}`, { dbPassword: (p) => `test-${p}` });
    const stack = await startContainerStack(plan, (p) => `test-${p}`);
    const ids = [...stack.parts.values()].map((p) => p.container.getId());
    try {
      await exercise(stack, plan);
    } finally {
      await stack.stop();
    }
    const { getContainerRuntimeClient } = await import('testcontainers');
    const running = (await (await getContainerRuntimeClient()).container.list()).map((c) => c.Id);
    expect(running.filter((id) => ids.includes(id))).toEqual([]);
  }, 300_000);
});

async function exercise(stack: Awaited<ReturnType<typeof startContainerStack>>, plan: ReturnType<typeof stackPlan>): Promise<void> {
  const edge = stack.urlOf('edge');
  expect((await fetch(`${edge}/photos/1`)).status).toBe(200);
  // A 300 ms toxic on edge→app, through the Toxiproxy container's API.
  const proxy = plan.proxies.find((p) => p.link === 'edge→app');
  const add = await fetch(`${stack.toxiproxyUrl}/proxies/${proxy?.name}/toxics`, { method: 'POST', body: JSON.stringify({ name: 'slow', type: 'latency', stream: 'downstream', attributes: { latency: 300 } }) });
  expect(add.ok).toBe(true);
  const t = Date.now();
  await fetch(`${edge}/photos/1`);
  expect(Date.now() - t).toBeGreaterThanOrEqual(300);
  await fetch(`${stack.toxiproxyUrl}/proxies/${proxy?.name}/toxics/slow`, { method: 'DELETE' });
  const heal = await stack.act('app', containerAction({ type: 'freeze', part: 'app' }) ?? { action: 'restart' });
  await expect(fetch(`${edge}/photos/1`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
  await heal();
  expect((await fetch(`${edge}/photos/1`)).status).toBe(200);
}

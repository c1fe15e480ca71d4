import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioDefinition } from '../../harness/index.ts';
import { runScenario } from '../../harness/run/index.ts';
import { AGAIN_IF_BUSY, containerEngine, containersLeft, newProcesses, runTempDirs, stackProcesses } from './helpers.ts';

// Any program (program(), locally) or image (container(), on --stack containers) as a part of the
// stack: ready by TCP or by a command, reached through its own Toxiproxy proxy, its dependents told
// <NAME>_HOST/_PORT/_URL, link and process faults acting on it; a readiness that never comes is one
// error naming the part, the check and its last answer; nothing left either way.
const FILE = 'tests/integration/scenarios/generic.ts';
type Backend = 'local' | 'containers';

let engine: Awaited<ReturnType<typeof containerEngine>>;
beforeAll(async () => {
  engine = await containerEngine();
});

/** Runs the scenario on a backend and checks that nothing of it is left. */
async function runOn(backend: Backend, definition?: (d: ScenarioDefinition) => ScenarioDefinition) {
  const before = stackProcesses();
  const dirs = runTempDirs();
  const o = await runScenario({
    scenarioFile: FILE,
    mode: backend,
    backend,
    reportsDir: 'reports/test',
    againIfBusy: AGAIN_IF_BUSY,
    ...(definition ? { definition } : {}),
  });
  expect(o.cleanupFailures).toEqual([]);
  expect(o.toxicsLeft).toEqual([]);
  expect(await newProcesses(before)).toEqual([]);
  expect(runTempDirs()).toEqual(dirs);
  if (backend === 'containers') expect(await containersLeft()).toEqual([]);
  return o;
}

/** The probe part's health replaced by a command that never exits 0, with a short startupTimeout. */
const neverReady = (d: ScenarioDefinition): ScenarioDefinition => ({
  ...d,
  stack: (ctx) => {
    const parts = d.stack(ctx);
    const probe = parts['probe'];
    if (probe?.kind !== 'service') throw new Error('the scenario has a probe part');
    return { ...parts, probe: { ...probe, health: { command: ['false'] }, startupTimeout: '2s' } };
  },
});

describe.each(['local', 'containers'] as const)('any program or image as a part: %s', (backend) => {
  const skipWithoutEngine = (ctx: { skip: (note?: string) => void }) => {
    if (backend === 'containers' && !engine.found) ctx.skip(engine.reason);
  };

  it('ready by TCP and by a command (which reached its dependency through STORE_URL); a link toxic and a kill act on it', async (ctx) => {
    skipWithoutEngine(ctx);
    const o = await runOn(backend);
    expect(o.error?.message).toBeUndefined();
    expect(o.exitCode).toBe(0);
    expect(o.result?.timeline.filter((e) => e.kind === 'apply').map((e) => e.label)).toEqual(['latency 300ms on edge→store', 'kill store (SIGKILL)']);
    // The toxic on its link shows in the phase's median; after the kill the gateway answers for it.
    const slow = o.result?.judgement.expectations.find((x) => x.phase === 'slow' && x.source === 'p50 > 250ms');
    expect(slow?.measured).toBeGreaterThan(290);
    const after = o.result?.judgement.phases.find((p) => p.phase === 'recovery')?.all.statuses ?? {};
    expect(after['502'] ?? 0).toBeGreaterThan(10);
    if (backend === 'containers') {
      // The kill reached the image's own server (no node in it) through the holder, which stays.
      const log = readFileSync(path.join(o.reportDir ?? '', 'logs', 'store__store.log'), 'utf8');
      expect(log).toContain('brownout-holder: the service exited (killed by SIGKILL)');
    }
  }, 300_000);

  it('a health command that never exits 0: one error naming the part, the command and its last exit; nothing started is left', async (ctx) => {
    skipWithoutEngine(ctx);
    const t0 = Date.now();
    const o = await runOn(backend, neverReady);
    expect(o.exitCode).toBe(2);
    expect(o.error?.message).toMatch(
      backend === 'local' ? /^probe: `false` did not exit 0 within 2000 ms \(last: exit 1\)/ : /^probe: `false` did not exit 0 in its container within 2000 ms/,
    );
    if (backend === 'containers') expect((o.error as { where?: string }).where).toMatch(/docker exec false: exit 1/);
    // Told at the start's bound, not later.
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 300_000);
});

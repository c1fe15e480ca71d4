import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario, type RunOutcome } from '../../harness/index.ts';
import { AGAIN_IF_BUSY, newProcesses, runTempDirs, stackProcesses } from './helpers.ts';

describe('a latency toxic, measured through k6 and the harness', () => {
  let outcome: RunOutcome;
  let before: ReturnType<typeof stackProcesses>;
  let dirsBefore: string[];
  // A signal as soak and margin share one across runs.
  const controller = new AbortController();
  beforeAll(async () => {
    before = stackProcesses();
    dirsBefore = runTempDirs();
    outcome = await runScenario({
      scenarioFile: 'tests/integration/scenarios/latency.ts',
      reportsDir: 'reports/test',
      againIfBusy: AGAIN_IF_BUSY,
      signal: controller.signal,
    });
  });
  afterAll(() => undefined);

  it('shows 300 ms in the fault phase p50 and not outside it', () => {
    expect(outcome.error).toBeUndefined();
    const phases = Object.fromEntries(outcome.result?.judgement.phases.map((p) => [p.phase, p.all]) ?? []);
    expect(phases['fault']?.p50Ms).toBeGreaterThanOrEqual(300);
    expect(phases['fault']?.p50Ms).toBeLessThan(400);
    expect(phases['baseline']?.p50Ms).toBeLessThan(50);
    expect(phases['recovery']?.p50Ms).toBeLessThan(50);
    expect(outcome.exitCode).toBe(0);
  });

  it('leaves no toxic, process, temp dir or listener on its abort signal behind', async () => {
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
    expect(outcome.toxicsLeft).toEqual([]);
    expect(outcome.cleanupFailures).toEqual([]);
    expect(await newProcesses(before)).toEqual([]);
    expect(runTempDirs()).toEqual(dirsBefore);
  });
});

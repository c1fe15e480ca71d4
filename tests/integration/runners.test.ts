import { HarnessError } from '../../harness/core/errors.ts';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/index.ts';
import { AGAIN_IF_BUSY, newProcesses, stackProcesses } from './helpers.ts';

const phaseOf = (o: Awaited<ReturnType<typeof runScenario>>, name: string) => o.result?.judgement.phases.find((p) => p.phase === name)?.all;

describe('load split across k6 runners (execution segments), judged on the merged samples', () => {
  it('1 and 3 runners on the same target and rate: the same request count and the same figures within noise', async () => {
    const before = stackProcesses();
    const one = await runScenario({
      scenarioFile: 'tests/integration/scenarios/runners.ts',
      reportsDir: 'reports/test',
      againIfBusy: AGAIN_IF_BUSY,
      runners: 1,
    });
    const three = await runScenario({
      scenarioFile: 'tests/integration/scenarios/runners.ts',
      reportsDir: 'reports/test',
      againIfBusy: AGAIN_IF_BUSY,
      runners: 3,
    });
    for (const o of [one, three]) {
      expect(o.error).toBeUndefined();
      expect(o.exitCode).toBe(0);
    }
    // 60/s for 12 s: 720 arrivals (+1: the executor's first arrival at t = 0), split 240 per runner.
    const n1 = one.result?.load.requests ?? 0;
    const n3 = three.result?.load.requests ?? 0;
    expect(Math.abs(n1 - 721)).toBeLessThanOrEqual(3);
    expect(Math.abs(n3 - n1)).toBeLessThanOrEqual(3);
    expect(three.result?.load.runners).toBe(3);
    const per = three.result?.load.perRunner ?? [];
    expect(per.length).toBe(3);
    for (const p of per) expect(Math.abs(p.requests - n3 / 3)).toBeLessThanOrEqual(2);
    expect(per.reduce((a, p) => a + p.requests, 0)).toBe(n3);
    // The toxic's 200 ms dominates the fault phase: both p50 and p95 agree within a few percent.
    const f1 = phaseOf(one, 'fault');
    const f3 = phaseOf(three, 'fault');
    expect(f1?.p50Ms).toBeGreaterThanOrEqual(200);
    expect(Math.abs((f3?.p50Ms ?? 0) - (f1?.p50Ms ?? 0)) / (f1?.p50Ms ?? 1)).toBeLessThan(0.05);
    expect(Math.abs((f3?.p95Ms ?? 0) - (f1?.p95Ms ?? 0)) / (f1?.p95Ms ?? 1)).toBeLessThan(0.05);
    expect(Math.abs((f3?.count ?? 0) - (f1?.count ?? 0))).toBeLessThanOrEqual(3);
    // Three k6 processes started, three stopped.
    expect(three.started.pids.length - one.started.pids.length).toBe(2);
    expect(await newProcesses(before)).toEqual([]);
  }, 120_000);

  it('a saturated runner makes the whole run untrusted (exit 2), naming the runners over the limit', async () => {
    const o = await runScenario({ scenarioFile: 'tests/integration/scenarios/runners-saturated.ts', reportsDir: 'reports/test', runners: 3 });
    expect(o.exitCode).toBe(2);
    expect(o.result?.verdict).toBe('untrusted');
    expect(o.error?.message).toMatch(
      /load generator saturated: \d+ of \d+ iterations dropped \([\d.]+%; runners k6-0 \([\d.]+%\), k6-1 \([\d.]+%\), k6-2 \([\d.]+%\) over the limit; the limit is 1% per runner and overall\)/,
    );
    // The fix names the option that would have helped, from what k6 measured: every VU was busy.
    expect(o.error instanceof HarnessError ? o.error.hint : '').toMatch(
      /^every one of the 3 VUs \(load\.maxVUs\) was busy at once \(over all runners\): raise load\.maxVUs/,
    );
  }, 60_000);
});

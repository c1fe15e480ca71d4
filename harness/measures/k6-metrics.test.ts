import { describe, expect, it } from 'vitest';
import { K6Samples, type RequestRecord } from '../metrics/index.ts';
import { parseExpectation } from './expectation.ts';
import { exp } from './testkit.ts';
import { judge } from './judge.ts';
import { k6RateMeasure } from './k6-metrics.ts';

/**
 * 10 requests/s over 0..30 s, a fault from 10 s to 20 s; the load script's samples: a check per
 * request (failing in the fault), a Trend of times, a Trend of item counts, a Counter, a Gauge.
 */
function run(expect: Parameters<typeof judge>[0]['expect'], warmUpMs = 0) {
  const samples = new K6Samples();
  samples.declare('checks', 'rate', 'default');
  samples.declare('search_ms', 'trend', 'time');
  samples.declare('items', 'trend', 'default');
  samples.declare('orders', 'counter', 'default');
  samples.declare('queue', 'gauge', 'default');
  samples.declare('ok_body', 'rate', 'default');
  const records: RequestRecord[] = [];
  for (let t = 0; t < 30_000; t += 100) {
    const inFault = t >= 10_000 && t < 20_000;
    records.push({ startMs: t, durationMs: 5, status: 200, tags: { name: 'search' } });
    samples.add('checks', t + 5, inFault ? 0 : 1, { check: 'has items', group: '', scenario: 'default' });
    samples.add('checks', t + 5, 1, { check: 'status 200', group: '', scenario: 'default' });
    samples.add('search_ms', t + 5, inFault ? 400 : 20 + (t % 1000) / 100, { name: 'search' });
    samples.add('items', t + 5, inFault ? 0 : 12, null);
    samples.add('orders', t + 5, 2, null);
    samples.add('queue', t + 5, inFault ? 50 : 3, null);
    samples.add('ok_body', t + 5, inFault ? 0 : 1, null);
  }
  return judge({
    records,
    samples,
    windows: [{ label: 'x', applyRequestedMs: 10_000, appliedMs: 10_000, healRequestedMs: 20_000, healedMs: 20_000 }],
    loadStartMs: 0,
    loadEndMs: 30_000,
    warmUpMs,
    expect,
    steady: [],
    stableForMs: 2000,
  });
}

describe('the load script’s own k6 metrics as figures', () => {
  it('reads rate(checks) as a k6 metric and rate(503) as the requests’ status, a misspelt status still refused', () => {
    expect(exp('rate(checks) > 99%').metric).toEqual({ kind: 'k6-rate', name: 'checks' });
    expect(exp('rate(checks){check:has items} == 100%')).toMatchObject({ metric: { kind: 'k6-rate', name: 'checks' }, tags: { check: 'has items' }, value: 1 });
    expect(exp('rate(503) < 1%').metric).toMatchObject({ kind: 'rate' });
    expect(exp('rate(failed) < 1%').metric).toMatchObject({ kind: 'rate' });
    expect(exp('p95(search_ms) < 300ms')).toMatchObject({ metric: { kind: 'k6-percentile', name: 'search_ms', p: 95 }, value: 300 });
    expect(exp('p50(items) >= 10')).toMatchObject({ metric: { kind: 'k6-percentile', name: 'items', p: 50 }, value: 10 });
    expect(exp('max(queue) < 20').metric).toEqual({ kind: 'k6-max', name: 'queue' });
    expect(exp('count(orders) > 100').metric).toEqual({ kind: 'k6-count', name: 'orders' });
    // Plain p95, max and count stay the requests'.
    expect(exp('p95 < 1s').metric).toMatchObject({ kind: 'percentile' });
    expect(parseExpectation('rate(50x) < 1%')).toMatchObject({ ok: false, message: expect.stringMatching(/unknown status/) });
    expect(parseExpectation('p95(search-ms) < 1s')).toMatchObject({ ok: false, message: expect.stringMatching(/not a k6 metric name/) });
    expect(parseExpectation('count(orders) > 1.5')).toMatchObject({ ok: false, message: expect.stringMatching(/whole number/) });
    expect(parseExpectation('rate(checks){first:1s} == 100%')).toMatchObject({ ok: false, message: expect.stringMatching(/picks requests/) });
    expect(parseExpectation('count(orders) > 1 @95%')).toMatchObject({ ok: false, message: expect.stringMatching(/no confidence interval/) });
  });

  it('judges each per phase by when its samples were emitted, with intervals as every other figure', () => {
    const j = run({
      baseline: [exp('rate(checks) == 100%'), exp('p95(search_ms) < 50ms'), exp('max(queue) < 10')],
      fault: [exp('rate(checks){check:has items} == 100%'), exp('rate(checks){check:status 200} == 100%'), exp('p50(items) >= 10'), exp('count(orders) > 150')],
      recovery: [exp('rate(ok_body) == 100%')],
      overall: [exp('rate(checks) > 90%'), exp('count(orders) == 600')],
    });
    const by = (phase: string, source: string) => j.expectations.find((x) => x.phase === phase && x.source === source);
    expect(by('baseline', 'rate(checks) == 100%')).toMatchObject({ passed: true, measured: 1, unit: 'rate', requests: 200 });
    expect(by('baseline', 'rate(checks) == 100%')?.interval?.hi).toBe(1);
    // 100 samples, ten each of 20..29 ms: the nearest-rank p95 is the 95th, 29; a Trend of times is in ms.
    expect(by('baseline', 'p95(search_ms) < 50ms')).toMatchObject({ passed: true, measured: 29, unit: 'ms', requests: 100 });
    expect(by('baseline', 'p95(search_ms) < 50ms')?.interval).toBeDefined();
    expect(by('baseline', 'max(queue) < 10')).toMatchObject({ passed: true, measured: 3, unit: 'ratio' });
    expect(by('fault', 'rate(checks){check:has items} == 100%')).toMatchObject({ passed: false, measured: 0, requests: 100 });
    expect(by('fault', 'rate(checks){check:status 200} == 100%')).toMatchObject({ passed: true, measured: 1 });
    expect(by('fault', 'p50(items) >= 10')).toMatchObject({ passed: false, measured: 0 });
    // A Counter is the sum of its samples: 100 in the fault, 2 each.
    expect(by('fault', 'count(orders) > 150')).toMatchObject({ passed: true, measured: 200, unit: 'count' });
    expect(by('recovery', 'rate(ok_body) == 100%')).toMatchObject({ passed: true, measured: 1, requests: 100 });
    // Overall: 'has items' failed 100 of 300, 'status 200' none of 300.
    expect(by('overall', 'rate(checks) > 90%')).toMatchObject({ passed: false, requests: 600 });
    expect(by('overall', 'rate(checks) > 90%')?.measured).toBeCloseTo(500 / 600, 9);
    expect(by('overall', 'count(orders) == 600')).toMatchObject({ passed: true, measured: 600 });
    // The failing check by name, per phase: its passes and failures.
    expect(j.checks).toEqual([
      { phase: 'fault', check: 'has items', passes: 0, fails: 100 },
      { phase: 'overall', check: 'has items', passes: 200, fails: 100 },
    ]);
  });

  it('a Trend’s percentile is the nearest rank in exact steps: p7 of 1..100 is 7 (floats say rank 8)', () => {
    const samples = new K6Samples();
    samples.declare('n', 'trend', 'default');
    for (let i = 1; i <= 100; i++) samples.add('n', i, i, null);
    const j = judge({
      records: [],
      samples,
      windows: [],
      loadStartMs: 0,
      loadEndMs: 1000,
      expect: { overall: [exp('p7(n) <= 7')] },
      steady: [],
      stableForMs: 2000,
    });
    expect(j.expectations[0]).toMatchObject({ passed: true, measured: 7 });
  });

  it('the warm-up’s samples are in no phase', () => {
    const j = run({ baseline: [exp('count(orders) == 100')], overall: [exp('count(orders) == 500')] }, 5000);
    expect(j.expectations.map((x) => x.measured)).toEqual([100, 500]);
  });

  it('a phase with no sample of it fails with why; a counter with none counted 0', () => {
    const j = run({ fault: [exp('rate(checks){check:has items,scenario:other} == 100%'), exp('count(orders){scenario:other} == 0')] });
    expect(j.expectations[0]).toMatchObject({ passed: false, measured: undefined, note: "no sample of 'checks' with these tags in this phase" });
    expect(j.expectations[1]).toMatchObject({ passed: true, measured: 0 });
  });

  it('before the load: a metric or check the bundled script never names is refused, naming it', () => {
    const script = `import { check } from "k6"; const t = new Trend("search_ms", true); check(r, { "has items": (r) => r.json().length > 0 });`;
    expect(k6RateMeasure.beforeLoad?.(exp('rate(checks){check:has items} == 100%') as never, script)).toBeUndefined();
    expect(k6RateMeasure.beforeLoad?.(exp('rate(checks){check:has itmes} == 100%') as never, script)?.message).toBe(
      "'rate(checks){check:has itmes} == 100%' names the check 'has itmes', which the load script never names",
    );
    expect(k6RateMeasure.beforeLoad?.(exp('rate(body_ok) == 100%') as never, script)?.fix).toMatch(/new Rate\('body_ok'\)/);
  });

  it('after the load: a metric or check never produced is an error listing those that were', () => {
    const samples = new K6Samples();
    samples.declare('checks', 'rate', 'default');
    samples.add('checks', 1, 1, { check: 'status 200' });
    samples.declare('search_ms', 'trend', 'time');
    samples.add('search_ms', 1, 12, null);
    const produced = (text: string) => k6RateMeasure.afterLoad?.(exp(text) as never, samples)?.message;
    expect(produced('rate(checks){check:status 200} == 100%')).toBeUndefined();
    expect(produced('rate(checks){check:has items} == 100%')).toBe(
      "'rate(checks){check:has items} == 100%': no check named 'has items' ran (the checks that ran: status 200)",
    );
    expect(produced('rate(body_ok) == 100%')).toBe("'rate(body_ok) == 100%': the load script produced no sample of 'body_ok' (it produced: checks, search_ms)");
    expect(produced('rate(search_ms) > 1%')).toBe("'rate(search_ms) > 1%': 'search_ms' is a k6 trend, which rate(NAME) does not read");
    expect(k6RateMeasure.afterLoad?.(exp('rate(body_ok) == 100%') as never, new K6Samples())?.message).toMatch(
      /it produced no metric of its own, no check either/,
    );
  });
});

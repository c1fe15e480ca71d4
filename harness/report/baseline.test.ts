import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BaselineError, compareWithBaseline, DEFAULT_MARGINS, newBaseline, parseMargins, readBaseline, significantlyHigher } from './baseline.ts';
import type { RunResult } from './index.ts';

// A real run: lb-failover broken (never recovers, 502s and 503s after the kill).
const broken = JSON.parse(readFileSync(path.join(import.meta.dirname, 'testdata', 'lb-failover-broken.result.json'), 'utf8')) as RunResult;

/** The same run as if fixed: every request of the recovery phase a 200 at the baseline's speed, recovered at once. */
function asFixed(r: RunResult): RunResult {
  const f = structuredClone(r);
  f.scenario.mode = 'fixed';
  for (const ph of f.judgement.phases) {
    if (ph.all.count === 0) continue;
    ph.all = { ...ph.all, p95Ms: 4, p99Ms: 8, statuses: { '200': ph.all.count } };
  }
  if (f.judgement.recovery) Object.assign(f.judgement.recovery, { recovered: true, recoveryMs: 400 });
  return f;
}

describe('margins', () => {
  it('parses relative, absolute, percentage-point and duration margins', () => {
    expect(parseMargins('p95=+20%,p95=+5ms,rate503=+0.1pp,recovery=+1s,lost_writes=+0')).toEqual([
      { figure: 'p95', kind: 'relative', value: 0.2, text: '+20%' },
      { figure: 'p95', kind: 'absolute', value: 5, text: '+5ms' },
      { figure: 'rate503', kind: 'absolute', value: 0.001, text: '+0.1pp' },
      { figure: 'recovery', kind: 'absolute', value: 1000, text: '+1s' },
      { figure: 'lost_writes', kind: 'absolute', value: 0, text: '+0' },
    ]);
    expect(parseMargins(DEFAULT_MARGINS).length).toBe(8);
  });

  it.each([
    ['p96=+20%', /unknown figure "p96".*use one of p50, p95/s],
    ['rate503=+1s', /"1s" is not an amount for rate503.*percentage points/s],
    ['recovery=+0.1pp', /not an amount for recovery.*a duration/s],
    ['p95', /not figure=\+amount/],
  ])('rejects %s with the item and the fix', (text, message) => {
    const e = (() => {
      try {
        parseMargins(text);
      } catch (err) {
        return err as BaselineError;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(BaselineError);
    expect(`${e?.message} ${e?.where} ${e?.hint}`).toMatch(message);
    expect(e?.where).toBe('--max-regression');
  });
});

describe('comparison with a baseline', () => {
  const margins = parseMargins(DEFAULT_MARGINS);
  const fixed = asFixed(broken);
  const baseline = newBaseline([fixed]);

  it('the same figures: nothing regressed', () => {
    const c = compareWithBaseline(fixed, baseline, 'b.json', margins);
    expect(c.regressions).toBe(0);
    expect(c.comparisons.length).toBeGreaterThan(8);
  });

  it('the broken run against the fixed baseline names each regression with its delta', () => {
    const c = compareWithBaseline(broken, baseline, 'b.json', margins);
    const regressed = c.comparisons.filter((x) => x.regressed).map((x) => `${x.phase} ${x.figure}`);
    expect(regressed).toEqual(expect.arrayContaining(['recovery rate503', 'recovery rate502', 'recovery no_response', 'run recovery']));
    const r503 = c.comparisons.find((x) => x.phase === 'recovery' && x.figure === 'rate503');
    expect(r503?.baselineText).toBe('0.00%');
    expect(r503?.deltaText).toMatch(/^\+\d+\.\d\dpp$/);
    expect(c.comparisons.find((x) => x.figure === 'recovery')).toMatchObject({ baselineText: '400ms', currentText: 'never', regressed: true });
    // rate5xx has no default margin: shown, not gated.
    expect(c.comparisons.find((x) => x.phase === 'recovery' && x.figure === 'rate5xx')).toMatchObject({ regressed: false, allowedText: 'not gated' });
  });

  it('a figure given two margins regresses only beyond both (a millisecond wobble is not a regression)', () => {
    const slower = structuredClone(fixed);
    const ph = slower.judgement.phases.find((p) => p.phase === 'baseline');
    if (ph) ph.all.p95Ms = 7; // +3 ms, +75%
    const both = compareWithBaseline(slower, baseline, 'b.json', margins).comparisons.find((x) => x.phase === 'baseline' && x.figure === 'p95');
    expect(both).toMatchObject({ regressed: false, deltaText: '+3.00ms (+75%)', allowedText: '+20% and +5ms' });
    const relOnly = compareWithBaseline(slower, baseline, 'b.json', parseMargins('p95=+20%')).comparisons.find(
      (x) => x.phase === 'baseline' && x.figure === 'p95',
    );
    expect(relOnly?.regressed).toBe(true);
  });

  it("a percentile worse beyond its margins but not at the low end of the run's 95% interval is noise, shown and not failed", () => {
    const slower = structuredClone(fixed);
    const ph = slower.judgement.phases.find((p) => p.phase === 'baseline');
    if (!ph) throw new Error('baseline phase');
    ph.all.p95Ms = 20; // +16 ms, +400%: beyond +20% and +5 ms
    ph.all.intervals = { p50: { lo: 1, hi: 3 }, p95: { lo: 6, hi: 31 }, p99: { lo: 7, hi: 40 } };
    const c = compareWithBaseline(slower, baseline, 'b.json', margins).comparisons.find((x) => x.phase === 'baseline' && x.figure === 'p95');
    // 6 ms is within +20% and +5 ms of 4 ms: the same system could have measured it.
    expect(c).toMatchObject({ regressed: false, withinNoise: true });
    ph.all.intervals.p95 = { lo: 15, hi: 31 };
    expect(compareWithBaseline(slower, baseline, 'b.json', margins).comparisons.find((x) => x.phase === 'baseline' && x.figure === 'p95')?.regressed).toBe(
      true,
    );
  });

  it('a rate worse beyond its margin but within sampling noise is shown, not failed', () => {
    // Measured on this machine: dependency-outage fixed, one 503 among 120 baseline requests.
    expect(significantlyHigher(0, 120, 1 / 120, 120)).toBe(false);
    // slow-transaction fixed, fault phase: 0.88% then 1.13% of ~800 requests.
    expect(significantlyHigher(0.0088, 800, 0.0113, 800)).toBe(false);
    // The broken mode: 0% then 23.5% of 200.
    expect(significantlyHigher(0, 200, 0.235, 200)).toBe(true);
    expect(significantlyHigher(0, 200, 0, 200)).toBe(false);
    const noisy = structuredClone(fixed);
    const ph = noisy.judgement.phases.find((p) => p.phase === 'baseline');
    if (ph) ph.all.statuses = { '200': ph.all.count - 1, '503': 1 };
    const c = compareWithBaseline(noisy, baseline, 'b.json', margins).comparisons.find((x) => x.phase === 'baseline' && x.figure === 'rate503');
    expect(c).toMatchObject({ regressed: false, withinNoise: true, baselineText: '0.00%' });
  });

  it('a scenario the baseline does not have is compared with nothing, and says so', () => {
    const other = structuredClone(broken);
    other.scenario.name = 'other';
    expect(compareWithBaseline(other, baseline, 'b.json', margins)).toMatchObject({
      regressions: 0,
      comparisons: [],
      note: expect.stringContaining('no run of other'),
    });
  });
});

describe('baseline file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bo-baseline-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips what newBaseline writes', () => {
    const file = path.join(dir, 'ok.json');
    const b = newBaseline([broken]);
    writeFileSync(file, JSON.stringify(b));
    expect(readBaseline(file)).toEqual(b);
    expect(b.scenarios['lb-failover']).toMatchObject({ mode: 'broken', recoveryMs: null, lostWrites: 0 });
  });

  it.each([
    ['missing.json', undefined, /cannot read the baseline/],
    ['notjson.json', '{ nope', /not JSON/],
    ['field.json', JSON.stringify({ ...newBaseline([broken]), scenarios: { x: { mode: 'fixed' } } }), /scenarios\.x\.runId/],
  ])('%s: one error naming the file, the field and the fix', (name, text, message) => {
    const file = path.join(dir, name);
    if (text !== undefined) writeFileSync(file, text);
    const e = (() => {
      try {
        readBaseline(file);
      } catch (err) {
        return err as BaselineError;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(BaselineError);
    expect(e?.code).toBe('BO_BASELINE');
    expect(e?.where).toContain(file);
    expect(e?.message).toMatch(message);
    expect(e?.hint).toMatch(/--save-baseline/);
  });
});

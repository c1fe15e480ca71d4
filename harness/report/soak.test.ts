import { describe, expect, it } from 'vitest';
import type { ExpectationResult } from '../measures/index.ts';
import { limitUsed, renderSoak, summariseSoak, type SoakRun } from './soak.ts';

const exp = (measured: number, passed: boolean): ExpectationResult => ({ phase: 'fault', source: 'p95 < 500ms', measured, unit: 'ms', requests: 100, passed });
const run = (mode: string, exitCode: 0 | 1 | 2, measured: number): SoakRun => ({
  scenario: 's',
  mode,
  exitCode,
  expectations: [exp(measured, exitCode === 0)],
});

describe('soak summary', () => {
  it('judges fixed modes by passing every run and broken modes by failing every run, with the spread', () => {
    const lines = summariseSoak([run('fixed', 0, 10), run('fixed', 0, 30), run('fixed', 0, 20), run('broken', 1, 3000), run('broken', 1, 2990)]);
    const fixed = lines.find((l) => l.mode === 'fixed');
    expect(fixed).toMatchObject({ expected: 'pass', runs: 3, passed: 3, asExpected: true });
    expect(fixed?.figures[0]).toMatchObject({ min: 10, median: 20, max: 30, held: 3, runs: 3 });
    expect(lines.find((l) => l.mode === 'broken')).toMatchObject({ expected: 'fail', failed: 2, asExpected: true, figures: [{ median: 2995 }] });
  });
  it('a single flake or harness error is not as expected', () => {
    expect(summariseSoak([run('fixed', 0, 1), run('fixed', 1, 1)])[0]?.asExpected).toBe(false);
    expect(summariseSoak([run('broken', 1, 1), run('broken', 2, 1)])[0]?.asExpected).toBe(false);
  });
  it('renders a table a person can read', () => {
    const md = renderSoak(summariseSoak([run('fixed', 0, 12)]), { date: '2026-11-23', machine: 'polyglot' });
    expect(md).toContain('| s | fixed | pass | 1 | 1 | 0 | 0 | 0 | yes |');
    expect(md).toContain('| fault | `p95 < 500ms` | 12ms | 12ms | 12ms | 1/1 | 2% |');
    expect(md).toContain('Within 2× of the limit on some run (modes that should pass): none.');
  });
  it('names each figure of a passing mode that used half its limit or more on some run', () => {
    const md = renderSoak(summariseSoak([run('fixed', 0, 100), run('fixed', 0, 260), run('broken', 1, 3000)]), { date: '2026-12-02', machine: 'polyglot' });
    expect(md).toContain('- s (fixed) fault `p95 < 500ms`: 52% of the limit');
    // A failing mode far over its limit is the incident, not a near miss.
    expect(md).not.toContain('- s (broken)');
  });
  it('the limit used: the worst value over a ceiling, the worst shortfall over the one a floor on a rate allows', () => {
    expect(limitUsed('rate(failed) < 2%', 'rate', 0.004, 0.0103)).toBeCloseTo(0.515);
    expect(limitUsed('rate(2xx){first:1s} >= 99.9%', 'rate', 0.9995, 1)).toBeCloseTo(0.5);
    expect(limitUsed('rate(5xx) == 0', 'rate', 0, 0)).toBeUndefined();
    expect(limitUsed('p50 >= 300ms', 'ms', 310, 330)).toBeUndefined();
    expect(limitUsed('upstream_calls_per_request{link:app→payments} < 1.1', 'ratio', 1, 1.01)).toBeUndefined();
  });
  it('an untrusted run (machine too busy) is neither pass nor fail nor harness error, and its figures stay out', () => {
    const busy: SoakRun = { ...run('fixed', 2, 900), untrusted: 'machine too busy' };
    const [l] = summariseSoak([run('fixed', 0, 10), busy, run('fixed', 0, 30)]);
    expect(l).toMatchObject({ runs: 3, passed: 2, failed: 0, untrusted: 1, errors: 0, asExpected: true, untrustedWhy: { 'machine too busy': 1 } });
    expect(l?.figures[0]).toMatchObject({ min: 10, max: 30, runs: 2 });
    const md = renderSoak(summariseSoak([run('fixed', 0, 10), busy]), { date: '2026-12-03', machine: 'polyglot' });
    expect(md).toContain('| s | fixed | pass | 2 | 1 | 0 | 1 | 0 | yes |');
    expect(md).toContain('Untrusted (no verdict, not counted as pass or fail): 1 machine too busy.');
  });
  it('still not as expected: a wrong verdict beside untrusted runs, or nothing but untrusted runs', () => {
    const busy = (mode: string): SoakRun => ({ ...run(mode, 2, 1), untrusted: 'machine too busy' });
    expect(summariseSoak([busy('broken'), run('broken', 0, 1)])[0]?.asExpected).toBe(false);
    expect(summariseSoak([busy('fixed'), busy('fixed')])[0]?.asExpected).toBe(false);
    expect(summariseSoak([busy('broken'), run('broken', 1, 1)])[0]?.asExpected).toBe(true);
  });
});

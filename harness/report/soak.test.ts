import { describe, expect, it } from 'vitest';
import type { ExpectationResult } from '../metrics/index.ts';
import { renderSoak, summariseSoak, type SoakRun } from './soak.ts';

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
    expect(md).toContain('| s | fixed | pass | 1 | 1 | 0 | 0 | yes |');
    expect(md).toContain('| fault | `p95 < 500ms` | 12ms | 12ms | 12ms | 1/1 |');
  });
});

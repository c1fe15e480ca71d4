import { describe, expect, it } from 'vitest';
import type { MachineFigures } from '../metrics/index.ts';
import type { Judgement } from '../measures/index.ts';
import type { RunResult } from '../report/index.ts';
import { HarnessError, LoadError } from '../core/errors.ts';
import { exitCodeOf, machineBusyError, starvedPhases, untrustedReason } from './result.ts';

const withVerdict = (verdict: RunResult['verdict']) => ({ verdict }) as RunResult;

describe('the exit code, decided in one place', () => {
  it('0 pass, 1 an expectation failed', () => {
    expect(exitCodeOf({ error: undefined, result: withVerdict('pass'), cleanupFailures: [] })).toBe(0);
    expect(exitCodeOf({ error: undefined, result: withVerdict('fail'), cleanupFailures: [] })).toBe(1);
  });
  it('2 for an untrusted verdict, an error, no result, or anything teardown could not release, whatever the verdict', () => {
    expect(exitCodeOf({ error: undefined, result: withVerdict('untrusted'), cleanupFailures: [] })).toBe(2);
    expect(exitCodeOf({ error: new Error('k6 exited 107'), result: undefined, cleanupFailures: [] })).toBe(2);
    expect(exitCodeOf({ error: undefined, result: undefined, cleanupFailures: [] })).toBe(2);
    expect(exitCodeOf({ error: undefined, result: withVerdict('pass'), cleanupFailures: ['pid 4242 (haproxy) still alive'] })).toBe(2);
    expect(exitCodeOf({ error: undefined, result: withVerdict('fail'), cleanupFailures: ['port 40123 still bound'] })).toBe(2);
  });
});

describe('why a verdict was withheld (what againIfBusy runs again by, what the soak counts apart)', () => {
  const busy = new LoadError('machine too busy: …', 'the machine', 'run it elsewhere', undefined, 'BO_MACHINE_BUSY');
  const saturated = new LoadError('load generator saturated: …', 'k6', 'lower the rate', undefined, 'BO_LOAD_SATURATED');
  it('the untrusted verdict’s own error names the reason', () => {
    expect(untrustedReason({ error: busy, result: withVerdict('untrusted'), cleanupFailures: [] })).toBe('machine too busy');
    expect(untrustedReason({ error: saturated, result: withVerdict('untrusted'), cleanupFailures: [] })).toBe('load generator saturated');
  });
  it('none where something else made the exit 2: a leftover, another error, or a verdict that stands', () => {
    expect(untrustedReason({ error: busy, result: withVerdict('untrusted'), cleanupFailures: ['pid 4242 still alive'] })).toBeUndefined();
    expect(
      untrustedReason({ error: new HarnessError('BO_LOAD', 'k6 exited 107', 'k6', 'see its log'), result: withVerdict('untrusted'), cleanupFailures: [] }),
    ).toBeUndefined();
    expect(untrustedReason({ error: busy, result: withVerdict('fail'), cleanupFailures: [] })).toBeUndefined();
  });
});

describe('a machine too busy to trust', () => {
  const judged = { expectations: [{ phase: 'fault' }, { phase: 'overall' }] } as unknown as Judgement;
  const m = (phase: string, freeCores?: number): MachineFigures => ({ phase, busy: 1, othersBusy: 0.7, ...(freeCores === undefined ? {} : { freeCores }) });

  it('only a judged phase under the limit counts; one without the figure never does', () => {
    expect(starvedPhases([m('baseline', 0.1), m('fault', 0.79), m('overall', 1.5)], judged, 0.8)).toEqual([
      { phase: 'fault', freeCores: 0.79, othersBusy: 0.7 },
    ]);
    expect(starvedPhases([m('fault', 0.8), m('overall')], judged, 0.8)).toEqual([]);
    expect(starvedPhases(undefined, judged, 0.8)).toEqual([]);
  });

  it('names the phases, the figure and the limit, with the fix', () => {
    const r = { machineTooBusy: { limitCores: 0.8, phases: [{ phase: 'fault', freeCores: 0.45, othersBusy: 0.775 }] } } as RunResult;
    const e = machineBusyError(r, 'the machine during scenarios/x.ts');
    expect(e.code).toBe('BO_MACHINE_BUSY');
    expect(e.message).toBe(
      'machine too busy: other processes left the run 0.45 core in fault (others took 77.50% of the machine); the limit is 0.80 core in a judged phase',
    );
    expect(e.hint).toMatch(/not trusted either way$/);
  });
});

import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../metrics/index.ts';
import { judge } from './judge.ts';
import { recoveryTime } from './recovery.ts';
import { exp, rec } from './testkit.ts';

describe('recovery time', () => {
  const steady = [exp('rate(5xx) == 0'), exp('p95 < 100ms')];
  /** 20 requests/s from `from` to `to`; `bad(t)` says whether the request at t fails. */
  const series = (from: number, to: number, bad: (t: number) => boolean) => {
    const out: RequestRecord[] = [];
    for (let t = from; t < to; t += 50) out.push(bad(t) ? rec(t, 3000, 503) : rec(t, 5, 200));
    return out;
  };

  it('clean recovery: the first window of the stable span, at 100 ms resolution', () => {
    const records = series(10_000, 20_000, (t) => t < 11_234);
    const r = recoveryTime({ records, lastHealMs: 10_000, loadEndMs: 20_000, steady, stableForMs: 2000 });
    expect(r.recovered).toBe(true);
    expect(r.recoveryMs).toBe(1300); // the request at 11 200 fails, so the window from 11 300 is the first clean one
  });

  it('immediate recovery is 0', () => {
    const r = recoveryTime({ records: series(10_000, 14_000, () => false), lastHealMs: 10_000, loadEndMs: 14_000, steady, stableForMs: 2000 });
    expect(r.recoveryMs).toBe(0);
  });

  it('never recovers: fails, and shows the last window', () => {
    const r = recoveryTime({ records: series(10_000, 15_000, () => true), lastHealMs: 10_000, loadEndMs: 15_000, steady, stableForMs: 2000 });
    expect(r.recovered).toBe(false);
    expect(r.recoveryMs).toBeUndefined();
    expect(r.lastWindow?.failing).toEqual(['rate(5xx) == 0', 'p95 < 100ms']);
  });

  it('flapping: good spans shorter than stableFor do not count', () => {
    // Good 1 s, bad 0.5 s, good 1 s, bad 0.5 s, then good from 13 000 on.
    const bad = (t: number) => (t >= 11_000 && t < 11_500) || (t >= 12_500 && t < 13_000);
    const r = recoveryTime({ records: series(10_000, 17_000, bad), lastHealMs: 10_000, loadEndMs: 17_000, steady, stableForMs: 2000 });
    expect(r.recoveryMs).toBe(3000);
  });

  it('a load that ended before the last heal (a stop condition held mid-fault) never recovered, and says so without a window', () => {
    const r = recoveryTime({ records: series(0, 9000, () => false), lastHealMs: 10_000, loadEndMs: 9000, steady, stableForMs: 2000 });
    expect(r).toMatchObject({ recovered: false, recoveryMs: undefined, lastWindow: undefined });
  });

  it('a stable span that would end after the load does not count', () => {
    const r = recoveryTime({ records: series(10_000, 12_000, (t) => t < 10_500), lastHealMs: 10_000, loadEndMs: 12_000, steady, stableForMs: 2000 });
    expect(r.recovered).toBe(false);
  });
});

describe('recovery with the load shed after the heal (metastability)', () => {
  const steady = [exp('rate(5xx) == 0')];
  /** 20 requests/s over 0..30 s; a fault from 5 s to 10 s; the load shed from 16 s to 22 s. */
  const run = (bad: (t: number) => boolean) => {
    const records: RequestRecord[] = [];
    for (let t = 0; t < 30_000; t += 50) records.push(bad(t) ? rec(t, 1000, 504) : rec(t, 5, 200));
    return judge({
      records,
      windows: [{ label: 'x', applyRequestedMs: 5000, appliedMs: 5000, healRequestedMs: 10_000, healedMs: 10_000 }],
      loadStartMs: 0,
      loadEndMs: 30_000,
      expect: { recovery: [exp('recovery < 3s')] },
      steady,
      stableForMs: 2000,
      shed: { fromMs: 16_000, toMs: 22_000, share: 0.25 },
    });
  };
  const faulty = (t: number) => t >= 5000 && t < 10_000;

  it('recovered at load: stable for stableFor before the shed starts', () => {
    const j = run((t) => faulty(t) || (t >= 10_000 && t < 11_000));
    expect(j.recovery?.shed).toEqual({ verdict: 'at load', shedAfterMs: 6000, shedForMs: 6000, share: 0.25 });
    expect(j.expectations[0]).toMatchObject({ passed: true, measured: 1000 });
  });

  it('recovered only once shed: fails `recovery < 3s` whatever its time, and says so', () => {
    const j = run((t) => faulty(t) || (t >= 10_000 && t < 18_500));
    expect(j.recovery?.shed?.verdict).toBe('after shed');
    expect(j.expectations[0]).toMatchObject({
      passed: false,
      measured: 8500,
      note: 'recovered only after the load was shed to 25% 6.00s after the heal: 8.50s after the heal, 2.50s into the shed',
    });
  });

  it('a stable span that starts at load but is confirmed only once shed is not a recovery at load', () => {
    const j = run((t) => faulty(t) || (t >= 10_000 && t < 15_000));
    expect(j.recovery?.shed?.verdict).toBe('after shed');
    expect(j.expectations[0]?.passed).toBe(false);
  });

  it('never: not even with the load shed', () => {
    const j = run((t) => t >= 5000);
    expect(j.recovery?.shed?.verdict).toBe('never');
    expect(j.expectations[0]).toMatchObject({ passed: false, note: 'never recovered, not even with the load shed to 25% for 6.00s from 6.00s after the heal' });
  });
});

describe('recovery of some requests only', () => {
  it('recovery{name:job} judges the steady state over those requests: the failover time', () => {
    // A kill at 10 000 (instant: healed at once). Reads are fine from 10 300, jobs from 12 000.
    const records: RequestRecord[] = [];
    for (let t = 0; t < 20_000; t += 50) {
      const job = t % 100 === 0;
      const bad = t >= 10_000 && t < (job ? 12_000 : 10_300);
      records.push(rec(t, 5, bad ? 503 : 200, job ? 'job' : 'read'));
    }
    const j = judge({
      records,
      windows: [{ label: 'kill', applyRequestedMs: 10_000, appliedMs: 10_000, healRequestedMs: 10_000, healedMs: 10_000 }],
      loadStartMs: 0,
      loadEndMs: 20_000,
      expect: { recovery: [exp('recovery < 5s'), exp('recovery{name:job} < 1s'), exp('recovery{name:read} < 1s')] },
      steady: [exp('rate(5xx) == 0')],
      stableForMs: 2000,
    });
    expect(j.expectations.map((x) => [x.source, x.measured, x.passed])).toEqual([
      ['recovery < 5s', 2000, true],
      ['recovery{name:job} < 1s', 2000, false],
      ['recovery{name:read} < 1s', 300, true],
    ]);
  });
});

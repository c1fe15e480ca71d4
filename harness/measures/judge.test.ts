import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../metrics/index.ts';
import { parseExpectation } from './expectation.ts';
import { judge } from './judge.ts';
import { verdict } from './kind.ts';
import { measure } from './requests.ts';
import { exp, rec } from './testkit.ts';

describe('judge', () => {
  it('judges each phase and recovery, and fails an expectation with no matching request', () => {
    const records: RequestRecord[] = [];
    for (let t = 0; t < 10_000; t += 100)
      records.push(rec(t, t >= 4000 && t < 6000 ? 3000 : 5, t >= 4000 && t < 6000 ? 503 : 200, t % 200 === 0 ? 'read' : 'upload'));
    const j = judge({
      records,
      windows: [{ label: 'x', applyRequestedMs: 4000, appliedMs: 4000, healRequestedMs: 6000, healedMs: 6000 }],
      loadStartMs: 0,
      loadEndMs: 10_000,
      expect: {
        baseline: [exp('p95 < 10ms'), exp('rate(5xx) == 0')],
        fault: [exp('rate(503){name:upload} < 1%'), exp('rate(5xx){name:nothing} < 1%')],
        recovery: [exp('recovery < 1s')],
      },
      steady: [exp('rate(5xx) == 0')],
      stableForMs: 2000,
    });
    const by = Object.fromEntries(j.expectations.map((x) => [`${x.phase} ${x.source}`, x]));
    expect(by['baseline p95 < 10ms']?.passed).toBe(true);
    expect(by['fault rate(503){name:upload} < 1%']).toMatchObject({ passed: false, measured: 1, requests: 10 });
    // A filter no request of the run matches names the tags there are (a misspelt name, most likely).
    expect(by['fault rate(5xx){name:nothing} < 1%']).toMatchObject({
      passed: false,
      note: 'no request of the whole run carries {name:nothing}; the requests carry name: read, upload',
    });
    expect(by['recovery recovery < 1s']).toMatchObject({ passed: true, measured: 0 });
    expect(j.passed).toBe(false);
    expect(j.phases.map((p) => [p.phase, p.all.count])).toEqual([
      ['baseline', 40],
      ['fault', 20],
      ['recovery', 40],
    ]);
  });
});

describe('first requests after an instant fault', () => {
  it('{first:1s} selects the requests started within 1 s after each one', () => {
    // A restart at 5 000 and a flush at 9 000; the first second after each has one 503 in ten.
    const records: RequestRecord[] = [];
    for (let t = 0; t < 12_000; t += 100) records.push(rec(t, 5, t === 5_000 || t === 9_500 ? 503 : 200));
    const j = judge({
      records,
      windows: [],
      loadStartMs: 0,
      loadEndMs: 12_000,
      expect: { overall: [exp('rate(2xx){first:1s} >= 99.9%'), exp('rate(503) < 5%')] },
      steady: [],
      stableForMs: 1000,
      instants: [5_000, 9_000],
    });
    expect(j.expectations[0]).toMatchObject({ measured: 18 / 20, requests: 20, passed: false });
    expect(j.expectations[1]).toMatchObject({ measured: 2 / 120, passed: true });
  });
});

describe('load.warmUp', () => {
  // A cold start: the first 2 s answer in 300 ms, then 5 ms; a fault from 6 s to 8 s; writes acknowledged at 1 s and 9 s, both lost.
  const records: RequestRecord[] = [];
  for (let t = 0; t < 12_000; t += 100) records.push(rec(t, t < 2000 ? 300 : t >= 6000 && t < 8000 ? 50 : 5, 200));
  const run = (warmUpMs: number | undefined) =>
    judge({
      records,
      windows: [{ label: 'x', applyRequestedMs: 6000, appliedMs: 6000, healRequestedMs: 8000, healedMs: 8000 }],
      loadStartMs: 0,
      loadEndMs: 12_000,
      ...(warmUpMs === undefined ? {} : { warmUpMs }),
      expect: { baseline: [exp('p95 < 100ms'), exp('lost_writes == 0')], overall: [exp('count == 100'), exp('lost_writes == 0')] },
      writes: {
        acks: [
          { id: 1, atMs: 1000 },
          { id: 2, atMs: 9000 },
        ],
        lost: new Set([1, 2]),
      },
      steady: [],
      stableForMs: 1000,
    });

  it('without it the cold start is the baseline’s tail', () => {
    const j = run(undefined);
    expect(j.expectations[0]).toMatchObject({ phase: 'baseline', requests: 60, passed: false });
    expect(Math.round(j.expectations[0]?.measured ?? 0)).toBe(300);
    expect(j.warmUp).toBeUndefined();
  });

  it('the requests started in it are in no figure, from the baseline to overall; its acknowledged writes are still checked', () => {
    const j = run(2000);
    expect(j.expectations.map((x) => [x.phase, x.source, Math.round(x.measured ?? NaN), x.requests])).toEqual([
      ['baseline', 'p95 < 100ms', 5, 40],
      ['baseline', 'lost_writes == 0', 1, 1],
      ['overall', 'count == 100', 100, 100],
      ['overall', 'lost_writes == 0', 2, 2],
    ]);
    expect(j.phases.find((p) => p.phase === 'baseline')).toMatchObject({ fromMs: 2000, toMs: 6000 });
    expect(j.warmUp).toMatchObject({ ms: 2000, requests: 20, all: { count: 20, p50Ms: expect.closeTo(300, 0) }, byName: { read: { count: 20 } } });
  });
});

describe('confidence on a verdict', () => {
  // 200 requests: 1% of them 503 (2), 99% fast.
  const recs: RequestRecord[] = Array.from({ length: 200 }, (_, i) => ({ startMs: i * 10, durationMs: 10 + (i % 100), status: i < 2 ? 503 : 200, tags: {} }));
  const result = (text: string) => {
    const e = exp(text);
    const m = measure(e, recs);
    return verdict(e, { phase: 'overall', source: e.source, measured: m.value, unit: e.metric.kind === 'rate' ? 'rate' : 'ms', requests: m.count }, m.interval);
  };

  it('a rate carries its Wilson interval; a limit inside it is borderline, whichever way the verdict went', () => {
    const r = result('rate(503) < 2%');
    expect(r.passed).toBe(true);
    expect(r.interval?.lo).toBeCloseTo(0.00275, 4);
    expect(r.interval?.hi).toBeCloseTo(0.0357, 3);
    expect(r.borderline).toBe(true);
    expect(result('rate(503) < 10%').borderline).toBeUndefined();
    expect(result('rate(503) < 0.5%')).toMatchObject({ passed: false, borderline: true });
  });

  it('@95%: the bound on the failing side must meet the limit too', () => {
    expect(result('rate(503) < 2% @95%').passed).toBe(false);
    expect(result('rate(503) < 5% @95%').passed).toBe(true);
    // p95 of 10..109 ms twice over: about 104 ms, its interval within a few ms.
    const p = result('p95 < 106ms');
    expect(p.measured).toBeGreaterThan(100);
    expect(p.interval?.hi).toBeGreaterThanOrEqual(p.measured ?? 0);
    expect(result('p95 < 200ms @95%').passed).toBe(true);
  });

  it('@95% is refused where there is no interval, and with ==', () => {
    expect(parseExpectation('count > 10 @95%')).toMatchObject({ ok: false });
    expect(parseExpectation('rate(5xx) == 0 @95%')).toMatchObject({ ok: false });
    expect(parseExpectation('p95 < 1s @90%')).toMatchObject({ ok: false, fix: expect.stringContaining("'@95%'") });
    expect(parseExpectation('recovery < 2s @95%')).toMatchObject({ ok: true, expectation: { certain: true, value: 2000 } });
  });
});

describe("a timeline entry's own phase", () => {
  it('holds the requests in flight while that fault was in place, judged against its own expectations', () => {
    // Fast requests throughout; slow ones (800 ms) only in the first fault's window.
    const recs: RequestRecord[] = [];
    for (let t = 0; t < 10_000; t += 50)
      recs.push({ startMs: t, durationMs: t >= 2000 && t < 4000 ? 800 : 10, status: t >= 6000 && t < 7000 ? 503 : 200, tags: { name: 'read' } });
    const windows = [
      { label: 'latency', phase: 'slow-db', applyRequestedMs: 2000, appliedMs: 2001, healRequestedMs: 4000, healedMs: 4001 },
      { label: 'down', phase: 'edge-down', applyRequestedMs: 6000, appliedMs: 6001, healRequestedMs: 7000, healedMs: 7001 },
    ];
    const j = judge({
      records: recs,
      windows,
      loadStartMs: 0,
      loadEndMs: 10_000,
      expect: { fault: [exp('p95 < 100ms')] },
      faultPhases: [
        { name: 'slow-db', expect: [exp('p95 < 1s'), exp('rate(5xx) == 0')] },
        { name: 'edge-down', expect: [exp('rate(503) > 90%')] },
      ],
      steady: [],
      stableForMs: 1000,
    });
    const slow = j.phases.find((p) => p.phase === 'slow-db');
    const down = j.phases.find((p) => p.phase === 'edge-down');
    expect(slow).toMatchObject({ fault: true, fromMs: 2000, toMs: 4001 });
    expect(slow?.all.p50Ms).toBeGreaterThan(700);
    expect(down?.all.p50Ms).toBeLessThan(20);
    // In flight at 2000 ms: the one started at 1950 ms (ended 1960) is not; the 800 ms ones from 2000 on are.
    expect(slow?.all.count).toBe(41);
    const by = Object.fromEntries(j.expectations.map((x) => [`${x.phase} ${x.source}`, x]));
    expect(by['slow-db p95 < 1s']?.passed).toBe(true);
    expect(by['slow-db rate(5xx) == 0']?.passed).toBe(true);
    expect(by['edge-down rate(503) > 90%']?.passed).toBe(true);
    // The union of both still fails its own limit: the per-fault phases tell them apart.
    expect(by['fault p95 < 100ms']?.passed).toBe(false);
  });
});

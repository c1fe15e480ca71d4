import { describe, expect, it } from 'vitest';
import { parseExpectation, type Expectation } from '../measures/index.ts';
import { figuresOf, LatencyHistogram, phaseOf, type RequestRecord, type ServerStateChange } from './figures.ts';
import { ejectionMs, measure, recoveryTime } from '../measures/index.ts';
import { judge, verdict } from '../measures/index.ts';

/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank percentile of a sorted array: the oracle. */
function oracle(sorted: readonly number[], p: number): number {
  // Integer arithmetic: p is given to at most three decimals.
  const rank = Math.max(1, Math.ceil((Math.round(p * 1000) * sorted.length) / 100_000));
  return sorted[rank - 1] ?? NaN;
}

const exp = (text: string): Expectation => {
  const r = parseExpectation(text);
  if (!r.ok) throw new Error(r.message);
  return r.expectation;
};

const rec = (startMs: number, durationMs: number, status: number, name = 'read'): RequestRecord => ({ startMs, durationMs, status, tags: { name } });

describe('percentiles', () => {
  const distributions: [string, (r: () => number) => number][] = [
    ['uniform 1-100 ms', (r) => 1 + r() * 99],
    ['long tail (exponential, mean 20 ms)', (r) => -Math.log(1 - r()) * 20],
    ['bimodal fast/timeouts', (r) => (r() < 0.9 ? 2 + r() * 3 : 3000 + r() * 10)],
    ['sub-millisecond', (r) => 0.05 + r() * 0.9],
  ];
  for (const [name, gen] of distributions) {
    it(`match a sorted-array oracle within 0.1% + 1 µs: ${name}`, () => {
      const r = rng(42);
      const values = Array.from({ length: 20_000 }, () => gen(r));
      const h = new LatencyHistogram();
      for (const v of values) h.record(v);
      const sorted = [...values].sort((a, b) => a - b);
      for (const p of [50, 90, 95, 99, 99.9]) {
        const want = oracle(sorted, p);
        const got = h.percentileMs(p);
        expect(Math.abs(got - want), `p${p}: got ${got}, oracle ${want}`).toBeLessThanOrEqual(want * 0.001 + 0.001);
      }
      expect(h.count).toBe(values.length);
      expect(h.max).toBe(sorted[sorted.length - 1]);
    });
  }
  it('are NaN over no request', () => {
    expect(new LatencyHistogram().percentileMs(95)).toBeNaN();
  });
});

describe('rates and figures', () => {
  const records = [rec(0, 5, 200), rec(1, 5, 200), rec(2, 3000, 503, 'upload'), rec(3, 10, 502, 'upload'), rec(4, 9000, 0, 'upload'), rec(5, 1, 404)];
  it('count each status, with no response as its own class', () => {
    expect(figuresOf(records).statuses).toEqual({ '200': 2, '503': 1, '502': 1, no_response: 1, '404': 1 });
  });
  it('rate(503), rate(5xx), rate(no_response) and rate(failed) are distinct', () => {
    expect(measure(exp('rate(503) < 1%'), records).value).toBeCloseTo(1 / 6);
    expect(measure(exp('rate(5xx) < 1%'), records).value).toBeCloseTo(2 / 6);
    expect(measure(exp('rate(no_response) < 1%'), records).value).toBeCloseTo(1 / 6);
    expect(measure(exp('rate(failed) < 1%'), records).value).toBeCloseTo(3 / 6);
  });
  it('rate(4xx) and rate(non2xx): the 404 is not failed, and is not a 2xx', () => {
    expect(measure(exp('rate(4xx) < 1%'), records).value).toBeCloseTo(1 / 6);
    expect(measure(exp('rate(non2xx) < 1%'), records).value).toBeCloseTo(4 / 6);
    expect(measure(exp('rate(non2xx){name:upload} < 1%'), records).value).toBe(1);
  });
  it('tag filters select the requests', () => {
    expect(measure(exp('rate(5xx){name:upload} < 1%'), records)).toMatchObject({ value: 2 / 3, count: 3 });
    expect(measure(exp('count{name:read} > 1'), records).value).toBe(3);
  });
});

describe('phases', () => {
  // Each apply confirmed 6 ms after it was asked for, each heal 4 ms after.
  const windows = [
    { label: 'a', applyRequestedMs: 1000, appliedMs: 1006, healRequestedMs: 2000, healedMs: 2004 },
    { label: 'b', applyRequestedMs: 3000, appliedMs: 3006, healRequestedMs: 4000, healedMs: 4004 },
  ];
  it('a request is in the baseline only if it ended before the first apply was requested', () => {
    expect(phaseOf(900, 999, windows)).toBe('baseline');
    // The false alarm: started 5 ms before the apply was confirmed, answered after it.
    expect(phaseOf(1001, 4002, windows)).toBe('fault');
    // In flight when the apply was requested, though it started well before.
    expect(phaseOf(500, 1000, windows)).toBe('fault');
    expect(phaseOf(1003, 1003, windows)).toBe('fault');
  });
  it('in flight across a heal stays in the fault; recovery starts at the last heal confirmed', () => {
    expect(phaseOf(1999, 2500, windows)).toBe('fault');
    expect(phaseOf(2003, 2010, windows)).toBe('fault');
    expect(phaseOf(2004, 2010, windows)).toBe('between');
    // Between two faults, but still in flight when the second was requested.
    expect(phaseOf(2500, 3000, windows)).toBe('fault');
    expect(phaseOf(2500, 2999, windows)).toBe('between');
    expect(phaseOf(4003, 4100, windows)).toBe('fault');
    expect(phaseOf(4004, 4100, windows)).toBe('recovery');
    expect(phaseOf(5, 6, [])).toBe('baseline');
  });
  it('an instant fault (a kill): the requests in flight at it are the fault phase', () => {
    const kill = [{ label: 'kill', applyRequestedMs: 10_000, appliedMs: 10_003, healRequestedMs: 10_003, healedMs: 10_003 }];
    expect(phaseOf(9_000, 9_999, kill)).toBe('baseline');
    expect(phaseOf(9_000, 13_000, kill)).toBe('fault');
    expect(phaseOf(10_002, 10_010, kill)).toBe('fault');
    expect(phaseOf(10_003, 10_010, kill)).toBe('recovery');
  });
});

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

describe('ejection', () => {
  // Recorded from a broken lb-failover run: app1 killed at 15 020 ms; checks every 3 s, fall 3.
  const changes: ServerStateChange[] = [
    { atMs: 0, backend: 'app', server: 'app1', status: 'UP' },
    { atMs: 0, backend: 'leader', server: 'app1', status: 'UP' },
    { atMs: 0, backend: 'leader', server: 'app2', status: 'DOWN' },
    { atMs: 15_680, backend: 'app', server: 'app1', status: 'UP 2/3' },
    { atMs: 17_170, backend: 'leader', server: 'app1', status: 'UP 2/3' },
    { atMs: 18_700, backend: 'app', server: 'app1', status: 'UP 1/3' },
    { atMs: 20_180, backend: 'leader', server: 'app1', status: 'UP 1/3' },
    { atMs: 21_710, backend: 'app', server: 'app1', status: 'DOWN' },
    { atMs: 23_190, backend: 'leader', server: 'app1', status: 'DOWN' },
  ];

  it('is the time until the server is down in every backend it is in', () => {
    expect(ejectionMs(changes, 'app1', 15_020)).toBe(23_190 - 15_020);
  });

  it('is 0 for a server already down, and undefined for one never marked down', () => {
    expect(ejectionMs(changes, 'app2', 15_020)).toBe(0);
    expect(ejectionMs(changes.slice(0, 8), 'app1', 15_020)).toBeUndefined();
    expect(ejectionMs([], 'app1', 15_020)).toBeUndefined();
  });

  it('judges ejection{part:...} from the first fault on the part', () => {
    const j = judge({
      records: [],
      windows: [],
      loadStartMs: 0,
      loadEndMs: 30_000,
      expect: { overall: [exp('ejection{part:app1} < 2s'), exp('ejection{part:app2} < 2s')] },
      steady: [],
      stableForMs: 1000,
      serverChanges: changes,
      partFaults: { app1: 15_020 },
    });
    expect(j.expectations[0]).toMatchObject({ measured: 8170, passed: false });
    expect(j.expectations[1]).toMatchObject({ measured: undefined, passed: false, note: 'no fault was applied to app2' });
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

import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../metrics/index.ts';
import { parseExpectation } from './expectation.ts';
import { exp } from './testkit.ts';
import { judge } from './judge.ts';
import { growthOf, rssMaxMeasure, slopePerMinute, type PartSample } from './rss.ts';

/**
 * 60 s of load, a fault from 20 s to 40 s; app's memory read twice a second: 100 MB flat before
 * the fault, growing 30 MB per minute (0.25 MB per reading) in it, flat at its level after; db flat at 400 MB.
 */
function run(expect: Parameters<typeof judge>[0]['expect']) {
  const rss: PartSample[] = [];
  const records: RequestRecord[] = [];
  for (let t = 0; t < 60_000; t += 500) {
    const app = t < 20_000 ? 100 : t < 40_000 ? 100 + (t - 20_000) / 2000 : 110;
    rss.push({ atMs: t, bytes: { app: app * 1e6, db: 400e6 }, cpuSeconds: { app: 0, db: t / 2000 } });
    records.push({ startMs: t, durationMs: 5, status: 200, tags: {} });
  }
  return judge({
    records,
    rss,
    windows: [{ label: 'x', applyRequestedMs: 20_000, appliedMs: 20_000, healRequestedMs: 40_000, healedMs: 40_000 }],
    loadStartMs: 0,
    loadEndMs: 60_000,
    expect,
    steady: [],
    stableForMs: 2000,
  });
}

describe('a part’s memory as a figure: max(rss) and growth(rss)', () => {
  it('reads MB and MB per minute, exactly one {part:NAME}; a k6 metric of that name cannot take its place', () => {
    expect(exp('max(rss){part:app} < 300MB')).toMatchObject({ metric: { kind: 'rss-max' }, tags: { part: 'app' }, value: 300 });
    expect(exp('max(rss){part:app} < 1.5GB').value).toBe(1500);
    expect(exp('growth(rss){part:app} < 5MB/min')).toMatchObject({ metric: { kind: 'rss-growth' }, value: 5 });
    expect(exp('max(queue) < 5').metric.kind).toBe('k6-max');
    for (const [text, why] of [
      ['max(rss) < 300MB', /exactly one \{part:NAME\}/],
      ['max(rss){part:app,name:x} < 300MB', /exactly one \{part:NAME\}/],
      ['max(rss){part:app} < 300 bytes', /cannot read expectation|not a memory size/],
      ['max(rss){part:app} < lots', /not a memory size/],
    ] as const) {
      const r = parseExpectation(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.message).toMatch(why);
    }
    expect(
      rssMaxMeasure.problem?.(exp('max(rss){part:ap} < 1GB') as never, { kindOf: (p: string) => (p === 'app' ? 'service' : undefined) } as never)?.message,
    ).toBe("'max(rss){part:ap} < 1GB' names 'ap', which is not a part of the stack");
  });

  it('judges the most held and the growth per phase from the readings taken in it', () => {
    const j = run({
      baseline: [exp('max(rss){part:app} <= 100MB'), exp('growth(rss){part:app} < 1MB/min')],
      fault: [exp('growth(rss){part:app} < 5MB/min'), exp('max(rss){part:db} < 500MB')],
      recovery: [exp('growth(rss){part:app} < 1MB/min')],
    });
    const by = (phase: string, source: string) => j.expectations.find((x) => x.phase === phase && x.source === source);
    expect(by('baseline', 'max(rss){part:app} <= 100MB')).toMatchObject({ passed: true, measured: 100, requests: 40 });
    expect(by('baseline', 'growth(rss){part:app} < 1MB/min')?.measured).toBeCloseTo(0, 9);
    // A leak of 30 MB per minute, as a figure.
    expect(by('fault', 'growth(rss){part:app} < 5MB/min')).toMatchObject({ passed: false });
    expect(by('fault', 'growth(rss){part:app} < 5MB/min')?.measured).toBeCloseTo(30, 6);
    expect(by('fault', 'max(rss){part:db} < 500MB')).toMatchObject({ passed: true, measured: 400 });
    expect(by('recovery', 'growth(rss){part:app} < 1MB/min')).toMatchObject({ passed: true });
    // The report's table: every part in every phase with readings.
    expect(j.parts?.find((m) => m.phase === 'fault' && m.part === 'app')?.growthMbPerMin).toBeCloseTo(30, 6);
    expect(j.parts?.find((m) => m.phase === 'overall' && m.part === 'db')).toMatchObject({ maxMb: 400 });
    // CPU: db used half a core throughout (its cumulative seconds), app none.
    expect(j.parts?.find((m) => m.phase === 'baseline' && m.part === 'db')?.cores).toBeCloseTo(0.5, 6);
    expect(j.parts?.find((m) => m.phase === 'baseline' && m.part === 'app')?.cores).toBe(0);
  });

  it('no reading in a phase fails with why', () => {
    const j = judge({
      records: [{ startMs: 0, durationMs: 1, status: 200, tags: {} }],
      rss: [],
      windows: [],
      loadStartMs: 0,
      loadEndMs: 1000,
      expect: { baseline: [exp('max(rss){part:app} < 1GB'), exp('growth(rss){part:app} < 1MB/min')] },
      steady: [],
      stableForMs: 2000,
    });
    expect(j.expectations.map((x) => [x.passed, x.note])).toEqual([
      [false, "no reading of app's memory in this phase"],
      [false, "too few readings of app's memory in this phase for a growth (0)"],
    ]);
  });

  it('the slope is least squares, in MB per minute', () => {
    expect(
      slopePerMinute([
        { t: 0, mb: 10 },
        { t: 60_000, mb: 20 },
      ]),
    ).toBeCloseTo(10, 9);
    expect(
      slopePerMinute([
        { t: 0, mb: 10 },
        { t: 30_000, mb: 30 },
        { t: 60_000, mb: 20 },
      ]),
    ).toBeCloseTo(10, 9);
  });

  it('growth is per life of the part: a leak killed mid-phase reads as the leak, not as the fall (a container’s holder left at a few MB)', () => {
    // 100 → 300 MB over 20 s (600 MB/min), killed; the holder at 2 MB for the next 20 s.
    const points = [
      ...Array.from({ length: 41 }, (_, i) => ({ t: i * 500, mb: 100 + i * 5 })),
      ...Array.from({ length: 40 }, (_, i) => ({ t: 20_500 + i * 500, mb: 2 })),
    ];
    expect(slopePerMinute(points)).toBeLessThan(0);
    expect(growthOf(points)).toBeCloseTo(600, 6);
    // A process restarted by its supervisor: each life's growth, the fastest of them.
    const sawtooth = [0, 1, 2].flatMap((life) => Array.from({ length: 10 }, (_, i) => ({ t: life * 5000 + i * 500, mb: life === 1 ? 60 + i : 60 + i * 10 })));
    expect(growthOf(sawtooth)).toBeCloseTo(1200, 6);
    // Flat with the churn of a garbage collector: no life is cut, the growth is the phase's.
    const churn = Array.from({ length: 20 }, (_, i) => ({ t: i * 500, mb: i % 3 === 0 ? 150 : 120 }));
    expect(growthOf(churn)).toBeCloseTo(slopePerMinute(churn), 9);
    // Too short a life is no growth.
    expect(
      growthOf([
        { t: 0, mb: 10 },
        { t: 400, mb: 11 },
      ]),
    ).toBeUndefined();
  });
});

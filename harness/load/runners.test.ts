import { describe, expect, it } from 'vitest';
import { K6Samples, RequestTable } from '../metrics/index.ts';
import { arrivalStages, k6Config, segmentArgs } from './k6.ts';
import { mergeResults, saturation, saturationFix, type LoadResults } from './results.ts';

describe('k6 runners', () => {
  it('segment flags: runner i of n takes i/n:(i+1)/n of the sequence 0,1/n,...,1', () => {
    expect(segmentArgs(0, 3)).toEqual(['--execution-segment', '0:1/3', '--execution-segment-sequence', '0,1/3,2/3,1']);
    expect(segmentArgs(2, 3)).toEqual(['--execution-segment', '2/3:1', '--execution-segment-sequence', '0,1/3,2/3,1']);
    expect(segmentArgs(1, 2)).toEqual(['--execution-segment', '1/2:1', '--execution-segment-sequence', '0,1/2,1']);
  });

  it('one runner over the limit makes the run untrusted, even when the overall share is under it', () => {
    // 2% dropped by one runner of three: 0.67% overall.
    const s = saturation(
      [
        { iterations: 1000, droppedIterations: 0 },
        { iterations: 980, droppedIterations: 20 },
        { iterations: 1000, droppedIterations: 0 },
      ],
      0.01,
    );
    expect(s.droppedShare).toBeCloseTo(20 / 3000, 6);
    expect(s).toMatchObject({ saturated: true, saturatedRunners: [1] });
    expect(
      saturation(
        [
          { iterations: 1000, droppedIterations: 5 },
          { iterations: 1000, droppedIterations: 5 },
        ],
        0.01,
      ),
    ).toMatchObject({ saturated: false, saturatedRunners: [] });
  });

  it('merges the runners’ samples in start order, summing counts', () => {
    const part = (starts: number[], it: number): LoadResults => ({
      requests: RequestTable.from(starts.map((s) => ({ startMs: s, durationMs: 1, status: 200, tags: {} }))),
      acks: [{ id: starts[0] ?? 0, atMs: 0 }],
      attempts: [{ key: starts[0] ?? 0, status: 201, atMs: 0 }],
      samples: new K6Samples(),
      writeStarts: [{ key: starts[0] ?? 0, atMs: 0 }],
      iterations: it,
      droppedIterations: 1,
      peakVUs: 3,
      peakVUsMax: 4,
      badLines: 0,
      lines: 10,
    });
    const m = mergeResults([part([3, 1], 2), part([2], 1)]);
    expect([...m.requests].map((r) => r.startMs)).toEqual([1, 2, 3]);
    expect(m).toMatchObject({ iterations: 3, droppedIterations: 2, lines: 20, peakVUs: 6, peakVUsMax: 8 });
    expect(m.acks.length).toBe(2);
  });

  it('arrivals become ramping-arrival-rate steps: jump (0 s), hold (n s); equal seconds share a hold', () => {
    expect(arrivalStages([5, 5, 0, 12])).toEqual([
      { duration: '0s', target: 5 },
      { duration: '2s', target: 5 },
      { duration: '0s', target: 0 },
      { duration: '1s', target: 0 },
      { duration: '0s', target: 12 },
      { duration: '1s', target: 12 },
    ]);
    const cfg = k6Config({
      rate: 12,
      durationMs: 4000,
      requestTimeoutMs: 2000,
      preAllocatedVUs: 0,
      maxVUs: 0,
      arrivals: [{ exec: 'get_a', perSecond: [5, 5, 0, 12], preAllocatedVUs: 24, maxVUs: 36 }],
    });
    expect(cfg['scenarios']).toEqual({
      get_a: {
        executor: 'ramping-arrival-rate',
        exec: 'get_a',
        startRate: 0,
        timeUnit: '1s',
        stages: arrivalStages([5, 5, 0, 12]),
        preAllocatedVUs: 24,
        maxVUs: 36,
        gracefulStop: '3000ms',
      },
    });
  });

  it('a load shed steps the constant rate down and back: hold, jump, hold, jump, hold to the end', () => {
    const cfg = k6Config({
      rate: 40,
      durationMs: 30_000,
      requestTimeoutMs: 2000,
      preAllocatedVUs: 10,
      maxVUs: 20,
      shed: { fromMs: 12_500, toMs: 20_000, rate: 10 },
    });
    expect(cfg['scenarios']).toEqual({
      load: {
        executor: 'ramping-arrival-rate',
        startRate: 40,
        timeUnit: '1s',
        stages: [
          { duration: '12500ms', target: 40 },
          { duration: '0s', target: 10 },
          { duration: '7500ms', target: 10 },
          { duration: '0s', target: 40 },
          { duration: '10000ms', target: 40 },
        ],
        preAllocatedVUs: 10,
        maxVUs: 20,
        gracefulStop: '3000ms',
      },
    });
  });
});

describe('saturationFix: the option that would have kept k6 from dropping arrivals, from what it measured', () => {
  const asked = { rate: 20, preAllocatedVUs: 40, maxVUs: 220 };
  it('every VU busy: maxVUs', () => {
    expect(saturationFix(asked, { peakVUs: 220, peakVUsMax: 220 }, 1)).toMatch(
      /^every one of the 220 VUs \(load\.maxVUs\) was busy at once: raise load\.maxVUs/,
    );
  });
  it('VUs started mid-run: preAllocatedVUs, with the number k6 reached', () => {
    expect(saturationFix(asked, { peakVUs: 61, peakVUsMax: 64 }, 1)).toBe(
      'k6 had to start VUs mid-run, up to 64 where 40 were allocated before the start (load.preAllocatedVUs), and dropped arrivals meanwhile: set load.preAllocatedVUs to 64 or more',
    );
  });
  it('neither: k6 itself could not keep up', () => {
    expect(saturationFix(asked, { peakVUs: 12, peakVUsMax: 40 }, 1)).toMatch(/^at most 12 of 220 VUs were busy, so k6 itself could not keep up/);
  });
});

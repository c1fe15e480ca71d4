import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartData } from './html.ts';
import { renderSummary, type RunResult } from './index.ts';

const recorded = JSON.parse(readFileSync(path.join(import.meta.dirname, 'testdata', 'lb-failover-broken.result.json'), 'utf8')) as RunResult;

describe('chartData: a replay draws its source log over the run', () => {
  it('sums the log into the run’s buckets: requests/s and failure shares by series', () => {
    const n = recorded.series?.points.length ?? 0;
    const requests = Array.from({ length: n }, (_, s) => (s === 2 ? 0 : 20));
    const statuses = {
      '503': requests.map((_, s) => (s === 3 ? 5 : 0)),
      '0': requests.map((_, s) => (s === 4 ? 2 : 0)),
      '500': requests.map((_, s) => (s === 4 ? 1 : 0)),
    };
    const d = chartData({
      ...recorded,
      replayOf: { log: 'incident.log', format: 'haproxy', from: '2026-11-24T07:00:00Z', to: '2026-11-24T07:00:20Z', speed: 1, requests, statuses },
    });
    expect(d.log?.label).toBe('log incident.log');
    expect(d.log?.rate.slice(0, 5)).toEqual([20, 20, 0, 20, 20]);
    expect(d.log?.statusPct['503'].slice(0, 5)).toEqual([0, 0, null, 25, 0]);
    expect(d.log?.statusPct['no response'][4]).toBe(10);
    expect(d.log?.statusPct['other 5xx'][4]).toBe(5);
    // A run without a source log draws none.
    expect(chartData(recorded).log).toBeUndefined();
  });
});

describe('a recorded search-backlog broken run (a load shed after the heal)', () => {
  const shedRun = JSON.parse(readFileSync(path.join(import.meta.dirname, 'testdata', 'search-backlog-broken.result.json'), 'utf8')) as RunResult;
  it('draws the shed’s start and end as lines, where the load stepped', () => {
    const d = chartData(shedRun);
    expect(d.instants).toEqual([
      { label: 'load shed to 10%', atS: 19 },
      { label: 'load back to 100%', atS: 33 },
    ]);
    // The recorded requests per second: 9/s early in the shed (3 searches, each tried three times),
    // 3/s once recovered, 25/s after it.
    const rateAt = (s: number) => d.rate[d.t.findIndex((t) => t > s)];
    expect(rateAt(23)).toBe(9);
    expect(rateAt(31)).toBe(3);
    expect(rateAt(38)).toBe(25);
  });
  it('the summary says how it recovered', () => {
    expect(renderSummary(shedRun)).toMatch(
      /^Load shed: recovered only after the load was shed to 10% 6\.00s after the heal: 1\d\.\ds after the heal, \d\.\d\ds into the shed\.$/m,
    );
  });
});

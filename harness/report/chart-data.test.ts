import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartData } from './html.ts';
import type { RunResult } from './index.ts';

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

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeResults, readResultsFile, ResultReader } from './results.ts';

// Recorded from k6 v2.2.0: 4 iterations of (200, 404, connection refused) against a local server.
const SAMPLE = path.join(import.meta.dirname, 'testdata/k6-sample.jsonl');
// Recorded from k6 v2.2.0: 4 iterations of a script with checks (one in a group) and a custom
// Trend of times, a Trend of counts, a Counter, a Gauge and a Rate (testdata/k6-checks.js).
const CHECKS = path.join(import.meta.dirname, 'testdata/k6-checks.jsonl');

describe('k6 JSON result reader', () => {
  it('builds one record per request from recorded k6 output', async () => {
    const r = await readResultsFile(SAMPLE);
    expect(r.requests).toHaveLength(12);
    expect(r.iterations).toBe(4);
    expect(r.droppedIterations).toBe(0);
    expect(r.badLines).toBe(0);
    const byName = (n: string) => [...r.requests].filter((x) => x.tags['name'] === n);
    expect(byName('ok').map((x) => x.status)).toEqual([200, 200, 200, 200]);
    expect(byName('notfound').map((x) => x.status)).toEqual([404, 404, 404, 404]);
    expect(byName('refused').map((x) => x.status)).toEqual([0, 0, 0, 0]);
    // Requests of one VU run one after another: each starts before it ends, in order.
    const starts = [...r.requests].map((x) => x.startMs);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    for (const x of r.requests) expect(x.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('start = end − blocked − duration, keeping sub-millisecond precision', () => {
    const reader = new ResultReader();
    const tags = { name: 'x', url: 'x', method: 'GET', status: '503' };
    const time = '2026-11-23T01:15:21.500250000Z';
    reader.line(JSON.stringify({ metric: 'http_req_duration', type: 'Point', data: { time, value: 100.5, tags } }));
    reader.line(JSON.stringify({ metric: 'http_req_blocked', type: 'Point', data: { time, value: 0.25, tags } }));
    const [rec] = reader.results.requests;
    expect(rec?.status).toBe(503);
    expect(rec?.startMs).toBeCloseTo(Date.parse('2026-11-23T01:15:21.500Z') + 0.25 - 0.25 - 100.5, 6);
  });

  it('records share one frozen tag object per distinct tag set, without the url (the name tag carries it)', async () => {
    const r = await readResultsFile(SAMPLE);
    const sets = new Set([...r.requests].map((x) => x.tags));
    // 12 requests, 3 distinct (name, method, status, ...) sets.
    expect(r.requests.length).toBe(12);
    expect(sets.size).toBe(3);
    for (const t of sets) {
      expect(t['url']).toBeUndefined();
      expect(t['name']).toBeDefined();
      expect(Object.isFrozen(t)).toBe(true);
    }
  });

  it('counts dropped iterations and survives a torn last line', () => {
    const reader = new ResultReader();
    reader.line('{"metric":"dropped_iterations","type":"Point","data":{"time":"2026-11-23T01:15:21Z","value":3,"tags":{}}}');
    reader.line('{"metric":"iterations","type":"Point","data":{"time":"2026-11-23T01:15:21Z","value":1,"tags":{}}}');
    reader.line('{"metric":"http_req_dur');
    expect(reader.results).toMatchObject({ droppedIterations: 3, iterations: 1, badLines: 1 });
  });

  it("keeps the load script's own metrics as samples: checks by name, each custom metric with its type; k6's others skipped", async () => {
    const r = await readResultsFile(CHECKS);
    expect(r.requests).toHaveLength(4);
    expect(r.samples.names().sort()).toEqual(['checks', 'items', 'ok_body', 'orders', 'queue', 'search_ms']);
    const values = (name: string) => {
      const m = r.samples.get(name);
      return m ? Array.from(m.v.subarray(0, m.length)) : [];
    };
    expect(r.samples.get('search_ms')).toMatchObject({ type: 'trend', isTime: true, length: 4 });
    expect(values('search_ms')).toEqual([10, 11, 12, 13]);
    expect(r.samples.get('items')).toMatchObject({ type: 'trend', isTime: false });
    expect(values('items')).toEqual([0, 3, 6, 9]);
    expect(r.samples.get('orders')?.type).toBe('counter');
    expect(values('orders')).toEqual([2, 2, 2, 2]);
    expect(r.samples.get('queue')?.type).toBe('gauge');
    expect(values('queue')).toEqual([5, 4, 3, 2]);
    expect(r.samples.get('ok_body')?.type).toBe('rate');
    expect(values('ok_body')).toEqual([1, 1, 1, 0]);
    // Each check's samples carry its name (and the group's, k6's '::name').
    expect(r.samples.get('checks')).toMatchObject({ type: 'rate', length: 12 });
    expect(r.samples.tagValues('checks', 'check')).toEqual(['has items', 'in a group', 'status 200']);
    const m = r.samples.get('checks');
    if (!m) throw new Error('no checks');
    const of = (check: string) => r.samples.select(m, () => true, { check }).map((i) => m.v[i]);
    expect(of('status 200')).toEqual([1, 1, 1, 1]);
    expect(of('has items')).toEqual([1, 0, 1, 0]);
    expect(r.samples.select(m, () => true, { group: '::checkout' })).toHaveLength(4);
    // A sample's time is k6's, to the microsecond, within the load.
    const first = r.requests.startMs(0);
    expect(m.t[0]).toBeGreaterThan(first);
    expect(m.t[0]).toBeLessThan(first + 1000);
  });

  it('merges the runners’ samples', async () => {
    const a = await readResultsFile(CHECKS);
    const b = await readResultsFile(CHECKS);
    const merged = mergeResults([a, b]);
    expect(merged.samples.get('checks')?.length).toBe(24);
    expect(merged.samples.get('search_ms')).toMatchObject({ type: 'trend', isTime: true, length: 8 });
  });
});

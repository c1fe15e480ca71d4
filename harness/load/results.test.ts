import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultsFile, ResultReader } from './results.ts';

// Recorded from k6 v2.2.0: 4 iterations of (200, 404, connection refused) against a local server.
const SAMPLE = path.join(import.meta.dirname, 'testdata/k6-sample.jsonl');

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
});

import { describe, expect, it } from 'vitest';
import { RequestTable } from './table.ts';

describe('RequestTable', () => {
  it('keeps every request through its growth, one tag set per distinct tags, in order', () => {
    const t = new RequestTable();
    const read = Object.freeze({ name: 'read' });
    for (let i = 0; i < 5000; i++) t.add(1000 + i * 0.5, i % 7, i % 3 === 0 ? 503 : 200, i % 2 ? read : { name: 'upload' });
    expect(t.length).toBe(5000);
    expect(t.record(4999)).toEqual({ startMs: 1000 + 4999 * 0.5, durationMs: 4999 % 7, status: 200, tags: { name: 'read' } });
    expect(t.tags(1)).toBe(read);
    // Equal tags built anew share the first object seen.
    expect(t.tags(0)).toBe(t.tags(2));
    expect([...t].filter((r) => r.status === 503)).toHaveLength(1667);
  });
  it('merges runners’ tables by start time; from() takes records or a table as is', () => {
    const a = RequestTable.from([3, 1].map((s) => ({ startMs: s, durationMs: 1, status: 200, tags: {} })));
    const b = RequestTable.from([{ startMs: 2, durationMs: 9, status: 0, tags: { name: 'x' } }]);
    const m = RequestTable.merge([a, b]);
    expect([...m].map((r) => [r.startMs, r.status, r.tags])).toEqual([
      [1, 200, {}],
      [2, 0, { name: 'x' }],
      [3, 200, {}],
    ]);
    expect(RequestTable.from(m)).toBe(m);
    m.clear();
    expect(m.length).toBe(0);
  });
});

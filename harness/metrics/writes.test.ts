import { describe, expect, it } from 'vitest';
import { judge } from '../measures/index.ts';
import { parseExpectation, type Expectation } from '../measures/index.ts';
import { RequestTable } from './table.ts';
import { badExamples, classifyAttempts, countClasses, writeClass } from './writes.ts';

const ex = (text: string): Expectation => {
  const r = parseExpectation(text);
  if (!r.ok) throw new Error(r.message);
  return r.expectation;
};

describe('write outcomes', () => {
  it('classes a write by what the client heard against the rows carrying its key', () => {
    expect(writeClass(true, 1)).toBe('ok');
    expect(writeClass(true, 0)).toBe('lost');
    expect(writeClass(false, 1)).toBe('committed_after_failure');
    expect(writeClass(false, 0)).toBe('failed');
    expect(writeClass(true, 2)).toBe('duplicated');
    expect(writeClass(false, 3)).toBe('duplicated');
  });

  it('folds retries of one key into one write: acknowledged if any response was a 2xx, timed by the last', () => {
    const samples = [
      { key: 7, status: 503, atMs: 1000 },
      { key: 7, status: 201, atMs: 2500 },
      { key: 8, status: 0, atMs: 1200 },
      { key: 9, status: 503, atMs: 1300 },
      { key: 10, status: 201, atMs: 1400 },
      { key: 11, status: 201, atMs: 900 },
    ];
    const rows = new Map([
      [7, 2],
      [8, 1],
      [10, 1],
    ]);
    // Key 7 was made at 400 (before its first try), 8 at 700; the others' making was not recorded.
    const starts = [
      { key: 7, atMs: 400 },
      { key: 8, atMs: 700 },
    ];
    const a = classifyAttempts(samples, starts, rows);
    expect(a.map((w) => [w.key, w.class, w.startMs, w.atMs, w.status])).toEqual([
      [11, 'lost', 900, 900, 201],
      [8, 'committed_after_failure', 700, 1200, 0],
      [9, 'failed', 1300, 1300, 503],
      [10, 'ok', 1400, 1400, 201],
      [7, 'duplicated', 400, 2500, 201],
    ]);
    expect(countClasses(a)).toEqual({ ok: 1, lost: 1, committed_after_failure: 1, failed: 1, duplicated: 1 });
    expect(badExamples(a)).toEqual({ lost: [11], committed_after_failure: [8], duplicated: [7] });
  });

  it('judges the write figures per phase, each write by its span from its key’s making to its last response', () => {
    const window = { label: 'latency', phase: 'slow', applyRequestedMs: 10_000, appliedMs: 10_010, healRequestedMs: 19_990, healedMs: 20_000 };
    // Key 5: sent under the fault, its 503 came after the heal: the fault's, as a request would be.
    const attempts = classifyAttempts(
      [
        { key: 1, status: 201, atMs: 5_000 },
        { key: 2, status: 503, atMs: 13_000 },
        { key: 3, status: 503, atMs: 14_000 },
        { key: 4, status: 201, atMs: 25_000 },
        { key: 5, status: 503, atMs: 21_000 },
      ],
      [
        { key: 1, atMs: 4_990 },
        { key: 2, atMs: 10_000 },
        { key: 3, atMs: 11_000 },
        { key: 4, atMs: 24_900 },
        { key: 5, atMs: 18_000 },
      ],
      new Map([
        [5, 1],
        [1, 1],
        [2, 1],
        [4, 2],
      ]),
    );
    const j = judge({
      records: new RequestTable(),
      windows: [window],
      loadStartMs: 0,
      loadEndMs: 30_000,
      expect: { baseline: [ex('committed_after_failure == 0')], overall: [ex('duplicate_writes == 0'), ex('lost_writes == 0')] },
      faultPhases: [{ name: 'slow', expect: [ex('committed_after_failure == 0')] }],
      writes: { acks: [], lost: new Set(), attempts },
      steady: [],
      stableForMs: 1000,
    });
    const by = (phase: string, source: string) => j.expectations.find((x) => x.phase === phase && x.source === source);
    expect(by('baseline', 'committed_after_failure == 0')).toMatchObject({ measured: 0, requests: 1, passed: true });
    expect(by('slow', 'committed_after_failure == 0')).toMatchObject({ measured: 2, requests: 3, passed: false });
    expect(by('overall', 'duplicate_writes == 0')).toMatchObject({ measured: 1, requests: 5, passed: false });
    expect(by('overall', 'lost_writes == 0')).toMatchObject({ measured: 0, requests: 2, passed: true });
    expect(j.writes?.attempts?.byPhase['slow']).toEqual({ ok: 0, lost: 0, committed_after_failure: 2, failed: 1, duplicated: 0 });
    expect(j.writes?.attempts?.byPhase['fault']).toEqual(j.writes?.attempts?.byPhase['slow']);
    expect(j.writes?.attempts?.byPhase['recovery']).toEqual({ ok: 0, lost: 0, committed_after_failure: 0, failed: 0, duplicated: 1 });
  });

  it('a keyed figure without keyed writes fails with a note, never passes on no evidence', () => {
    const j = judge({
      records: new RequestTable(),
      windows: [],
      loadStartMs: 0,
      loadEndMs: 1000,
      expect: { overall: [ex('committed_after_failure == 0')] },
      writes: { acks: [], lost: new Set() },
      steady: [],
      stableForMs: 1000,
    });
    expect(j.expectations[0]).toMatchObject({ passed: false, note: 'the write check has no attemptKey: no write carries a key' });
  });
});

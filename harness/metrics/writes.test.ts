import { describe, expect, it } from 'vitest';
import { badExamples, classifyAttempts, countClasses, writeClass } from './writes.ts';

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
});

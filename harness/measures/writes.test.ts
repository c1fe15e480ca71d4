import { describe, expect, it } from 'vitest';
import { classifyAttempts, RequestTable } from '../metrics/index.ts';
import { judge } from './judge.ts';
import { exp as ex } from './testkit.ts';

describe('write outcomes as figures', () => {
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

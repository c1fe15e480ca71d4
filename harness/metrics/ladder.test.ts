import { describe, expect, it } from 'vitest';
import { timeoutLadder, whoGaveUp, type LadderPart } from './ladder.ts';
import { RequestTable } from './table.ts';

const stack = (lockWaitMs: number, appDbMs: number | undefined): LadderPart[] => [
  { kind: 'mariadb', name: 'db', lockWaitMs },
  { kind: 'service', name: 'imager', dependsOn: [], timeoutsMs: {} },
  { kind: 'service', name: 'app', dependsOn: ['db', 'imager'], timeoutsMs: appDbMs === undefined ? {} : { db: appDbMs } },
  { kind: 'gateway', name: 'edge', to: ['app'], timeoutMs: 3000, timeoutStatus: 503 },
];

describe('the timeout ladder', () => {
  it('lists every wait from the client inward and warns where an inner one outlasts the tightest outer one', () => {
    const l = timeoutLadder(10_000, 'edge', stack(50_000, undefined));
    expect(l.rungs.map((r) => [r.depth, r.layer, r.wait, r.ms])).toEqual([
      [0, 'k6', 'request timeout', 10_000],
      [1, 'edge', 'server timeout → 503', 3000],
      [2, 'app', 'wait on db', undefined],
      [3, 'db', 'innodb_lock_wait_timeout', 50_000],
      [2, 'app', 'wait on imager', undefined],
    ]);
    expect(l.warnings).toEqual([
      "db's innodb_lock_wait_timeout (50.0s) is longer than edge's server timeout → 503 (3.00s) on k6 → edge → app → db: edge gives up while the work behind it goes on",
    ]);
  });

  it('stays silent on a sound ladder: the service gives up on the database before the gateway gives up on it', () => {
    expect(timeoutLadder(10_000, 'edge', stack(1000, 1000)).warnings).toEqual([]);
  });

  it('a service limit longer than the gateway’s is an inversion too; a gateway longer than the client’s', () => {
    const parts = stack(1000, 5000).map((p) => (p.kind === 'gateway' ? { ...p, timeoutMs: 12_000 } : p));
    const w = timeoutLadder(10_000, 'edge', parts).warnings;
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^edge's server timeout → 503 \(12\.0s\) is longer than k6's request timeout \(10\.0s\)/);
    const w2 = timeoutLadder(10_000, 'edge', stack(1000, 5000)).warnings;
    expect(w2).toEqual([
      "app's wait on db (5.00s) is longer than edge's server timeout → 503 (3.00s) on k6 → edge → app → db: edge gives up while the work behind it goes on",
    ]);
  });
});

describe('who gave up first', () => {
  it('matches each failed class’s median duration to a wait: the gateway’s, the client’s, or none (the stack answered)', () => {
    const ladder = timeoutLadder(10_000, 'edge', stack(50_000, undefined));
    const rec = (durationMs: number, status: number, name: string) => ({ startMs: 0, durationMs, status, tags: { name } });
    const t = RequestTable.from([
      ...[3002, 3004, 3001, 3010].map((d) => rec(d, 503, 'upload')),
      ...[10_003, 10_001].map((d) => rec(d, 0, 'upload')),
      ...[12, 15, 9].map((d) => rec(d, 500, 'read')),
      rec(20, 200, 'read'),
    ]);
    expect(whoGaveUp(t, t.all(), ladder)).toEqual([
      { name: 'upload', status: 503, count: 4, medianMs: 3002, who: 'edge: server timeout → 503 (3.00s)' },
      { name: 'read', status: 500, count: 3, medianMs: 12, who: 'answered by the stack before any configured wait ran out' },
      { name: 'upload', status: 0, count: 2, medianMs: 10_001, who: 'k6: request timeout (10.0s)' },
    ]);
  });
});

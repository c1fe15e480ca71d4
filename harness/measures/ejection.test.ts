import { describe, expect, it } from 'vitest';
import type { ServerStateChange } from '../metrics/index.ts';
import { ejectionMs } from './ejection.ts';
import { judge } from './judge.ts';
import { exp } from './testkit.ts';

describe('ejection', () => {
  // Recorded from a broken lb-failover run: app1 killed at 15 020 ms; checks every 3 s, fall 3.
  const changes: ServerStateChange[] = [
    { atMs: 0, backend: 'app', server: 'app1', status: 'UP' },
    { atMs: 0, backend: 'leader', server: 'app1', status: 'UP' },
    { atMs: 0, backend: 'leader', server: 'app2', status: 'DOWN' },
    { atMs: 15_680, backend: 'app', server: 'app1', status: 'UP 2/3' },
    { atMs: 17_170, backend: 'leader', server: 'app1', status: 'UP 2/3' },
    { atMs: 18_700, backend: 'app', server: 'app1', status: 'UP 1/3' },
    { atMs: 20_180, backend: 'leader', server: 'app1', status: 'UP 1/3' },
    { atMs: 21_710, backend: 'app', server: 'app1', status: 'DOWN' },
    { atMs: 23_190, backend: 'leader', server: 'app1', status: 'DOWN' },
  ];

  it('is the time until the server is down in every backend it is in', () => {
    expect(ejectionMs(changes, 'app1', 15_020)).toBe(23_190 - 15_020);
  });

  it('is 0 for a server already down, and undefined for one never marked down', () => {
    expect(ejectionMs(changes, 'app2', 15_020)).toBe(0);
    expect(ejectionMs(changes.slice(0, 8), 'app1', 15_020)).toBeUndefined();
    expect(ejectionMs([], 'app1', 15_020)).toBeUndefined();
  });

  it('judges ejection{part:...} from the first fault on the part', () => {
    const j = judge({
      records: [],
      windows: [],
      loadStartMs: 0,
      loadEndMs: 30_000,
      expect: { overall: [exp('ejection{part:app1} < 2s'), exp('ejection{part:app2} < 2s')] },
      steady: [],
      stableForMs: 1000,
      serverChanges: changes,
      partFaults: { app1: 15_020 },
    });
    expect(j.expectations[0]).toMatchObject({ measured: 8170, passed: false });
    expect(j.expectations[1]).toMatchObject({ measured: undefined, passed: false, note: 'no fault was applied to app2' });
  });
});

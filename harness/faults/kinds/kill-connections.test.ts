import { describe, expect, it } from 'vitest';
import { killConnectionsKind } from './kill-connections.ts';
import { resolved, resolveWith } from './testkit.ts';

// Its apply (KILL CONNECTION of the service account's sessions) is run on MariaDB in tests/integration/data-faults.test.ts.
describe('killConnections', () => {
  it('once (instant) without `every`; every N until heal with it', () => {
    const once = resolved(killConnectionsKind, { type: 'killConnections', db: 'db' }, 0);
    expect(once.fault.everyMs).toBeUndefined();
    expect(killConnectionsKind.instantWith?.({ type: 'killConnections', db: 'db' })).toBe(true);
    expect(once.label).toBe('killConnections of db');
    const every = resolved(killConnectionsKind, { type: 'killConnections', db: 'db', every: '500ms' });
    expect(every.fault.everyMs).toBe(500);
    expect(killConnectionsKind.instantWith?.({ type: 'killConnections', db: 'db', every: '500ms' })).toBe(false);
    expect(every.label).toBe('killConnections of db every 500ms');
  });
  it('refuses an `every` that is no duration', () => {
    expect(resolveWith(killConnectionsKind, { type: 'killConnections', db: 'db', every: 'often' }).problems).toEqual([
      "timeline[0].fault.every: 'often' is not a duration",
    ]);
  });
});

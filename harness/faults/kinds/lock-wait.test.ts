import { describe, expect, it } from 'vitest';
import { lockWaitKind } from './lock-wait.ts';
import { recordingStack, resolved, resolveWith } from './testkit.ts';

// Its apply (a transaction of its own holding the rows FOR UPDATE) is run on MariaDB in tests/integration/data-faults.test.ts.
describe('lockWait', () => {
  it('one SELECT, FOR UPDATE added by the fault (a written one is dropped), on a mariadb part', () => {
    const { fault, label } = resolved(lockWaitKind, { type: 'lockWait', db: 'db', rows: ' SELECT * FROM albums WHERE id = 1 for update ' });
    expect(fault).toEqual({ type: 'lockWait', db: 'db', rows: 'SELECT * FROM albums WHERE id = 1' });
    expect(label).toBe('lockWait on db: SELECT * FROM albums WHERE id = 1');
  });
  it('refuses anything but one SELECT, and a part that is not a database', () => {
    for (const rows of ['DELETE FROM albums', 'SELECT 1; DROP TABLE albums'])
      expect(resolveWith(lockWaitKind, { type: 'lockWait', db: 'db', rows }).problems).toEqual(['timeline[0].fault.rows: rows must be one SELECT statement']);
    expect(resolveWith(lockWaitKind, { type: 'lockWait', db: 'cache', rows: 'SELECT 1' }).problems).toEqual([
      "timeline[0].fault.db: 'cache' is not a mariadb part of the stack",
    ]);
  });
  it('applied to a stack without that database: an error naming the fault', async () => {
    const { fault } = resolved(lockWaitKind, { type: 'lockWait', db: 'db', rows: 'SELECT 1' });
    await expect(lockWaitKind.apply(fault, recordingStack().stack, 'f0', 'album-lock')).rejects.toThrow(/album-lock/);
  });
});

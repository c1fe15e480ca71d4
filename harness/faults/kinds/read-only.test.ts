import { describe, expect, it } from 'vitest';
import { readOnlyKind } from './read-only.ts';
import { recordingStack, resolved, resolveWith } from './testkit.ts';

// Its apply (SET GLOBAL read_only, or FLUSH TABLES WITH READ LOCK held until heal) is run on MariaDB in tests/integration/data-faults.test.ts.
describe('readOnly', () => {
  it('read_only by default, a global read lock on request', () => {
    expect(resolved(readOnlyKind, { type: 'readOnly', db: 'db' }).label).toBe('readOnly on db (read_only)');
    expect(resolved(readOnlyKind, { type: 'readOnly', db: 'db', how: 'lock' }).label).toBe('readOnly on db (global read lock)');
  });
  it('refuses a way it does not know; applied to a stack without that database, an error naming the fault', async () => {
    expect(resolveWith(readOnlyKind, { type: 'readOnly', db: 'db', how: 'offline' as never }).problems[0]).toMatch(/^timeline\[0\]\.fault\.how: /);
    const { fault } = resolved(readOnlyKind, { type: 'readOnly', db: 'db' });
    await expect(readOnlyKind.apply(fault, recordingStack().stack, 'f0', 'db read-only')).rejects.toThrow(/db read-only/);
  });
});

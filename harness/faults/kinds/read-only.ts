import type mysql from 'mysql2/promise';
import { z } from 'zod';
import { once, type FaultKind } from '../kind.ts';
import { mariadbOf, withAdmin } from './db.ts';

/**
 * The database stops taking writes until heal: `how: 'readOnly'` (default) sets read_only, and a
 * write fails at once (ER_OPTION_PREVENTS_STATEMENT, as on a replica after a failover); `how:
 * 'lock'` holds FLUSH TABLES WITH READ LOCK, and a write waits (as behind a backup's lock).
 */
export interface ReadOnlyFault {
  type: 'readOnly';
  /** The mariadb part. */
  db: string;
  how?: 'readOnly' | 'lock';
}

export type ResolvedReadOnly = { type: 'readOnly'; db: string; how: 'readOnly' | 'lock' };

export const readOnly = (o: Omit<ReadOnlyFault, 'type'>): ReadOnlyFault => ({ type: 'readOnly', ...o });

export const readOnlyKind: FaultKind<ReadOnlyFault, ResolvedReadOnly> = {
  type: 'readOnly',
  schema: z.strictObject({ type: z.literal('readOnly'), db: z.string(), how: z.enum(['readOnly', 'lock']).optional() }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'readOnly', db: ctx.part('db', f.db, ['mariadb']), how: f.how ?? 'readOnly' }),
  label: (_d, f) => `readOnly on ${f.db} (${f.how === 'lock' ? 'global read lock' : 'read_only'})`,
  partHit: (f) => f.db,
  apply: async (f, stack, _id, label) => {
    const db = mariadbOf(stack, f.db, label);
    if (f.how === 'readOnly') {
      await withAdmin(db, (c) => c.query('SET GLOBAL read_only = 1'));
      return { label, heal: once(async () => void (await withAdmin(db, (c) => c.query('SET GLOBAL read_only = 0')))) };
    }
    // The lock lives as long as its connection: held open until heal.
    const c: mysql.Connection = await db.adminConnection();
    try {
      await c.query('FLUSH TABLES WITH READ LOCK');
    } catch (e) {
      await c.end().catch(() => undefined);
      throw e;
    }
    return {
      label,
      heal: once(async () => {
        try {
          await c.query('UNLOCK TABLES');
        } finally {
          await c.end();
        }
      }),
    };
  },
};

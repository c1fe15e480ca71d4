import type mysql from 'mysql2/promise';
import { z } from 'zod';
import { FaultError } from '../../core/errors.ts';
import { debug } from '../../core/log.ts';
import { once, type FaultKind } from '../kind.ts';

const log = debug('faults');

/** A foreign transaction holding row locks: `SELECT ... FOR UPDATE` on `rows`, then ROLLBACK at heal. */
export interface LockWaitFault {
  type: 'lockWait';
  /** The mariadb part. */
  db: string;
  /** A SELECT naming the rows to lock, e.g. 'SELECT * FROM albums WHERE id = 1'. */
  rows: string;
}

export type ResolvedLockWait = { type: 'lockWait'; db: string; rows: string };

export const lockWait = (o: Omit<LockWaitFault, 'type'>): LockWaitFault => ({ type: 'lockWait', ...o });

export const lockWaitKind: FaultKind<LockWaitFault, ResolvedLockWait> = {
  type: 'lockWait',
  schema: z.strictObject({ type: z.literal('lockWait'), db: z.string(), rows: z.string() }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => {
    const rows = f.rows.trim().replace(/\s+FOR\s+UPDATE\s*$/i, '');
    if (!/^select\s/i.test(rows) || rows.includes(';'))
      ctx.problem('rows', 'rows must be one SELECT statement', "write e.g. 'SELECT * FROM albums WHERE id = 1' (FOR UPDATE is added)");
    return { type: 'lockWait', db: ctx.part('db', f.db, ['mariadb']), rows };
  },
  label: (_d, f) => `lockWait on ${f.db}: ${f.rows}`,
  partHit: (f) => f.db,
  /**
   * A foreign lock holder: a transaction of its own (straight to the server, not through Toxiproxy)
   * that locks the rows with SELECT ... FOR UPDATE and holds them until heal rolls it back.
   */
  apply: async (f, stack, _id, label) => {
    const db = stack.parts.get(f.db);
    if (db?.kind !== 'mariadb') throw new FaultError(label, `${f.db} is not a started mariadb`, 'name a mariadb part in fault.db');
    let conn: mysql.Connection | undefined;
    try {
      conn = await db.adminConnection();
      await conn.query('SET SESSION innodb_lock_wait_timeout = 30');
      await conn.beginTransaction();
      const [rows] = await conn.query(`${f.rows} FOR UPDATE`);
      log(`${label}: holding ${Array.isArray(rows) ? rows.length : 0} row(s)`);
    } catch (e) {
      await conn?.end().catch(() => undefined);
      throw new FaultError(label, `could not take the locks: ${(e as Error).message}`, 'check that fault.rows is a valid SELECT on existing tables', e);
    }
    const c = conn;
    return {
      label,
      heal: once(async () => {
        try {
          await c.rollback();
        } finally {
          await c.end();
        }
      }),
    };
  },
};

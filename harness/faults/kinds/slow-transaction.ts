import type mysql from 'mysql2/promise';
import { z } from 'zod';
import { FaultError } from '../../core/errors.ts';
import { once, type FaultKind } from '../kind.ts';
import { mariadbOf } from './db.ts';

/**
 * A foreign transaction that works and holds what it touched: its statements (UPDATE, INSERT,
 * DELETE, SELECT ... FOR UPDATE) run at apply, their row locks held until heal rolls it all back,
 * like a report or a migration that runs for minutes.
 */
export interface SlowTransactionFault {
  type: 'slowTransaction';
  /** The mariadb part. */
  db: string;
  /** The statements, in order, e.g. ["UPDATE albums SET title = title WHERE id = 1"]. */
  sql: readonly string[];
}

export type ResolvedSlowTransaction = { type: 'slowTransaction'; db: string; sql: readonly string[] };

export const slowTransaction = (o: Omit<SlowTransactionFault, 'type'>): SlowTransactionFault => ({ type: 'slowTransaction', ...o });

export const slowTransactionKind: FaultKind<SlowTransactionFault, ResolvedSlowTransaction> = {
  type: 'slowTransaction',
  schema: z.strictObject({ type: z.literal('slowTransaction'), db: z.string(), sql: z.array(z.string().min(1)).min(1) }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => {
    f.sql.forEach((q, i) => {
      // The transaction is the fault's: it ends at heal, by rollback, never by the statements.
      if (/^\s*(commit|rollback|start\s+transaction|begin|set\s+autocommit)\b/i.test(q) || q.includes(';'))
        ctx.problem(
          `sql[${i}]`,
          `'${q}' would end or split the transaction`,
          'give one statement per entry, without COMMIT/ROLLBACK: the fault rolls back at heal',
        );
    });
    return { type: 'slowTransaction', db: ctx.part('db', f.db, ['mariadb']), sql: f.sql };
  },
  label: (_d, f) => `slowTransaction on ${f.db}: ${f.sql.join('; ')}`,
  partHit: (f) => f.db,
  apply: async (f, stack, _id, label) => {
    const db = mariadbOf(stack, f.db, label);
    let conn: mysql.Connection | undefined;
    try {
      conn = await db.adminConnection();
      await conn.query('SET SESSION innodb_lock_wait_timeout = 30');
      await conn.beginTransaction();
      for (const q of f.sql) await conn.query(q);
    } catch (e) {
      await conn?.end().catch(() => undefined);
      throw new FaultError(label, `the transaction failed: ${(e as Error).message}`, 'check each statement of fault.sql against the schema', e);
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

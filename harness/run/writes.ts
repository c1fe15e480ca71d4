import { StackError } from '../core/errors.ts';
import { classifyAttempts, type AttemptSample, type WriteCheck } from '../metrics/index.ts';
import type { StartedStack } from '../stack/index.ts';

/** Connections the services' account holds on each mariadb part now (after the load: a leak stays). */
export async function countConnections(stack: StartedStack): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of stack.parts.values()) {
    if (p.kind !== 'mariadb') continue;
    const conn = await p.adminConnection();
    try {
      const [rows] = await conn.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', [p.user]);
      out[p.name] = Number((rows as { n: number }[])[0]?.n ?? 0);
    } finally {
      await conn.end();
    }
  }
  return out;
}

/**
 * Waits until no transaction is open on the server (up to 30 s): the client's answer does not end
 * the work behind it (a transaction goes on after the gateway's 503, or waits on a lock), and a
 * write that commits after the lookup would be classed by a state that did not last.
 */
async function settled(conn: { query: (sql: string) => Promise<unknown> }, limitMs = 30_000): Promise<number> {
  const until = Date.now() + limitMs;
  for (;;) {
    const [rows] = (await conn.query('SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX')) as [{ n: number | string }[]];
    const open = Number(rows[0]?.n ?? 0);
    if (open === 0 || Date.now() >= until) return open;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Looks up every acknowledged id, and every keyed write's key (writes.attemptKey), in the database
 * (straight to the server, not through Toxiproxy), after the load has ended and every fault is healed.
 */
export async function checkWrites(
  stack: StartedStack,
  spec: { db: string; table: string; key: string; attemptKey: string | undefined },
  acks: readonly { id: number; atMs: number }[],
  attempts: readonly AttemptSample[],
  writeStarts: readonly { key: number; atMs: number }[],
): Promise<WriteCheck> {
  const db = stack.parts.get(spec.db);
  if (db?.kind !== 'mariadb') throw new StackError(`write check: ${spec.db} is not a started mariadb`, 'writes.db', 'name a mariadb part');
  const conn = await db.adminConnection();
  // How many rows carry each value of a column, for the given values (1 000 at a time).
  const rowsOf = async (column: string, values: readonly number[]): Promise<Map<number, number>> => {
    const out = new Map<number, number>();
    for (let i = 0; i < values.length; i += 1000) {
      const chunk = values.slice(i, i + 1000);
      const [rows] = await conn.query(`SELECT \`${column}\` AS k, COUNT(*) AS n FROM \`${spec.table}\` WHERE \`${column}\` IN (?) GROUP BY \`${column}\``, [
        chunk,
      ]);
      for (const r of rows as { k: number | string; n: number | string }[]) out.set(Number(r.k), Number(r.n));
    }
    return out;
  };
  let column = spec.key;
  try {
    const open = await settled(conn);
    const stillOpen = open > 0 ? { openTransactions: open } : {};
    const ids = [...new Set(acks.map((a) => a.id))];
    const found = await rowsOf(column, ids);
    const lost = new Set(ids.filter((id) => !found.has(id)));
    if (spec.attemptKey === undefined) return { acks, lost, ...stillOpen };
    column = spec.attemptKey;
    const rows = await rowsOf(column, [...new Set(attempts.map((a) => a.key))]);
    return { acks, lost, attempts: classifyAttempts(attempts, writeStarts, rows), ...stillOpen };
  } catch (e) {
    throw new StackError(
      `write check failed: ${(e as Error).message}`,
      `writes: ${spec.table}.${column} in ${spec.db}`,
      'check the table and column names of the write check',
      e,
    );
  } finally {
    await conn.end();
  }
}

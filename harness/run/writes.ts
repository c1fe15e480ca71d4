import { StackError } from '../core/errors.ts';
import type { WriteCheck } from '../metrics/index.ts';
import type { RunningStack } from '../stack/index.ts';

/** Connections the services' account holds on each mariadb part now (after the load: a leak stays). */
export async function countConnections(stack: RunningStack): Promise<Record<string, number>> {
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
 * Looks up every acknowledged id in the database (straight to the server, not through Toxiproxy),
 * after the load has ended and every fault is healed.
 */
export async function checkWrites(
  stack: RunningStack,
  spec: { db: string; table: string; key: string },
  acks: readonly { id: number; atMs: number }[],
): Promise<WriteCheck> {
  const db = stack.parts.get(spec.db);
  if (db?.kind !== 'mariadb') throw new StackError(`write check: ${spec.db} is not a started mariadb`, 'writes.db', 'name a mariadb part');
  const ids = [...new Set(acks.map((a) => a.id))];
  const found = new Set<number>();
  const conn = await db.adminConnection();
  try {
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const [rows] = await conn.query(`SELECT \`${spec.key}\` AS k FROM \`${spec.table}\` WHERE \`${spec.key}\` IN (?)`, [chunk]);
      for (const r of rows as { k: number | string }[]) found.add(Number(r.k));
    }
  } catch (e) {
    throw new StackError(
      `write check failed: ${(e as Error).message}`,
      `writes: ${spec.table}.${spec.key} in ${spec.db}`,
      'check the table and key names of the write check',
      e,
    );
  } finally {
    await conn.end();
  }
  return { acks, lost: new Set(ids.filter((id) => !found.has(id))) };
}

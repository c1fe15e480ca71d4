import type mysql from 'mysql2/promise';
import { FaultError } from '../../core/errors.ts';
import type { StartedMariaDb, StartedStack } from '../../stack/index.ts';

/** The started mariadb part a database fault names. */
export function mariadbOf(stack: StartedStack, part: string, label: string): StartedMariaDb {
  const db = stack.parts.get(part);
  if (db?.kind !== 'mariadb') throw new FaultError(label, `${part} is not a started mariadb`, 'name a mariadb part in fault.db');
  return db;
}

/** An admin connection (straight to the server, root) for `use`; closed afterwards whatever happens. */
export async function withAdmin<T>(db: StartedMariaDb, use: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await db.adminConnection();
  try {
    return await use(c);
  } finally {
    await c.end().catch(() => c.destroy());
  }
}

import type mysql from 'mysql2/promise';
import { FaultError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import type { ResolvedFault } from '../scenario/index.ts';
import type { StartedStack } from '../stack/index.ts';

const log = debug('faults');

/** An applied fault. heal() is idempotent: the timeline and the teardown may both call it. */
export interface ActiveFault {
  readonly label: string;
  heal(): Promise<void>;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

/** Toxiproxy latency on one link of the stack. */
async function applyLatency(f: Extract<ResolvedFault, { type: 'latency' }>, stack: StartedStack, id: string, label: string): Promise<ActiveFault> {
  const proxy = stack.links.get(f.link);
  if (!proxy) throw new FaultError(label, `no proxy for link ${f.link}`, `links are: ${[...stack.links.keys()].join(', ')}`);
  const toxic = await proxy.addToxic({ name: `${id}-latency`, type: 'latency', stream: f.stream, attributes: { latency: f.latencyMs, jitter: f.jitterMs } });
  return { label, heal: once(() => toxic.remove()) };
}

/**
 * A foreign lock holder: a transaction of its own (straight to the server, not through Toxiproxy)
 * that locks the rows with SELECT ... FOR UPDATE and holds them until heal rolls it back.
 */
async function applyLockWait(f: Extract<ResolvedFault, { type: 'lockWait' }>, stack: StartedStack, label: string): Promise<ActiveFault> {
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
}

export async function applyFault(fault: ResolvedFault, stack: StartedStack, id: string, label: string): Promise<ActiveFault> {
  log(`apply ${label}`);
  try {
    switch (fault.type) {
      case 'latency':
        return await applyLatency(fault, stack, id, label);
      case 'lockWait':
        return await applyLockWait(fault, stack, label);
    }
  } catch (e) {
    if (e instanceof FaultError) throw e;
    throw new FaultError(label, `apply failed: ${(e as Error).message}`, 'see the cause; the stack may have lost a part', e);
  }
}

import type mysql from 'mysql2/promise';
import { z } from 'zod';
import { FaultError } from '../../core/errors.ts';
import { debug } from '../../core/log.ts';
import { once, type FaultKind } from '../kind.ts';
import { mariadbOf } from './db.ts';

const log = debug('faults');

/** Connections are opened until the server refuses more ("Too many connections"), and held until heal. */
export interface ConnectionFloodFault {
  type: 'connectionFlood';
  /** The mariadb part. */
  db: string;
  /** At most this many (a bound for a server with a huge max_connections). Default 5000. */
  max?: number;
}

export type ResolvedConnectionFlood = { type: 'connectionFlood'; db: string; max: number };

export const connectionFlood = (o: Omit<ConnectionFloodFault, 'type'>): ConnectionFloodFault => ({ type: 'connectionFlood', ...o });

export const connectionFloodKind: FaultKind<ConnectionFloodFault, ResolvedConnectionFlood> = {
  type: 'connectionFlood',
  schema: z.strictObject({ type: z.literal('connectionFlood'), db: z.string(), max: z.number().int().positive().optional() }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'connectionFlood', db: ctx.part('db', f.db, ['mariadb']), max: f.max ?? 5000 }),
  label: (_d, f) => `connectionFlood on ${f.db}`,
  partHit: (f) => f.db,
  apply: async (f, stack, _id, label) => {
    const db = mariadbOf(stack, f.db, label);
    const held: mysql.Connection[] = [];
    const release = async () => void (await Promise.allSettled(held.map((c) => c.end().catch(() => c.destroy()))));
    // Until the server says no: what a service opening a new connection then gets (ER_CON_COUNT_ERROR).
    for (;;) {
      if (held.length >= f.max) break;
      try {
        held.push(await db.adminConnection());
      } catch (e) {
        if ((e as { code?: string }).code === 'ER_CON_COUNT_ERROR') break;
        await release();
        throw new FaultError(label, `could not open connection ${held.length + 1}: ${(e as Error).message}`, 'see the cause; the server may be down', e);
      }
    }
    log(`${label}: holding ${held.length} connections`);
    return { label, heal: once(release) };
  },
};

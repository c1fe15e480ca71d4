import { z } from 'zod';
import { debug } from '../../core/log.ts';
import { noHeal, once, type FaultKind } from '../kind.ts';
import { mariadbOf, withAdmin } from './db.ts';
import type { StartedMariaDb } from '../../stack/index.ts';

const log = debug('faults');

/**
 * KILL every connection of the services' account (a failover, a DBA's kill, a proxy restart):
 * once (instant), or with `every` again and again until heal (needs `for`).
 */
export interface KillConnectionsFault {
  type: 'killConnections';
  /** The mariadb part. */
  db: string;
  /** Kill them again at this interval while the fault lasts, e.g. '500ms'. Default: once. */
  every?: string;
}

export type ResolvedKillConnections = { type: 'killConnections'; db: string; everyMs: number | undefined };

export const killConnections = (o: Omit<KillConnectionsFault, 'type'>): KillConnectionsFault => ({ type: 'killConnections', ...o });

/** Kills the account's connections; how many. */
async function killAll(db: StartedMariaDb): Promise<number> {
  return withAdmin(db, async (c) => {
    const [rows] = await c.query('SELECT id FROM information_schema.processlist WHERE user = ? AND id <> CONNECTION_ID()', [db.user]);
    const ids = (rows as { id: number }[]).map((r) => r.id);
    for (const id of ids) await c.query(`KILL CONNECTION ${Number(id)}`).catch(() => undefined);
    return ids.length;
  });
}

export const killConnectionsKind: FaultKind<KillConnectionsFault, ResolvedKillConnections> = {
  type: 'killConnections',
  schema: z.strictObject({ type: z.literal('killConnections'), db: z.string(), every: z.string().min(1).optional() }),
  instant: true,
  instantWith: (f) => f.every === undefined,
  hitsProcess: false,
  resolve: (f, ctx) => ({
    type: 'killConnections',
    db: ctx.part('db', f.db, ['mariadb']),
    everyMs: f.every === undefined ? undefined : ctx.duration('every', f.every, 1000),
  }),
  label: (d, f) => `killConnections of ${f.db}${d.every ? ` every ${d.every}` : ''}`,
  partHit: (f) => f.db,
  apply: async (f, stack, _id, label) => {
    const db = mariadbOf(stack, f.db, label);
    log(`${label}: killed ${await killAll(db)}`);
    if (f.everyMs === undefined) return { label, heal: noHeal };
    let stopped = false;
    let round: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      if (!stopped) round = killAll(db).catch(() => undefined);
    }, f.everyMs);
    return {
      label,
      heal: once(async () => {
        stopped = true;
        clearInterval(timer);
        await round;
      }),
    };
  },
};

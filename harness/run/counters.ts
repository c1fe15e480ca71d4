import type mysql from 'mysql2/promise';
import type { CleanupList } from '../core/cleanup.ts';
import { debug } from '../core/log.ts';
import type { CounterKind, CounterName, CounterSample, CounterSeries } from '../metrics/index.ts';
import type { ProxyCounters, StartedStack } from '../stack/index.ts';

const log = debug('run:counters');

// MariaDB: the statements that touch data (not SHOW: the sampler's own), new connections, row lock waits.
const DB_STATUS: Readonly<Record<string, CounterName>> = {
  Com_select: 'queries',
  Com_insert: 'queries',
  Com_update: 'queries',
  Com_delete: 'queries',
  Com_replace: 'queries',
  Connections: 'connections',
  Innodb_row_lock_waits: 'lock_waits',
};
// Redis: the commands the harness itself sends on each reading, not counted.
const OWN_REDIS_COMMANDS = new Set(['info', 'client|setinfo', 'hello']);
// A frozen server (SIGSTOP) accepts connections and never answers: a reading gives up after this.
const READ_TIMEOUT_MS = 2000;

async function within<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([fn(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parses Redis's INFO text into numbers: hits and misses (stats), commands (commandstats, ours left out). */
export function redisCounters(info: string): Partial<Record<CounterName, number>> {
  const out: Partial<Record<CounterName, number>> = {};
  let commands = 0;
  for (const line of info.split(/\r?\n/)) {
    const hits = /^keyspace_hits:(\d+)/.exec(line);
    if (hits) out.hits = Number(hits[1]);
    const misses = /^keyspace_misses:(\d+)/.exec(line);
    if (misses) out.misses = Number(misses[1]);
    const cmd = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (cmd && !OWN_REDIS_COMMANDS.has(cmd[1] ?? '')) commands += Number(cmd[2]);
  }
  out.commands = commands;
  return out;
}

export interface StartedCounters {
  /**
   * Takes a last reading — no earlier than `notBeforeMs` (the load's end: a phase's figure needs a
   * reading on each side of it) — stops, and gives every part's series. Idempotent.
   */
  stop(notBeforeMs?: number): Promise<CounterSeries[]>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A gateway's servers' counters, one entry per server ('edge/app1'), summed over the backends it is in. */
export function serverCounters(gateway: string, rows: readonly ProxyCounters[]): Map<string, Partial<Record<CounterName, number>>> {
  const out = new Map<string, Partial<Record<CounterName, number>>>();
  for (const r of rows) {
    if (r.server === 'FRONTEND' || r.server === 'BACKEND') continue;
    const key = `${gateway}/${r.server}`;
    const v = out.get(key) ?? { sessions: 0, retries: 0, redispatches: 0 };
    v.sessions = (v.sessions ?? 0) + r.sessions;
    v.retries = (v.retries ?? 0) + r.retries;
    v.redispatches = (v.redispatches ?? 0) + r.redispatches;
    out.set(key, v);
  }
  return out;
}

/**
 * Reads every mariadb and redis part's counters, every link's new connections (and HTTP calls, on a
 * link with an HTTP proxy) and every gateway's per-server stats now and then every `intervalMs`
 * until stopped, straight to the servers (not through Toxiproxy). A reading that fails (a server killed or frozen by a fault) is skipped:
 * the next one covers its span.
 */
export async function watchCounters(stack: StartedStack, cleanup: CleanupList, intervalMs = 1000): Promise<StartedCounters> {
  const series = new Map<string, { kind: CounterKind; samples: CounterSample[] }>();
  const push = (name: string, kind: CounterKind, values: Partial<Record<CounterName, number>>, atMs = Date.now()) => {
    const s = series.get(name) ?? { kind, samples: [] };
    series.set(name, s);
    s.samples.push({ atMs, values });
  };
  const conns = new Map<string, mysql.Connection>();
  // Each link's connections (counted from Toxiproxy's log), and the HTTP calls of a link with an HTTP proxy.
  const readLinks = async () => {
    try {
      const traffic = stack.linkTraffic();
      const atMs = Date.now();
      await Promise.all(
        [...traffic].map(async ([link, t]) => {
          const http = stack.httpFaults.get(link);
          const calls = http ? await within(READ_TIMEOUT_MS, () => http.calls()).catch(() => undefined) : undefined;
          push(link, 'link', { connections: t.connections, ...(calls !== undefined ? { calls } : {}) }, atMs);
        }),
      );
    } catch (e) {
      log(`links: reading skipped: ${(e as Error).message}`);
    }
  };
  const read = async () => {
    const parts = [...stack.parts.values()].map(async (p) => {
      if (p.kind === 'gateway') {
        try {
          const rows = await within(READ_TIMEOUT_MS, () => p.counters());
          const atMs = Date.now();
          for (const [server, values] of serverCounters(p.name, rows)) push(server, 'server', values, atMs);
        } catch (e) {
          log(`${p.name}: reading skipped: ${(e as Error).message}`);
        }
        return;
      }
      if (p.kind !== 'mariadb' && p.kind !== 'redis') return;
      const s = series.get(p.name) ?? { kind: p.kind, samples: [] };
      series.set(p.name, s);
      try {
        if (p.kind === 'mariadb') {
          let conn = conns.get(p.name);
          if (!conn) {
            const pending = p.adminConnection();
            try {
              conn = await within(READ_TIMEOUT_MS, () => pending);
            } catch (e) {
              // Connected after we gave up: closed then, never left open.
              pending.then(
                (c) => c.destroy(),
                () => undefined,
              );
              throw e;
            }
            conns.set(p.name, conn);
          }
          const [rows] = await conn.query({ sql: 'SHOW GLOBAL STATUS WHERE Variable_name IN (?)', timeout: READ_TIMEOUT_MS }, [Object.keys(DB_STATUS)]);
          const values: Partial<Record<CounterName, number>> = {};
          for (const r of rows as { Variable_name: string; Value: string }[]) {
            const n = DB_STATUS[r.Variable_name];
            if (n) values[n] = (values[n] ?? 0) + Number(r.Value);
          }
          s.samples.push({ atMs: Date.now(), values });
        } else {
          const info = await within(
            READ_TIMEOUT_MS,
            async () => `${String(await p.command(['INFO', 'stats']))}\n${String(await p.command(['INFO', 'commandstats']))}`,
          );
          s.samples.push({ atMs: Date.now(), values: redisCounters(info) });
        }
      } catch (e) {
        log(`${p.name}: reading skipped: ${(e as Error).message}`);
        const c = conns.get(p.name);
        conns.delete(p.name);
        c?.destroy();
      }
    });
    await Promise.all([...parts, readLinks()]);
  };
  const closeAll = async () => {
    for (const c of conns.values()) await c.end().catch(() => c.destroy());
    conns.clear();
  };
  cleanup.add('counter readings', closeAll);
  await read();
  let stopped: Promise<CounterSeries[]> | undefined;
  let busy: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    busy = busy.then(read);
  }, intervalMs);
  const stop = (notBeforeMs = 0) => {
    stopped ??= (async () => {
      clearInterval(timer);
      await busy;
      // k6 may exit a few ms before the load's scheduled end: a last reading then would leave the
      // recovery phase without one after it (its figure unread: seen once, retry-storm fixed in CI).
      const early = notBeforeMs - Date.now() + 1;
      if (early > 0) await new Promise((r) => setTimeout(r, early));
      await read();
      await closeAll();
      return [...series].map(([part, s]) => ({ part, kind: s.kind, samples: s.samples }));
    })();
    return stopped;
  };
  return { stop, [Symbol.asyncDispose]: async () => void (await stop()) };
}

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { applyFault, type ResolvedFault } from '../../harness/faults/index.ts';
import { startStack, type StartedLocalMariaDb, type StartedLocalRedis, type StartedLocalStack } from '../../harness/stack/index.ts';
import { photoDbPart } from './helpers.ts';

/**
 * The database and cache faults, each measured as a service sees it: a connection of the
 * services' own account to a real MariaDB, a client of a real Redis.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-data-faults-'));
const cleanup = new CleanupList();
let stack: StartedLocalStack;
let db: StartedLocalMariaDb;
let cache: StartedLocalRedis;

beforeAll(async () => {
  stack = await startStack(
    [
      // A small max_connections, so that a flood is quick.
      photoDbPart({ max_connections: '40' }),
      { kind: 'redis', name: 'cache' },
    ],
    [],
    { runId: 'data-faults', dir, cleanup },
  );
  const d = stack.parts.get('db');
  const c = stack.parts.get('cache');
  if (d?.kind !== 'mariadb' || c?.kind !== 'redis') throw new Error('parts');
  db = d;
  cache = c;
}, 60_000);

afterAll(async () => {
  const failures = await cleanup.releaseAll();
  rmSync(dir, { recursive: true, force: true });
  expect(failures).toEqual([]);
});

/** A connection as the services have one: their account, over TCP. */
const asService = () => mysql.createConnection({ host: '127.0.0.1', port: db.port, user: db.user, password: db.password, database: db.database });

async function under<T>(fault: ResolvedFault, during: () => Promise<T>): Promise<T> {
  const active = await applyFault(fault, stack, 'test', fault.type);
  try {
    return await during();
  } finally {
    await active.heal();
  }
}

/** Resolves with how long `p` took, or 'pending' if it has not settled within `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);
}

describe('database faults, as the services account meets them', () => {
  it('slowTransaction: a write to a row it touched waits until heal, and what it wrote is rolled back', async () => {
    const c = await asService();
    try {
      const [before] = await c.query('SELECT photo_count FROM albums WHERE id = 1');
      const countBefore = (before as { photo_count: number }[])[0]?.photo_count ?? -1;
      const write = await under({ type: 'slowTransaction', db: 'db', sql: ["UPDATE albums SET title = 'held' WHERE id = 1"] }, async () => {
        const w = c.query('UPDATE albums SET photo_count = photo_count + 1 WHERE id = 1');
        expect(await within(w, 800)).toBe('pending');
        // Wrapped: an async function returning the promise itself would wait for it, before the heal.
        return { w };
      });
      await write.w;
      const [rows] = await c.query('SELECT title, photo_count FROM albums WHERE id = 1');
      expect(rows).toEqual([{ title: 'Holidays', photo_count: countBefore + 1 }]);
    } finally {
      await c.end();
    }
  }, 30_000);

  it('connectionFlood: a new connection gets "Too many connections"; one opened before keeps working; after heal all is well', async () => {
    const before = await asService();
    try {
      await under({ type: 'connectionFlood', db: 'db', max: 5000 }, async () => {
        await expect(asService()).rejects.toMatchObject({ code: 'ER_CON_COUNT_ERROR' });
        await expect(before.query('SELECT 1')).resolves.toBeDefined();
      });
      const after = await asService();
      await after.end();
    } finally {
      await before.end();
    }
  }, 30_000);

  it('killConnections: once, the services account loses its open connections; every 200 ms, a new one lasts no longer', async () => {
    const c = await asService();
    c.on('error', () => undefined);
    await under({ type: 'killConnections', db: 'db', everyMs: undefined }, async () => undefined);
    await expect(c.query('SELECT 1')).rejects.toThrow();
    await under({ type: 'killConnections', db: 'db', everyMs: 200 }, async () => {
      const n = await asService();
      n.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 600));
      await expect(n.query('SELECT 1')).rejects.toThrow();
    });
    const after = await asService();
    await after.query('SELECT 1');
    await after.end();
  }, 30_000);

  it("readOnly: a write fails at once with the server's read-only error; lock: a write waits until heal", async () => {
    const c = await asService();
    try {
      await under({ type: 'readOnly', db: 'db', how: 'readOnly' }, async () => {
        await expect(c.query("INSERT INTO photos (album_id, title) VALUES (2, 'x')")).rejects.toMatchObject({ code: 'ER_OPTION_PREVENTS_STATEMENT' });
        await expect(c.query('SELECT COUNT(*) FROM photos')).resolves.toBeDefined();
      });
      await c.query("INSERT INTO photos (album_id, title) VALUES (2, 'after read_only')");
      const waited = await under({ type: 'readOnly', db: 'db', how: 'lock' }, async () => {
        const w = c.query("INSERT INTO photos (album_id, title) VALUES (2, 'behind the lock')");
        expect(await within(w, 800)).toBe('pending');
        return { w };
      });
      await waited.w;
      const [rows] = await c.query("SELECT COUNT(*) AS n FROM photos WHERE title = 'behind the lock'");
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await c.end();
    }
  }, 30_000);
});

describe('cache faults, as a client meets them', () => {
  const client = () => {
    const c = createClient({ url: cache.url, socket: { reconnectStrategy: false } });
    c.on('error', () => undefined);
    return c;
  };

  it('clientPause: commands wait until heal; only writes: reads still answer', async () => {
    const c = client();
    await c.connect();
    try {
      // A full pause lasts the fault's length (1.5 s here): a GET waits it out.
      const t0 = Date.now();
      const got = await under({ type: 'clientPause', part: 'cache', mode: 'ALL', forMs: 1500 }, async () => {
        const g = c.get('k');
        expect(await within(g, 500)).toBe('pending');
        return { g };
      });
      expect(await got.g).toBeNull();
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1450);
      await under({ type: 'clientPause', part: 'cache', mode: 'WRITE', forMs: 60_000 }, async () => {
        expect(await within(c.get('k'), 500)).toBeNull();
        const w = c.set('k', 'v');
        expect(await within(w, 500)).toBe('pending');
        return { w };
      }).then(async ({ w }) => expect(await w).toBe('OK'));
    } finally {
      c.destroy();
    }
  }, 30_000);

  it('evict: with a 4 MB maxmemory (an empty Redis uses about 1), writing 10 MB keeps well under half of the keys; after heal nothing is evicted', async () => {
    const c = client();
    await c.connect();
    try {
      await c.flushAll();
      const value = 'x'.repeat(10_000);
      await under({ type: 'evict', part: 'cache', maxmemory: '4mb', policy: 'allkeys-lru' }, async () => {
        for (let i = 0; i < 1000; i++) await c.set(`big:${i}`, value);
        expect(await c.dbSize()).toBeLessThan(500);
      });
      expect(await c.configGet('maxmemory')).toEqual({ maxmemory: '0' });
      await c.flushAll();
      for (let i = 0; i < 1000; i++) await c.set(`big:${i}`, value);
      expect(await c.dbSize()).toBe(1000);
    } finally {
      c.destroy();
    }
  }, 30_000);

  it('expire: half of the keys matching the pattern are gone, the others untouched', async () => {
    const c = client();
    await c.connect();
    try {
      await c.flushAll();
      for (let i = 0; i < 200; i++) await c.set(`channel:${i}`, '1');
      for (let i = 0; i < 50; i++) await c.set(`user:${i}`, '1');
      await under({ type: 'expire', part: 'cache', share: 0.5, pattern: 'channel:*' }, async () => undefined);
      expect((await c.keys('channel:*')).length).toBe(100);
      expect((await c.keys('user:*')).length).toBe(50);
    } finally {
      c.destroy();
    }
  }, 30_000);
});

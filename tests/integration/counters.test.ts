import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { increase } from '../../harness/metrics/index.ts';
import { watchCounters } from '../../harness/run/counters.ts';
import { startStack } from '../../harness/stack/index.ts';
import { newProcesses, photoDbPart, stackProcesses } from './helpers.ts';

// The counters read from a real MariaDB and Redis agree exactly with a known number of statements
// and commands sent straight to them while the watch runs.
describe('server counters on a real MariaDB and Redis', () => {
  it('count exactly the queries, connections, lookups and commands sent, none of the readings’ own', async () => {
    const before = stackProcesses();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-test-'));
    const cleanup = new CleanupList();
    try {
      const stack = await startStack([photoDbPart(), { kind: 'redis', name: 'cache' }], [], { runId: 'test', dir, cleanup });
      const db = stack.parts.get('db');
      const cache = stack.parts.get('cache');
      if (db?.kind !== 'mariadb' || cache?.kind !== 'redis') throw new Error('parts');
      const watch = await watchCounters(stack, cleanup, 200);
      // 3 new connections: 25 SELECTs, 5 INSERTs, 2 UPDATEs, 1 DELETE over them.
      for (let c = 0; c < 3; c++) {
        const conn = await db.adminConnection();
        try {
          if (c === 0) for (let i = 0; i < 25; i++) await conn.query('SELECT title FROM photos WHERE id = ?', [i + 1]);
          if (c === 1) for (let i = 0; i < 5; i++) await conn.query('INSERT INTO photos (album_id, title) VALUES (1, ?)', [`p${i}`]);
          if (c === 2) {
            await conn.query("UPDATE photos SET title = 'x' WHERE id = 1");
            await conn.query("UPDATE photos SET title = 'y' WHERE id = 2");
            await conn.query('DELETE FROM photos WHERE id = 3');
          }
        } finally {
          await conn.end();
        }
      }
      // Redis: 4 SETs, 10 GETs of which 4 hit and 6 miss.
      const client = createClient({ url: cache.url });
      await client.connect();
      try {
        for (let i = 0; i < 4; i++) await client.set(`k${i}`, 'v');
        for (let i = 0; i < 10; i++) await client.get(`k${i}`);
      } finally {
        client.destroy();
      }
      await new Promise((r) => setTimeout(r, 500));
      const series = await watch.stop();
      const dbS = series.find((s) => s.part === 'db');
      const cacheS = series.find((s) => s.part === 'cache');
      expect(dbS?.samples.length).toBeGreaterThan(3);
      // From the first reading (before anything was sent) to the last (after): exactly what was sent.
      const inc = (s: typeof dbS, n: Parameters<typeof increase>[1]) => increase(s?.samples ?? [], n, s?.samples[0]?.atMs ?? 0, s?.samples.at(-1)?.atMs ?? 0);
      expect(inc(dbS, 'queries')).toBe(33);
      expect(inc(dbS, 'connections')).toBe(3);
      expect(inc(cacheS, 'hits')).toBe(4);
      expect(inc(cacheS, 'misses')).toBe(6);
      // The client's own start-up commands (CLIENT SETINFO, left out as the readings' are) aside: 14.
      expect(inc(cacheS, 'commands')).toBe(14);
    } finally {
      expect(await cleanup.releaseAll()).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(newProcesses(before)).toEqual([]);
  });
});

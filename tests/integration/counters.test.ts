import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { increase } from '../../harness/metrics/index.ts';
import { watchCounters } from '../../harness/run/counters.ts';
import { startStack } from '../../harness/stack/index.ts';
import { blobServicePart, newProcesses, photoDbPart, stackProcesses } from './helpers.ts';

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
    expect(await newProcesses(before)).toEqual([]);
  });
});

// Each link's new connections (Toxiproxy's accepts) and HTTP calls (its HTTP proxy), and each gateway
// server's sessions, read while a known number of requests go through a real gateway and link.
describe('link and gateway counters on a real Toxiproxy and HAProxy', () => {
  it('count exactly the connections opened, the calls made and the sessions served', async () => {
    const before = stackProcesses();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-test-'));
    const cleanup = new CleanupList();
    try {
      const edge = { kind: 'gateway' as const, name: 'edge', to: ['app'], timeoutMs: 5000, timeoutStatus: 504 as const, check: undefined, leader: undefined };
      // probe→app carries an HTTP proxy (a rule, never turned on); edge→app is Toxiproxy alone.
      const rule = { id: 'f0', path: '/never', share: 1, action: 'abort' as const };
      const stack = await startStack(
        [blobServicePart('app'), blobServicePart('probe', ['app']), edge],
        [
          { name: 'probe→app', from: 'probe', to: 'app', http: [rule] },
          { name: 'edge→app', from: 'edge', to: 'app', http: [] },
        ],
        { runId: 'test', dir, cleanup },
      );
      const watch = await watchCounters(stack, cleanup, 200);
      // Through the link: 4 connections of 5 keep-alive requests each (20 calls), then 3 one-shot requests.
      const linkPort = stack.links.get('probe→app')?.listenPort ?? 0;
      for (let c = 0; c < 4; c++) {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
          for (let i = 0; i < 5; i++) expect(await status(`http://127.0.0.1:${linkPort}/blob?kb=1`, agent)).toBe(200);
        } finally {
          agent.destroy();
        }
      }
      for (let i = 0; i < 3; i++) expect(await status(`http://127.0.0.1:${linkPort}/blob?kb=1`, undefined)).toBe(200);
      // Through the gateway: 12 requests, each a session on its one server.
      for (let i = 0; i < 12; i++) expect(await status(`${stack.urlOf('edge')}/blob?kb=1`, undefined)).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      const series = await watch.stop();
      const of = (part: string) => series.find((s) => s.part === part);
      const inc = (part: string, n: Parameters<typeof increase>[1]) => {
        const s = of(part)?.samples ?? [];
        return increase(s, n, s[0]?.atMs ?? 0, s.at(-1)?.atMs ?? 0);
      };
      expect(of('probe→app')?.kind).toBe('link');
      expect(inc('probe→app', 'connections')).toBe(7);
      expect(inc('probe→app', 'calls')).toBe(23);
      expect(of('edge/app')?.kind).toBe('server');
      expect(inc('edge/app', 'sessions')).toBe(12);
      expect(inc('edge/app', 'retries')).toBe(0);
      // The gateway opened at least one connection over its link, at most one per request.
      expect(inc('edge→app', 'connections')).toBeGreaterThanOrEqual(1);
      expect(inc('edge→app', 'connections')).toBeLessThanOrEqual(12);
      // A link without an HTTP proxy has no calls to count.
      expect(of('edge→app')?.samples.every((s) => s.values.calls === undefined)).toBe(true);
    } finally {
      expect(await cleanup.releaseAll()).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await newProcesses(before)).toEqual([]);
  }, 60_000);
});

/** One GET, its body read; the status. */
function status(url: string, agent: http.Agent | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: agent ?? false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 5 s`)));
    req.on('error', reject);
  });
}

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/index.ts';
import { checkWrites } from '../../harness/run/writes.ts';
import { descendants, listeningAddresses, watchTree, withPhotoDb } from './helpers.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('safety', () => {
  it('every process of a run listens on 127.0.0.1 only (Toxiproxy API and proxies, MariaDB, services, HAProxy, k6)', async () => {
    const listening = new Map<string, string[]>();
    let sampled = false;
    const { value: outcome } = await watchTree(process.pid, () =>
      runScenario({
        scenarioFile: 'tests/integration/scenarios/teardown-pass.ts',
        reportsDir: 'reports/test',
        onProgress: (line) => {
          if (sampled || !/apply latency/.test(line)) return;
          sampled = true;
          for (const [pid, { cmd }] of descendants(process.pid)) {
            const addrs = listeningAddresses(pid);
            if (addrs.length) listening.set(`${pid} ${cmd.slice(0, 80)}`, addrs);
          }
        },
      }),
    );
    const all = [...listening.values()].flat();
    expect(listening.size).toBeGreaterThanOrEqual(6); // toxiproxy, mariadbd, imager, app, haproxy, k6
    expect(all.filter((a) => !a.startsWith('127.0.0.1:'))).toEqual([]);
    // What listened is exactly what the run recorded as bound (so the teardown proof checks them all).
    const ports = all.map((a) => Number(a.split(':').pop())).sort((a, b) => a - b);
    expect(ports).toEqual([...outcome.started.ports].sort((a, b) => a - b));
  });

  it('per-run passwords never reach a report, even when a service prints them', async () => {
    const o = await runScenario({ scenarioFile: 'tests/integration/scenarios/leaky-service.ts', reportsDir: 'reports/test' });
    expect(o.exitCode).toBe(2);
    const shown = o.error instanceof Error && 'describe' in o.error ? (o.error as { describe(): string }).describe() : String(o.error);
    expect(shown).toContain('config: DB_PASSWORD=[redacted]');
    const texts = [shown, ...filesUnder(o.reportDir ?? '').map((f) => readFileSync(f, 'utf8'))];
    // The passwords are 24 hex digits; none may appear anywhere, and the redaction must show where one was.
    for (const t of texts) expect(t).not.toMatch(/DB_PASSWORD=[0-9a-f]{24}/);
    expect(texts.join('\n')).toMatch(/DB_PASSWORD=\[redacted\]/);
    expect(filesUnder(o.reportDir ?? '').some((f) => f.endsWith('app.log'))).toBe(true);
  });

  it('the write check finds exactly the acknowledged ids that are missing', async () => {
    await withPhotoDb(async (stack) => {
      // The seed holds photos 1..100; 101..103 were never written.
      const acks = [5, 50, 100, 101, 102, 103, 50].map((id, i) => ({ id, atMs: i }));
      const r = await checkWrites(stack, { db: 'db', table: 'photos', key: 'id', attemptKey: undefined }, acks, [], []);
      expect([...r.lost].sort()).toEqual([101, 102, 103]);
      // 2 500 ids: more than one lookup chunk.
      const many = Array.from({ length: 2500 }, (_, i) => ({ id: i + 1, atMs: 0 }));
      expect((await checkWrites(stack, { db: 'db', table: 'photos', key: 'id', attemptKey: undefined }, many, [], [])).lost.size).toBe(2400);
    });
  });

  it('the write check classes each keyed write by the rows carrying its key in the real database', async () => {
    await withPhotoDb(async (stack) => {
      const db = stack.parts.get('db');
      if (db?.kind !== 'mariadb') throw new Error('no db');
      const conn = await db.adminConnection();
      try {
        // Key 11 once, key 12 twice (a retry that inserted again), key 13 once; 14 and 15 never.
        for (const key of [11, 12, 12, 13]) await conn.query('INSERT INTO photos (album_id, title, idempotency_key) VALUES (1, ?, ?)', [`k${key}`, key]);
      } finally {
        await conn.end();
      }
      const attempts = [
        { key: 11, status: 201, atMs: 1 },
        { key: 12, status: 201, atMs: 2 },
        { key: 13, status: 503, atMs: 3 },
        { key: 14, status: 201, atMs: 4 },
        { key: 15, status: 0, atMs: 5 },
      ];
      const r = await checkWrites(stack, { db: 'db', table: 'photos', key: 'id', attemptKey: 'idempotency_key' }, [], attempts, []);
      expect(r.attempts?.map((a) => [a.key, a.rows, a.class])).toEqual([
        [11, 1, 'ok'],
        [12, 2, 'duplicated'],
        [13, 1, 'committed_after_failure'],
        [14, 0, 'lost'],
        [15, 0, 'failed'],
      ]);
    });
  });
});

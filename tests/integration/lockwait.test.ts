import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { applyFault } from '../../harness/faults/index.ts';
import { newProcesses, stackProcesses, withPhotoDb } from './helpers.ts';

describe('lockWait on a real MariaDB', () => {
  it('makes writes to the locked row wait until it is healed, and only those', async () => {
    const before = stackProcesses();
    await withPhotoDb(async (stack, cleanup) => {
      const db = stack.parts.get('db');
      if (db?.kind !== 'mariadb') throw new Error('no db');
      // A client of the service's kind: the app account over TCP on 127.0.0.1.
      const client = await mysql.createConnection({ host: '127.0.0.1', port: db.port, user: db.user, password: db.password, database: db.database });
      cleanup.add('client', () => client.end());
      await client.query('SET SESSION innodb_lock_wait_timeout = 1');
      const bump = async (id: number) => {
        const t0 = Date.now();
        try {
          await client.query('UPDATE albums SET photo_count = photo_count + 1 WHERE id = ?', [id]);
          return { ms: Date.now() - t0, errno: 0 };
        } catch (e) {
          return { ms: Date.now() - t0, errno: (e as { errno?: number }).errno ?? -1 };
        }
      };

      expect((await bump(1)).errno).toBe(0);
      const fault = await applyFault({ type: 'lockWait', db: 'db', rows: 'SELECT * FROM albums WHERE id = 1' }, stack, 'test-f0', 'lock album 1');
      const blocked = await bump(1);
      expect(blocked.errno).toBe(1205); // ER_LOCK_WAIT_TIMEOUT
      expect(blocked.ms).toBeGreaterThanOrEqual(900);
      const other = await bump(2);
      expect(other).toMatchObject({ errno: 0 });
      expect(other.ms).toBeLessThan(500);
      await fault.heal();
      const after = await bump(1);
      expect(after.errno).toBe(0);
      expect(after.ms).toBeLessThan(500);
    });
    expect(await newProcesses(before)).toEqual([]);
  });
});

describe('MariaDB servers side by side', () => {
  // Runs side by side on one machine share TMPDIR; MariaDB keeps its temporary tables there, and a
  // server starting removed those of another initialising its datadir ("Unknown table
  // 'mysql.tmp_user_sys'"; this test failed once in three before each server had its own tmpdir).
  it('six started a moment apart, sharing TMPDIR (one starting while another initialises), each initialise their datadir and answer', async () => {
    const before = stackProcesses();
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (i) => {
        await new Promise((r) => setTimeout(r, i * 250));
        await withPhotoDb(async (stack) => {
          const db = stack.parts.get('db');
          if (db?.kind !== 'mariadb') throw new Error('no db');
          const conn = await mysql.createConnection({ host: '127.0.0.1', port: db.port, user: db.user, password: db.password, database: db.database });
          try {
            const [rows] = await conn.query('SELECT COUNT(*) AS n FROM albums');
            expect((rows as { n: number }[])[0]?.n).toBeGreaterThan(0);
          } finally {
            await conn.end();
          }
        });
      }),
    );
    expect(await newProcesses(before)).toEqual([]);
  }, 120_000);
});

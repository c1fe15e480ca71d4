import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { LEDGER_DIR, sweepRecord } from '../../harness/core/ledger.ts';
import { diskSpace, isMounted, mountSized, mountsNow } from '../../harness/core/mount.ts';
import { applyFault } from '../../harness/faults/index.ts';
import { stackPlan, startContainerStack, startStack, type ResolvedPart, type StartedStack } from '../../harness/stack/index.ts';
import type { ResolvedMariaDb } from '../../harness/stack/parts/mariadb.ts';
import { containerEngine, containersLeft, deadRunLedger, interruptedRun, photoDbPart } from './helpers.ts';

/** The photo database with its data on a 200 MB filesystem of its own, as a diskFull fault on it makes it. */
const dbOnItsOwnDisk = (): ResolvedPart => ({ ...(photoDbPart() as ResolvedMariaDb), dataDiskBytes: 200e6 });

const brownoutMounts = () => mountsNow().filter((m) => m.device.startsWith('brownout-'));

/**
 * Under diskFull, rows of 2 KB are inserted until MariaDB refuses one: what its error is and how
 * long the refused insert took; after heal the same insert goes through. (Rows with an off-page
 * BLOB, 256 KB each, crashed MariaDB 10.11 instead: "[FATAL] InnoDB: Error (Out of disk space) in
 * rollback", signal 6 — measured here, and what a team with such rows would meet.)
 */
async function fillAndHeal(backend: string, stack: StartedStack): Promise<void> {
  const db = stack.parts.get('db');
  if (db?.kind !== 'mariadb') throw new Error('no db');
  const c = await db.adminConnection();
  try {
    await c.query('CREATE TABLE app.blobs (id INT AUTO_INCREMENT PRIMARY KEY, b LONGBLOB) ENGINE=InnoDB');
    const insert = (conn: mysql.Connection) => conn.query('INSERT INTO app.blobs (b) VALUES (REPEAT(?, 2000))', ['x']);
    await insert(c);
    const fault = await applyFault({ type: 'diskFull', part: 'db', bytes: 200e6 }, stack, 'test', 'diskFull db');
    let refused: { code?: string; errno?: number; message: string; ms: number; after: number } | undefined;
    try {
      for (let i = 0; i < 20_000 && !refused; i++) {
        const t0 = Date.now();
        try {
          await insert(c);
        } catch (e) {
          const err = e as { code?: string; errno?: number; message: string };
          refused = { code: err.code, errno: err.errno, message: err.message, ms: Date.now() - t0, after: i };
        }
      }
    } finally {
      await fault.heal();
    }
    console.log(`${backend}: refused after ${refused?.after} inserts of 2 KB, in ${refused?.ms} ms: ${refused?.errno} ${refused?.code} ${refused?.message}`);
    // InnoDB's answer to a tablespace it cannot extend: error 1114, at once, not a wait.
    expect(refused).toMatchObject({ errno: 1114, code: 'ER_RECORD_FILE_FULL', message: "The table 'blobs' is full" });
    expect(refused?.ms).toBeLessThan(2000);
    // Healed: space again, and the same insert goes through.
    await insert(c);
  } finally {
    await c.end();
  }
}

describe('diskFull({ part }): the part’s data on a filesystem of its own, filled to ENOSPC and emptied at heal', () => {
  it('locally: a tmpfs of the run over the datadir, MariaDB’s own error at the fault, gone after teardown', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-disk-'));
    const cleanup = new CleanupList();
    const started = { pids: [], processes: [], ports: [], sinceTick: 0, mounts: [] as string[] };
    try {
      const stack = await startStack([dbOnItsOwnDisk()], [], { runId: `disk${Date.now()}`, dir, cleanup, started });
      const datadir = stack.parts.get('db')?.dataDisk ?? '';
      expect(started.mounts).toEqual([datadir]);
      expect(isMounted(datadir)).toBe(true);
      expect((await diskSpace(datadir)).total).toBeGreaterThanOrEqual(200e6);
      await fillAndHeal('local', stack);
      // Emptied: the filler is gone, MariaDB's files stay.
      expect((await diskSpace(datadir)).free).toBeGreaterThan(50e6);
    } finally {
      expect(await cleanup.releaseAll()).toEqual([]);
      if (!process.env['KEEP']) rmSync(dir, { recursive: true, force: true });
    }
    expect(started.mounts.filter(isMounted)).toEqual([]);
    expect(brownoutMounts()).toEqual([]);
  }, 90_000);

  it('on containers: a tmpfs of that size at /var/lib/mysql, the same error, nothing left in the engine', async (ctx) => {
    const engine = await containerEngine();
    if (!engine.found) return ctx.skip(engine.reason);
    const plan = stackPlan([dbOnItsOwnDisk()], [], `disk${Date.now()}`, { dbPassword: (p) => `test-${p}` });
    expect(plan.containers[0]?.dataDisk).toEqual({ target: '/var/lib/mysql', bytes: 200e6 });
    const stack = await startContainerStack(plan, { dbPassword: (p) => `test-${p}` });
    try {
      await fillAndHeal('containers', stack);
    } finally {
      await stack.stop();
    }
    expect(await containersLeft()).toEqual([]);
  }, 240_000);

  it('a run killed outright leaves its mount to the sweep, which unmounts it by the path its ledger recorded', async () => {
    const { runId, ledger } = await deadRunLedger();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-disk-sweep-'));
    ledger.addDir(dir);
    const datadir = path.join(dir, 'db', 'data');
    await mountSized(`${runId}-db`, datadir, 32e6, (d) => ledger.addMount(d));
    expect(isMounted(datadir)).toBe(true);
    const removed = await sweepRecord(ledger.file);
    expect(removed).toEqual([`${runId}: mount ${datadir}`, `${runId}: temp dir ${dir}`]);
    expect(isMounted(datadir)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(ledger.file)).toBe(false);
  }, 30_000);

  it('SIGINT mid-fault: the run heals, unmounts, and leaves no mount and no record behind (exit 2)', async () => {
    const reports = mkdtempSync(path.join(os.tmpdir(), 'brownout-disk-int-'));
    const records = () => (existsSync(LEDGER_DIR) ? readdirSync(LEDGER_DIR).filter((f) => f.endsWith('.json')) : []);
    const before = records();
    try {
      const { code, stderr } = await interruptedRun(['scenarios/disk-full.ts', '--mode', 'fixed', '--reports', reports], 'SIGINT', /apply diskFull db/);
      expect(stderr).toContain('interrupted by SIGINT');
      expect(stderr).not.toContain('could not clean up');
      expect(code).toBe(2);
      expect(brownoutMounts()).toEqual([]);
      expect(records()).toEqual(before);
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  }, 120_000);
});

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/index.ts';
import { newProcesses, runTempDirs, stackProcesses } from './helpers.ts';

const SCENARIO = 'scenarios/slow-transaction.ts';

// The harness is proven both ways: the fixed fixture passes the gate, the broken one fails it.
describe('slow-transaction scenario on the real stack', () => {
  it('fixed mode passes the gate and leaves nothing behind', async () => {
    const before = stackProcesses();
    const dirs = runTempDirs();
    const o = await runScenario({ scenarioFile: SCENARIO, mode: 'fixed', reportsDir: 'reports/test' });
    const failed = o.result?.judgement.expectations.filter((x) => !x.passed).map((x) => `${x.phase} ${x.source}: ${x.measured ?? x.note}`);
    expect(o.error).toBeUndefined();
    expect(failed).toEqual([]);
    expect(o.exitCode).toBe(0);
    expect(o.toxicsLeft).toEqual([]);
    expect(o.cleanupFailures).toEqual([]);
    expect(newProcesses(before)).toEqual([]);
    expect(runTempDirs()).toEqual(dirs);
    const dir = o.reportDir ?? '';
    expect(existsSync(path.join(dir, 'summary.md'))).toBe(true);
    // CI reads this one: a testcase per expectation, none failed.
    const junit = readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="slow-transaction \(fixed\)" tests="\d+" failures="0" errors="0"/);
    const result = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as { versions: Record<string, string>; timeline: unknown[] };
    expect(Object.keys(result.versions).sort()).toEqual(['haproxy', 'k6', 'mariadb', 'toxiproxy']);
    expect(result.timeline).toHaveLength(5);
    // Every upload is classed by its key: each 201 is in the database once, no failure committed.
    const w = o.result?.judgement.writes?.attempts;
    const uploads = (o.result?.judgement.phases ?? []).filter((p) => !p.fault).map((p) => p.byName['upload']);
    const sent = uploads.reduce((n, f) => n + (f?.count ?? 0), 0);
    const created = uploads.reduce((n, f) => n + (f?.statuses['201'] ?? 0), 0);
    expect(created).toBeGreaterThan(300);
    expect(w?.counts).toEqual({ ok: created, lost: 0, committed_after_failure: 0, failed: sent - created, duplicated: 0 });
    expect(o.result?.judgement.writes?.lost).toBe(0);
    // A sound ladder: the service gives up on a lock (1 s) before the gateway gives up on it (3 s).
    expect(o.result?.ladder?.warnings).toEqual([]);
  });

  it('broken mode fails the gate with at least half of the uploads answered 503 in the fault phase', async () => {
    const before = stackProcesses();
    const o = await runScenario({ scenarioFile: SCENARIO, mode: 'broken', reportsDir: 'reports/test' });
    expect(o.error).toBeUndefined();
    expect(o.exitCode).toBe(1);
    const fault = o.result?.judgement.phases.find((p) => p.phase === 'fault');
    const uploads = fault?.byName['upload'];
    const rate503 = (uploads?.statuses['503'] ?? 0) / (uploads?.count ?? 1);
    expect(rate503).toBeGreaterThanOrEqual(0.5);
    // Reads stay fine, as in the write-up.
    expect(fault?.byName['read']?.statuses['503'] ?? 0).toBe(0);
    const summary = readFileSync(path.join(o.reportDir ?? '', 'summary.md'), 'utf8');
    expect(summary).toMatch(/\| slow-thumbnails \| `rate\(503\)\{name:upload\} < 1%` \| \d+\.\d+% \[[^\]]+\] \| \d+ \| \*\*FAIL\*\* \|/);
    // The incident's hidden half: the gateway answered 503 at 3 s, the transaction went on and
    // committed. Every such upload is one the client heard fail (no 2xx) and is in the database.
    const w = o.result?.judgement.writes?.attempts;
    const committed = w?.byPhase['slow-thumbnails']?.committed_after_failure ?? 0;
    const failedUploads = (fault?.byName['upload']?.count ?? 0) - (fault?.byName['upload']?.statuses['201'] ?? 0);
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThanOrEqual(failedUploads);
    expect(o.result?.judgement.expectations.find((x) => x.phase === 'slow-thumbnails' && x.source === 'committed_after_failure == 0')).toMatchObject({
      passed: false,
      measured: committed,
    });
    expect(w?.examples.committed_after_failure?.length).toBeGreaterThan(0);
    expect(summary).toContain('## Writes');
    // The incident's inverted ladder, and the uploads' 503s put on the gateway's timeout.
    expect(o.result?.ladder?.warnings).toEqual([
      "db's innodb_lock_wait_timeout (5.00s) is longer than edge's server timeout → 503 (3.00s) on k6 → edge → app → db: edge gives up while the work behind it goes on",
    ]);
    expect(o.result?.ladder?.gaveUp.find((g) => g.name === 'upload' && g.status === 503)?.who).toBe('edge: server timeout → 503 (3.00s)');
    expect(summary).toContain('**inverted:**');
    expect(w?.counts.lost).toBe(0);
    expect(o.toxicsLeft).toEqual([]);
    expect(newProcesses(before)).toEqual([]);
  });

  it('a fixture that acknowledges before its commit is caught by the lost-write check', async () => {
    const o = await runScenario({ scenarioFile: SCENARIO, mode: 'ack-early', reportsDir: 'reports/test' });
    expect(o.error).toBeUndefined();
    expect(o.exitCode).toBe(1);
    const w = o.result?.judgement.writes?.attempts;
    expect(w?.counts.lost).toBeGreaterThan(0);
    const lost = o.result?.judgement.expectations.find((x) => x.source === 'lost_writes == 0');
    expect(lost).toMatchObject({ phase: 'overall', passed: false, measured: w?.counts.lost });
    expect(w?.examples.lost?.length).toBeGreaterThan(0);
  });
});

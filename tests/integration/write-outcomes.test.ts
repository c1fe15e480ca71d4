import { describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../harness/index.ts';
import { runModes } from './helpers.ts';

const SCENARIO = 'tests/integration/scenarios/photo-retries.ts';

// Clients that retry a 503 with the same key: the broken service's first try commits after the
// gateway gave up, the retry inserts again. Proven both ways, on the real stack; and a service that
// acknowledges before it commits.
// The three modes run side by side, once (each on its own stack; helpers.ts runModes, which also
// checks that none left a process or temp dir); each test reads its own.
const MODES = ['broken', 'fixed', 'ack-early'] as const;
let allRuns: Promise<Map<string, RunOutcome>> | undefined;
const run = async (mode: (typeof MODES)[number]): Promise<RunOutcome> => {
  allRuns ??= runModes('local', SCENARIO, MODES);
  return (await allRuns).get(mode) as RunOutcome;
};

describe('write outcomes on the real stack', () => {
  it('broken: a retried upload whose first try committed after its 503 is caught as a duplicate', async () => {
    const o = await run('broken');
    expect(o.error?.message).toBeUndefined();
    expect(o.exitCode).toBe(1);
    const w = o.result?.judgement.writes?.attempts;
    const retries = (o.result?.judgement.phases ?? []).filter((p) => !p.fault).reduce((n, p) => n + (p.byName['upload-retry']?.count ?? 0), 0);
    expect(retries).toBeGreaterThan(0);
    // A duplicate needs a retry: never more of them than keys retried.
    expect(w?.counts.duplicated).toBeGreaterThan(0);
    expect(w?.counts.duplicated).toBeLessThanOrEqual(retries);
    expect(w?.examples.duplicated?.length).toBeGreaterThan(0);
    const dup = o.result?.judgement.expectations.find((x) => x.source === 'duplicate_writes == 0');
    expect(dup).toMatchObject({ phase: 'overall', passed: false, measured: w?.counts.duplicated });
    expect(o.toxicsLeft).toEqual([]);
  });

  it('fixed: every upload once, none committed after a failure', async () => {
    const o = await run('fixed');
    expect(o.error?.message).toBeUndefined();
    const failed = o.result?.judgement.expectations.filter((x) => !x.passed).map((x) => `${x.phase} ${x.source}: ${x.measured ?? x.note}`);
    expect(failed).toEqual([]);
    expect(o.exitCode).toBe(0);
    const w = o.result?.judgement.writes?.attempts;
    const uploads = (o.result?.judgement.phases ?? []).filter((p) => !p.fault).reduce((n, p) => n + (p.byName['upload']?.count ?? 0), 0);
    expect(w?.counts).toEqual({ ok: uploads, lost: 0, committed_after_failure: 0, failed: 0, duplicated: 0 });
  });

  // The photo fixture's third mode (slow-transaction's `make chaos MODE=ack-early` too), here on this
  // scenario's 20 s window: the check is the write outcome, not the incident.
  it('ack-early: a service that answers 201 before its commit, then rolls back, is caught as lost writes', async () => {
    const o = await run('ack-early');
    expect(o.error?.message).toBeUndefined();
    expect(o.exitCode).toBe(1);
    const w = o.result?.judgement.writes?.attempts;
    expect(w?.counts.lost).toBeGreaterThan(0);
    const lost = o.result?.judgement.expectations.find((x) => x.source === 'lost_writes == 0');
    expect(lost).toMatchObject({ phase: 'overall', passed: false, measured: w?.counts.lost });
    expect(w?.examples.lost?.length).toBeGreaterThan(0);
    expect(o.toxicsLeft).toEqual([]);
  });
});

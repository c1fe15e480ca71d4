import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../harness/index.ts';
import { containerEngine, ranClean, runAll } from './helpers.ts';

// Each incident, proven both ways on both backends: the same scenario files, the same reasons.
export type Backend = 'local' | 'containers';

const failedOf = (o: RunOutcome) => o.result?.judgement.expectations.filter((x) => !x.passed).map((x) => `${x.phase} ${x.source}`) ?? [];
const figure = (o: RunOutcome, phase: string, source: string) => o.result?.judgement.expectations.find((x) => x.phase === phase && x.source === source);

// Locally (incidents.test.ts) each incident runs both ways: fixed passes, broken fails for its
// incident's reason. On containers (incidents-containers.test.ts) a fixed run is there for what only
// a whole run on containers shows: crash-recovery (a service under pm2-runtime in its container:
// freeze, a poisoned request and a kill reach its worker; PM2 restarts it; connections and lost
// writes read from the container's MariaDB) and lb-failover (two instances behind the gateway's
// container, the dead one's ejection read from HAProxy's stats over TCP). The others' timelines
// are fault actions containers.test.ts applies on containers one by one and checks by their effect
// (HTTP errors through the link's proxy container and its call counter, the cache flush, the
// restart, the toxics), with slow-transaction through the CLI both ways; their reasons are their
// fixtures' code, the same on both backends and proven here locally. (Each fixed run on containers
// was ~50 s of the suite, and their tight latency figures were the lane's flakes on a VM with steal.)
/**
 * Locally two incidents' four runs go side by side where that leaves the machine idle enough:
 * dependency-outage with cold-cache (20 requests/s each; the machine 37% busy, measured 2026-12-04).
 * The others run alone (their two modes side by side): lb-failover (40/s) and retry-storm (50/s)
 * together kept the machine 70% busy, and the broken retry-storm's HTTP proxy counter went unread
 * for its whole recovery phase; crash-recovery with search-backlog passed here (20-26% busy) but
 * on a CI machine search-backlog's load fell short of its schedule (1.25 searches/s of the shed's
 * 3 in the fixed run, 67.6 requests/s of 75 in the broken one, 2026-12-04), the runs still trusted.
 */
const LOCAL_PAIRS = [['scenarios/dependency-outage.ts', 'scenarios/cold-cache.ts']];

/** On containers the two fixed runs go side by side. */
const CONTAINER_PAIRS = [['scenarios/crash-recovery.ts', 'scenarios/lb-failover.ts']];

export function incidentTests(backend: Backend): void {
  let engine: Awaited<ReturnType<typeof containerEngine>> | undefined;
  if (backend === 'containers')
    beforeAll(async () => {
      engine = await containerEngine();
    });
  // Locally both modes of two incidents run side by side (runAll, LOCAL_PAIRS), once for their four
  // tests; on containers the fixed mode alone.
  const modes = backend === 'local' ? ['fixed', 'broken'] : ['fixed'];
  const started = new Map<string, Promise<Map<string, RunOutcome>>>();
  const run = async (ctx: { skip: (note?: string) => void }, file: string, mode: string): Promise<RunOutcome> => {
    if (engine && !engine.found) ctx.skip(engine.reason);
    const group = (backend === 'local' ? LOCAL_PAIRS : CONTAINER_PAIRS).find((g) => g.includes(file)) ?? [file];
    const key = group.join(' ');
    const both =
      started.get(key) ??
      runAll(
        backend,
        group.flatMap((f) => modes.map((m) => ({ file: f, mode: m }))),
      );
    started.set(key, both);
    const o = (await both).get(`${file}#${mode}`);
    if (!o) throw new Error(`${file}: no ${mode} run on ${backend}`);
    return ranClean(o);
  };
  /** The broken mode's test: local only (above). */
  const broken = backend === 'local' ? it : () => undefined;
  /** The incidents not run whole on containers (above). */
  const localOnly = backend === 'local' ? describe : () => undefined;

  localOnly(`${backend}: dependency-outage`, () => {
    const FILE = 'scenarios/dependency-outage.ts';
    it('fixed: bounded answers (503 for the database, 504 for the vendor), nothing hangs, recovers', async (ctx) => {
      const o = await run(ctx, FILE, 'fixed');
      expect(failedOf(o)).toEqual([]);
      expect(o.exitCode).toBe(0);
      const fault = o.result?.judgement.phases.find((p) => p.phase === 'fault')?.all;
      // Both failure kinds are seen and named apart.
      expect(fault?.statuses['503'] ?? 0).toBeGreaterThan(20);
      expect(fault?.statuses['504'] ?? 0).toBeGreaterThan(20);
      expect(fault?.statuses['no_response'] ?? 0).toBe(0);
      // While the vendor answered errors: honest 504s, every 200 with its price (the load script's check).
      const vendor = o.result?.judgement.phases.find((p) => p.phase === 'vendor-errors')?.all;
      expect(vendor?.statuses['504'] ?? 0).toBeGreaterThan(40);
      expect(figure(o, 'vendor-errors', 'rate(checks){check:a 200 has its price} == 100%')).toMatchObject({ passed: true, measured: 1 });
      expect(o.result?.judgement.checks ?? []).toEqual([]);
    });
    broken('broken: requests hang until the load tool gives up', async (ctx) => {
      const o = await run(ctx, FILE, 'broken');
      expect(o.exitCode).toBe(1);
      expect(figure(o, 'fault', 'rate(no_response) == 0')?.passed).toBe(false);
      expect(figure(o, 'fault', 'rate(no_response) == 0')?.measured).toBeGreaterThan(0.05);
      // The slowest requests ran into the load tool's 5 s limit.
      expect(figure(o, 'fault', 'p99 < 3500ms')?.measured).toBeGreaterThanOrEqual(4900);
      // Its correctness half: while the vendor answered errors, fast 200s with the item priced 0.
      // Nothing hung and no 5xx there: only the load script's check on the body fails.
      const vendor = o.result?.judgement.phases.find((p) => p.phase === 'vendor-errors')?.all;
      expect(vendor?.statuses['200'] ?? 0).toBeGreaterThan(40);
      expect(figure(o, 'vendor-errors', 'rate(no_response) == 0')?.passed).toBe(true);
      const check = figure(o, 'vendor-errors', 'rate(checks){check:a 200 has its price} == 100%');
      expect(check?.passed).toBe(false);
      expect(check?.measured).toBeLessThan(0.2);
      // The report names the failing check, with how often it failed in that phase.
      const failing = o.result?.judgement.checks?.find((c) => c.phase === 'vendor-errors' && c.check === 'a 200 has its price');
      expect(failing?.fails).toBeGreaterThan(40);
      const summary = readFileSync(path.join(o.reportDir ?? '', 'summary.md'), 'utf8');
      expect(summary).toContain('## Failing checks');
      expect(summary).toMatch(new RegExp(`\\| vendor-errors \\| a 200 has its price \\| ${failing?.fails} \\| \\d+ \\|`));
    });
  });

  localOnly(`${backend}: memory-leak`, () => {
    const FILE = 'scenarios/memory-leak.ts';
    const app = (o: RunOutcome, phase: string) => o.result?.judgement.parts?.find((p) => p.phase === phase && p.part === 'app');
    it('fixed: memory flat under the container’s limit (the leak fixed, PM2’s ceiling a safety net), every request answered', async (ctx) => {
      const o = await run(ctx, FILE, 'fixed');
      expect(failedOf(o)).toEqual([]);
      expect(o.exitCode).toBe(0);
      expect(figure(o, 'ceiling', 'rate(failed) < 0.5%')?.measured).toBe(0);
      expect(app(o, 'ceiling')?.maxMb).toBeLessThan(240);
    });
    broken('broken: memory grows with every request until the OOM killer ends it mid-traffic, and nothing starts it again', async (ctx) => {
      const o = await run(ctx, FILE, 'broken');
      expect(o.exitCode).toBe(1);
      // The leak as a figure: hundreds of MB a minute (256 KB a request, 40 requests a second).
      expect(figure(o, 'ceiling', 'growth(rss){part:app} < 30MB/min')?.measured).toBeGreaterThan(200);
      // Killed, and not started again: the gateway answers 502 from then on, to the end of the load.
      expect(figure(o, 'ceiling', 'rate(failed) < 0.5%')?.measured).toBeGreaterThan(0.2);
      const after = o.result?.judgement.phases.find((p) => p.phase === 'recovery')?.all;
      expect(after?.statuses['502']).toBe(after?.count);
      // The kill is in the run's timeline, under the memory fault: the kernel's SIGKILL.
      const exit = o.result?.timeline.find((e) => e.kind === 'exit');
      expect(exit?.label).toBe('app killed by SIGKILL');
      expect(exit?.offsetMs).toBeGreaterThan(2000);
    });
  });

  localOnly(`${backend}: disk-full`, () => {
    const FILE = 'scenarios/disk-full.ts';
    const writes = (o: RunOutcome) => o.result?.judgement.phases.find((p) => p.phase === 'disk-full')?.byName['write'];
    it('fixed: a write the full disk refuses is answered 503 at once, the reads go on, writes succeed again after the heal', async (ctx) => {
      const o = await run(ctx, FILE, 'fixed');
      expect(failedOf(o)).toEqual([]);
      expect(o.exitCode).toBe(0);
      // MariaDB's refusal reached the client as an honest 503, for nearly every write while the disk was full.
      expect((writes(o)?.statuses['503'] ?? 0) / (writes(o)?.count ?? 1)).toBeGreaterThan(0.8);
      expect(o.result?.judgement.phases.find((p) => p.phase === 'recovery')?.all.statuses['201']).toBeGreaterThan(100);
    });
    broken('broken: every write retried until the gateway gives up (504 after 3 s)', async (ctx) => {
      const o = await run(ctx, FILE, 'broken');
      expect(o.exitCode).toBe(1);
      expect(figure(o, 'disk-full', 'p95{name:write} < 500ms')?.measured).toBeGreaterThanOrEqual(2900);
      expect((writes(o)?.statuses['504'] ?? 0) / (writes(o)?.count ?? 1)).toBeGreaterThan(0.5);
      expect(figure(o, 'disk-full', 'rate(2xx){name:read} == 100%')?.passed).toBe(true);
    });
  });

  describe(`${backend}: crash-recovery`, () => {
    const FILE = 'scenarios/crash-recovery.ts';
    it('fixed: PM2 restarts it within 3 s, availability >= 98% (its failures all in the restart), no leaked connections', async (ctx) => {
      const o = await run(ctx, FILE, 'fixed');
      expect(failedOf(o)).toEqual([]);
      expect(o.exitCode).toBe(0);
      expect(figure(o, 'recovery', 'recovery < 3s')?.measured).toBeLessThan(3000);
      expect(figure(o, 'overall', 'connections{db:db} <= 10')?.measured).toBeLessThanOrEqual(10);
    });
    broken('broken: the poisoned request kills it and nothing brings it back', async (ctx) => {
      const o = await run(ctx, FILE, 'broken');
      expect(o.exitCode).toBe(1);
      expect(figure(o, 'recovery', 'recovery < 3s')).toMatchObject({ passed: false });
      expect(figure(o, 'overall', 'rate(failed) < 2%')?.measured).toBeGreaterThan(0.3);
    });
  });

  localOnly(`${backend}: cold-cache`, () => {
    const FILE = 'scenarios/cold-cache.ts';
    it('fixed: after a flush and a restart, the first requests find their channel (DB fallback), no 503', async (ctx) => {
      const o = await run(ctx, FILE, 'fixed');
      expect(failedOf(o)).toEqual([]);
      expect(o.exitCode).toBe(0);
      expect(figure(o, 'overall', 'rate(2xx){first:1s} >= 99.9%')).toMatchObject({ measured: 1, passed: true });
      expect(figure(o, 'overall', 'rate(2xx){first:1s} >= 99.9%')?.requests).toBeGreaterThanOrEqual(30);
    });
    broken('broken: the first requests after each reset get 503 "no available channel"', async (ctx) => {
      const o = await run(ctx, FILE, 'broken');
      expect(o.exitCode).toBe(1);
      expect(figure(o, 'overall', 'rate(2xx){first:1s} >= 99.9%')?.measured).toBeLessThan(0.9);
      expect(figure(o, 'overall', 'rate(503) < 0.1%')?.measured).toBeGreaterThan(0.01);
    });
  });

  describe(`${backend}: lb-failover`, () => {
    const FILE = 'scenarios/lb-failover.ts';
    const gatewayEvents = (o: RunOutcome) => o.result?.timeline.filter((e) => e.kind === 'gateway').map((e) => e.label) ?? [];
    it('fixed: HAProxy ejects the dead leader within 2 s, the follower takes the lock, jobs flow again within 5 s', async (ctx) => {
      const o = await run(ctx, FILE, 'fixed');
      expect(failedOf(o)).toEqual([]);
      expect(o.exitCode).toBe(0);
      expect(figure(o, 'overall', 'ejection{part:app1} < 2s')?.measured).toBeLessThan(2000);
      expect(figure(o, 'recovery', 'recovery{name:job} < 5s')?.measured).toBeLessThan(5000);
      // Read from HAProxy's stats socket: the dead instance leaves both backends, the follower becomes the leader.
      expect(gatewayEvents(o)).toEqual(
        expect.arrayContaining(['edge: app1 DOWN (backend app)', 'edge: app1 DOWN (backend leader)', 'edge: app2 UP (backend leader)']),
      );
      // Jobs were accepted after the kill, so by app2: the lock moved.
      const after = o.result?.judgement.phases.find((p) => p.phase === 'recovery')?.byName['job'];
      expect(after?.statuses['201'] ?? 0).toBeGreaterThan(100);
    });
    broken('broken: 502s until the slow checks eject the dead leader, then 503 "not leader" for good', async (ctx) => {
      const o = await run(ctx, FILE, 'broken');
      expect(o.exitCode).toBe(1);
      // Checks every 3 s, 3 failures: the dead instance takes traffic for 6 s or more.
      expect(figure(o, 'overall', 'ejection{part:app1} < 2s')?.measured).toBeGreaterThan(5000);
      expect(figure(o, 'recovery', 'rate(502){first:5s} < 1%')?.measured).toBeGreaterThan(0.05);
      expect(figure(o, 'overall', 'rate(503) < 1%')?.measured).toBeGreaterThan(0.05);
      expect(figure(o, 'recovery', 'recovery{name:job} < 5s')).toMatchObject({ passed: false, measured: undefined });
      // No other instance ever leads.
      expect(gatewayEvents(o)).not.toContain('edge: app2 UP (backend leader)');
    });
  });

  localOnly(`${backend}: retry-storm`, () => {
    const FILE = 'scenarios/retry-storm.ts';
    const phase = (o: RunOutcome, name: string) => o.result?.judgement.phases.find((p) => p.phase === name)?.all;
    it("fixed: the provider's 30% of 503s show through to about a sixth of checkouts, fast; nobody waits for the gateway", async (ctx) => {
      const o = await run(ctx, FILE, 'fixed');
      expect(failedOf(o)).toEqual([]);
      expect(o.exitCode).toBe(0);
      // The HTTP fault was applied and healed on the link to the provider.
      expect(o.result?.timeline.filter((e) => e.kind === 'apply' || e.kind === 'heal').map((e) => `${e.kind} ${e.label}`)).toEqual([
        'apply HTTP 503 for 30% of requests on app→payments',
        'heal HTTP 503 for 30% of requests on app→payments',
      ]);
      // Some checkouts did fail (the provider's errors are real), a bounded share of them.
      const share = figure(o, 'payments-503', 'rate(5xx) < 25%')?.measured ?? 0;
      expect(share).toBeGreaterThan(0.05);
      expect(share).toBeLessThan(0.25);
      // Counted on the link's HTTP proxy: retries happened, within the budget; after the heal one call per checkout.
      const calls = figure(o, 'payments-503', 'upstream_calls_per_request{link:app→payments} < 1.3')?.measured ?? 0;
      expect(calls).toBeGreaterThan(1.05);
      expect(calls).toBeLessThan(1.3);
      expect(figure(o, 'recovery', 'upstream_calls_per_request{link:app→payments} < 1.1')?.measured).toBeCloseTo(1, 1);
    });
    broken('broken: retries inside the transaction drain the pool: most checkouts time out at the gateway', async (ctx) => {
      const o = await run(ctx, FILE, 'broken');
      expect(o.exitCode).toBe(1);
      // Far more than the provider's own 30%: the checkouts whose charge would have gone through fail too.
      expect(figure(o, 'payments-503', 'rate(5xx) < 25%')?.measured).toBeGreaterThan(0.4);
      expect(figure(o, 'payments-503', 'p95 < 500ms')?.measured).toBeGreaterThanOrEqual(2900);
      // The gateway's timeout (answered 503), not the provider's 503s passed on.
      expect(phase(o, 'payments-503')?.statuses['503'] ?? 0).toBeGreaterThan(100);
      // After the heal the backlog's retries still run: more than one payment call per checkout.
      expect(figure(o, 'recovery', 'upstream_calls_per_request{link:app→payments} < 1.1')).toMatchObject({ passed: false });
      expect(figure(o, 'recovery', 'upstream_calls_per_request{link:app→payments} < 1.1')?.measured).toBeGreaterThan(1.1);
    });
  });

  localOnly(`${backend}: search-backlog (metastability: a load shed after the heal)`, () => {
    const FILE = 'scenarios/search-backlog.ts';
    /** Requests per second and their share of 5xx over the buckets starting in [fromMs, toMs) of the load. */
    const span = (o: RunOutcome, fromMs: number, toMs: number) => {
      const pts = o.result?.series?.points.filter((p) => p.tMs >= fromMs && p.tMs < toMs) ?? [];
      const count = pts.reduce((n, p) => n + p.count, 0);
      const failed = pts.reduce((n, p) => n + Object.entries(p.statuses).reduce((m, [code, k]) => m + (code.startsWith('5') ? k : 0), 0), 0);
      return { perSecond: count / ((toMs - fromMs) / 1000), failed: count ? failed / count : 0 };
    };
    it('fixed: recovered at load, before any traffic is drained; the shed sends a tenth of the rate', async (ctx) => {
      const o = await run(ctx, FILE, 'fixed');
      expect(failedOf(o)).toEqual([]);
      expect(o.exitCode).toBe(0);
      expect(o.result?.judgement.recovery?.shed?.verdict).toBe('at load');
      const shed = o.result?.load.shed;
      expect(shed).toMatchObject({ fromMs: 19_000, toMs: 33_000, rate: 3 });
      // The load step is real: 3/s while shed (no retries: nothing fails), 25/s again after it.
      expect(span(o, 20_000, 32_000).perSecond).toBeCloseTo(3, 0);
      const after = span(o, 34_000, 43_000);
      expect(after.perSecond).toBeCloseTo(25, 0);
      expect(after.failed).toBe(0);
    });
    broken('broken: still down at full load 6 s after the heal (every search retried, every answer too late); recovers only once shed', async (ctx) => {
      const o = await run(ctx, FILE, 'broken');
      expect(o.exitCode).toBe(1);
      const rc = o.result?.judgement.recovery;
      expect(rc?.shed?.verdict).toBe('after shed');
      expect(rc?.recoveryMs).toBeGreaterThan(rc?.shed?.shedAfterMs ?? Infinity);
      expect(figure(o, 'recovery', 'recovery < 3s')?.note).toMatch(/^recovered only after the load was shed to 10%/);
      // At the offered load after the heal: three requests per search (two retries), all of them failed.
      const atLoad = span(o, 14_000, 19_000);
      expect(atLoad.failed).toBe(1);
      expect(atLoad.perSecond).toBeGreaterThan(70);
      // Once the load is back after the shed, it holds.
      const after = span(o, 34_000, 43_000);
      expect(after.perSecond).toBeCloseTo(25, 0);
      expect(after.failed).toBe(0);
    });
  });
}

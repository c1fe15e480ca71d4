import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../harness/index.ts';
import { LatencyHistogram, phaseOf, type Phase } from '../../harness/metrics/index.ts';
import { faultWindows, type RunResult } from '../../harness/report/index.ts';
import { readLog } from '../../harness/replay/index.ts';
import { runModes } from './helpers.ts';

const SCENARIO = 'scenarios/slow-transaction.ts';

// Both modes run side by side, once (each on its own stack and ports; helpers.ts runModes, which also
// checks that neither left a process or temp dir): the fixed run serves the first test, the broken
// run the other two (the gate's verdict and the check against the gateway's own log).
let bothRuns: Promise<Map<string, RunOutcome>> | undefined;
const runs = async () => {
  bothRuns ??= runModes('local', SCENARIO, ['fixed', 'broken']);
  const m = await bothRuns;
  return { fixed: m.get('fixed') as RunOutcome, broken: m.get('broken') as RunOutcome };
};

function percentile(durations: readonly number[], p: number): number {
  const h = new LatencyHistogram();
  for (const d of durations) h.record(d);
  return h.percentileMs(p);
}
const p95 = (durations: readonly number[]) => percentile(durations, 95);

// The harness is proven both ways: the fixed fixture passes the gate, the broken one fails it.
describe('slow-transaction scenario on the real stack', () => {
  it('fixed mode passes the gate and leaves nothing behind', async () => {
    const { fixed: o } = await runs();
    const failed = o.result?.judgement.expectations.filter((x) => !x.passed).map((x) => `${x.phase} ${x.source}: ${x.measured ?? x.note}`);
    expect(o.error).toBeUndefined();
    expect(failed).toEqual([]);
    expect(o.exitCode).toBe(0);
    expect(o.toxicsLeft).toEqual([]);
    expect(o.cleanupFailures).toEqual([]);
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
    // The phases' uploads and the warm-up's (in no phase, its writes still checked).
    const uploads = [...(o.result?.judgement.phases ?? []).filter((p) => !p.fault), o.result?.judgement.warmUp].map((p) => p?.byName['upload']);
    const sent = uploads.reduce((n, f) => n + (f?.count ?? 0), 0);
    const created = uploads.reduce((n, f) => n + (f?.statuses['201'] ?? 0), 0);
    expect(created).toBeGreaterThan(300);
    expect(w?.counts).toEqual({ ok: created, lost: 0, committed_after_failure: 0, failed: sent - created, duplicated: 0 });
    expect(o.result?.judgement.writes?.lost).toBe(0);
    // A sound ladder: the service gives up on a lock (1 s) before the gateway gives up on it (3 s).
    expect(o.result?.ladder?.warnings).toEqual([]);
  });

  it('broken mode fails the gate with at least half of the uploads answered 503 in the fault phase', async () => {
    const { broken: o } = await runs();
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
  });

  /**
   * The phases checked against an independent witness: HAProxy's own access log of the broken run.
   * Each logged request (accept time, total time Ta, status) is put in a phase by the same rule, from
   * the gateway's own timestamps, with the fault windows the run recorded. slow-transaction's faults
   * start while uploads are in flight (a 4 s latency on app→imager, then a row lock), so the edges
   * are exercised on every run.
   */
  it('broken, against the gateway’s own log: per phase, the harness and HAProxy count the same requests and 5xx, and agree on p95 within the measured overhead', async () => {
    const { broken: o } = await runs();
    expect(o.error?.message).toBeUndefined();
    const r = o.result as RunResult;
    const windows = faultWindows(r.timeline);
    expect(windows.map((w) => w.label)).toHaveLength(2);
    const t0 = Date.parse(r.startedAt);

    // HAProxy logs its local time without a zone; this machine's (and CI's) zone is UTC.
    const log = await readLog(path.join(o.reportDir ?? '', 'logs', 'edge__haproxy.log'), { format: 'haproxy' });
    const logged = log.requests.filter((q) => q.arrivalMs >= t0 - 1000 && q.durationMs !== undefined);
    // The warm-up's requests (load.warmUp) are in no phase: at the gateway, those that arrived in it.
    const warmUpEnd = t0 + (r.judgement.warmUp?.ms ?? 0);
    expect(r.judgement.warmUp?.requests).toBeGreaterThan(0);
    const gw = logged.filter((q) => q.arrivalMs >= warmUpEnd);
    // Every request k6 sent reached the gateway and was answered there (no "no response" here).
    // HAProxy writes its log without blocking and drops a line when it cannot write it (seen here:
    // 3 of 1 801 once); it counts them (DroppedLogs, which the run records). Both see every request
    // but those: over the whole load (warm-up included) the counts agree exactly, less the lines
    // HAProxy says it dropped.
    // The four phases that split the run (each entry's own phase overlaps the fault phase).
    const phases = r.judgement.phases.filter((p) => !p.fault);
    const dropped = r.gatewayDroppedLogLines?.['edge'];
    expect(dropped).toBeDefined();
    const harnessAll = (r.judgement.warmUp?.requests ?? 0) + phases.reduce((n, p) => n + p.all.count, 0);
    expect(harnessAll - logged.length - (dropped ?? 0)).toBe(0);
    // The warm-up's end splits them alike but for a request k6 started just before it (the harness
    // puts it in the warm-up) that HAProxy took in just after it: on a busy machine later than 10 ms
    // (one such on CI, 2026-12-04). Those the gateway took in within 10 ms before or 100 ms after
    // (a few at 40/s) may cross; no other.
    const crossed = (r.judgement.warmUp?.requests ?? 0) - (logged.length - gw.length);
    const nearEnd = (arrivalMs: number) => arrivalMs - warmUpEnd >= -10 && arrivalMs - warmUpEnd <= 100;
    const nearWarmUpEnd = logged.filter((q) => nearEnd(q.arrivalMs)).length;
    expect(Math.abs(crossed)).toBeLessThanOrEqual(nearWarmUpEnd + (dropped ?? 0));
    // The gateway→client overhead, measured: how much longer k6 saw the median request than HAProxy did.
    const gatewayBaseline = gw.filter((q) => phaseOf(q.arrivalMs, q.arrivalMs + (q.durationMs ?? 0), windows) === 'baseline').map((q) => q.durationMs ?? 0);
    const overheadMs = (phases.find((p) => p.phase === 'baseline')?.all.p50Ms ?? 0) - percentile(gatewayBaseline, 50);
    expect(overheadMs).toBeGreaterThanOrEqual(-1);
    expect(overheadMs).toBeLessThan(5);
    // A request within the clocks' resolution of a fault's edge may fall on either side of it: HAProxy
    // logs whole ms (accept date and Ta), and k6's interval is the gateway's plus the overhead. Such a
    // request counts for the phase the harness put it in, by both accounts ("sure" is everything else).
    const slackMs = 3 + Math.max(0, overheadMs);
    const gateway = new Map<Phase, { count: number; sure: number; fivexx: number; sure5xx: number; durations: number[] }>();
    for (const q of gw) {
      const [a, e] = [q.arrivalMs, q.arrivalMs + (q.durationMs ?? 0)];
      const ph = phaseOf(a, e, windows);
      const sure =
        [
          phaseOf(a - slackMs, e + slackMs, windows),
          phaseOf(a + slackMs, Math.max(a + slackMs, e - slackMs), windows),
          phaseOf(a - slackMs, e - slackMs, windows),
          phaseOf(a + slackMs, e + slackMs, windows),
        ].every((p) => p === ph) &&
        Math.abs(a - warmUpEnd) > slackMs &&
        !nearEnd(a);
      const g = gateway.get(ph) ?? { count: 0, sure: 0, fivexx: 0, sure5xx: 0, durations: [] };
      g.count++;
      if (sure) g.sure++;
      if (q.status >= 500) g.fivexx++;
      if (q.status >= 500 && sure) g.sure5xx++;
      g.durations.push(q.durationMs ?? 0);
      gateway.set(ph, g);
    }
    const atEdges = [...gateway.values()].reduce((n, g) => n + g.count - g.sure, 0);
    const rows: string[] = [];
    for (const ph of phases) {
      const g = gateway.get(ph.phase as Phase) ?? { count: 0, sure: 0, fivexx: 0, sure5xx: 0, durations: [] };
      const harness5xx = Object.entries(ph.all.statuses)
        .filter(([s]) => Number(s) >= 500)
        .reduce((n, [, c]) => n + c, 0);
      rows.push(
        `${ph.phase}: harness ${ph.all.count} requests, ${harness5xx} 5xx, p95 ${ph.all.p95Ms.toFixed(1)} ms; gateway ${g.count} (${g.count - g.sure} at an edge), ${g.fivexx} 5xx, p95 ${p95(g.durations).toFixed(1)} ms`,
      );
      // Exactly, but for lines HAProxy dropped and requests at an edge: every request the gateway puts
      // surely in a phase, the harness counts there; beyond those, at most the edge requests and the
      // dropped lines (the totals over the whole load agree exactly, above).
      expect(ph.all.count - g.sure, rows.join('\n')).toBeGreaterThanOrEqual(0);
      expect(ph.all.count - g.count, rows.join('\n')).toBeLessThanOrEqual(atEdges + (dropped ?? 0));
      expect(harness5xx - g.sure5xx, rows.join('\n')).toBeGreaterThanOrEqual(0);
      expect(harness5xx - g.sure5xx, rows.join('\n')).toBeLessThanOrEqual(ph.all.count - g.sure);
      // HAProxy's times are whole ms; k6's include the overhead measured above. The two sets of
      // requests may differ by the edge requests and the dropped lines (k of them): a percentile of
      // few requests (a phase of ~100) moves by whole ranks when one request is in or out, so the
      // harness's p95 must lie between the gateway's with the k slowest taken out and with k more
      // as slow as its slowest put in.
      const k = atEdges + (dropped ?? 0);
      const sorted = [...g.durations].sort((x, y) => x - y);
      const lo = p95(sorted.slice(0, Math.max(1, sorted.length - k)));
      const hi = p95([...sorted, ...Array<number>(k).fill(sorted.at(-1) ?? 0)]);
      // The overhead is measured at the median; in the tail a request's own hop can take a little
      // longer on a busy 2-core machine: 3 ms of room (2 was short by 0.4 ms once, 2026-12-03:
      // harness p95 47.6 ms against a gateway p95 of 44.0 ms in the baseline).
      expect(ph.all.p95Ms, rows.join('\n')).toBeGreaterThanOrEqual(lo - 3);
      expect(ph.all.p95Ms, rows.join('\n')).toBeLessThanOrEqual(hi + Math.max(0, overheadMs) + 3);
    }
    // The figures, for the log of the test run (the README quotes them).
    console.log(
      `gateway→client overhead (baseline p50, harness − gateway): ${overheadMs.toFixed(2)} ms; HAProxy dropped ${dropped} log lines\n${rows.join('\n')}`,
    );
    // The broken mode's fault phase is full of 503s, by both accounts; none leaks into the baseline.
    expect(gateway.get('fault')?.fivexx ?? 0).toBeGreaterThan(50);
    expect(gateway.get('baseline')?.fivexx).toBe(0);
  }, 180_000);
});

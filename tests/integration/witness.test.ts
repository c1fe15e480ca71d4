import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/index.ts';
import { LatencyHistogram, phaseOf, type Phase } from '../../harness/metrics/index.ts';
import { faultWindows, type RunResult } from '../../harness/report/index.ts';
import { readLog } from '../../harness/replay/index.ts';

/**
 * The phases checked against an independent witness: HAProxy's own access log of the same run.
 * Each logged request (accept time, total time Ta, status) is put in a phase by the same rule, from
 * the gateway's own timestamps, with the fault windows the run recorded. slow-transaction's faults
 * start while uploads are in flight (a 4 s latency on app→imager, then a row lock), so the edges
 * are exercised on every run.
 */

function percentile(durations: readonly number[], p: number): number {
  const h = new LatencyHistogram();
  for (const d of durations) h.record(d);
  return h.percentileMs(p);
}
const p95 = (durations: readonly number[]) => percentile(durations, 95);

describe('the phases against the gateway’s own log', () => {
  it('slow-transaction (broken): per phase, the harness and HAProxy count the same requests and 5xx, and agree on p95 within the measured overhead', async () => {
    const o = await runScenario({ scenarioFile: 'scenarios/slow-transaction.ts', mode: 'broken', reportsDir: 'reports/test' });
    expect(o.error?.message).toBeUndefined();
    const r = o.result as RunResult;
    const windows = faultWindows(r.timeline);
    expect(windows.map((w) => w.label)).toHaveLength(2);
    const t0 = Date.parse(r.startedAt);

    // HAProxy logs its local time without a zone; this machine's (and CI's) zone is UTC.
    const log = await readLog(path.join(o.reportDir ?? '', 'logs', 'edge__haproxy.log'), { format: 'haproxy' });
    const gw = log.requests.filter((q) => q.arrivalMs >= t0 - 1000 && q.durationMs !== undefined);
    // Every request k6 sent reached the gateway and was answered there (no "no response" here).
    // HAProxy writes its log without blocking and drops a line when it cannot write it (seen here:
    // 3 of 1 801 once); it counts them (DroppedLogs, which the run records). Both see every request
    // but those: the counts must agree exactly, less the lines HAProxy says it dropped.
    // The four phases that split the run (each entry's own phase overlaps the fault phase).
    const phases = r.judgement.phases.filter((p) => !p.fault);
    const dropped = r.gatewayDroppedLogLines?.['edge'];
    expect(dropped).toBeDefined();
    expect(phases.reduce((n, p) => n + p.all.count, 0) - gw.length).toBe(dropped);
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
      const sure = [
        phaseOf(a - slackMs, e + slackMs, windows),
        phaseOf(a + slackMs, Math.max(a + slackMs, e - slackMs), windows),
        phaseOf(a - slackMs, e - slackMs, windows),
        phaseOf(a + slackMs, e + slackMs, windows),
      ].every((p) => p === ph);
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
    let missing = 0;
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
      // dropped lines; and what is missing over all phases sums to the dropped count.
      expect(ph.all.count - g.sure, rows.join('\n')).toBeGreaterThanOrEqual(0);
      expect(ph.all.count - g.count, rows.join('\n')).toBeLessThanOrEqual(atEdges + (dropped ?? 0));
      expect(harness5xx - g.sure5xx, rows.join('\n')).toBeGreaterThanOrEqual(0);
      expect(harness5xx - g.sure5xx, rows.join('\n')).toBeLessThanOrEqual(ph.all.count - g.sure);
      missing += ph.all.count - g.count;
      // HAProxy's times are whole ms; k6's include the overhead measured above. The two sets of
      // requests may differ by the edge requests and the dropped lines (k of them): a percentile of
      // few requests (a phase of ~100) moves by whole ranks when one request is in or out, so the
      // harness's p95 must lie between the gateway's with the k slowest taken out and with k more
      // as slow as its slowest put in.
      const k = atEdges + (dropped ?? 0);
      const sorted = [...g.durations].sort((x, y) => x - y);
      const lo = p95(sorted.slice(0, Math.max(1, sorted.length - k)));
      const hi = p95([...sorted, ...Array<number>(k).fill(sorted.at(-1) ?? 0)]);
      expect(ph.all.p95Ms, rows.join('\n')).toBeGreaterThanOrEqual(lo - 2);
      expect(ph.all.p95Ms, rows.join('\n')).toBeLessThanOrEqual(hi + Math.max(0, overheadMs) + 2);
    }
    expect(missing).toBe(dropped);
    // The figures, for the log of the test run (the README quotes them).
    console.log(
      `gateway→client overhead (baseline p50, harness − gateway): ${overheadMs.toFixed(2)} ms; HAProxy dropped ${dropped} log lines\n${rows.join('\n')}`,
    );
    // The broken mode's fault phase is full of 503s, by both accounts; none leaks into the baseline.
    expect(gateway.get('fault')?.fivexx ?? 0).toBeGreaterThan(50);
    expect(gateway.get('baseline')?.fivexx).toBe(0);
  }, 180_000);
});

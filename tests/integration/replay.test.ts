import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../harness/report/index.ts';
import { profileOf, readLog, type EndpointProfile } from '../../harness/replay/index.ts';
import type { RunOutcome } from '../../harness/index.ts';
import { ranClean, runCli as cli, runModes, runProgram } from './helpers.ts';

// Incident replay end to end: the gateway log of a broken slow-transaction run (shipped in fixtures/)
// becomes a scenario; the scenario runs on the real stack; the gateway of that run logs what arrived,
// and that is compared with the original log, endpoint by endpoint, 10 s window by 10 s window.
const SAMPLE = 'fixtures/logs/slow-transaction-broken.haproxy.log';
const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-replay-'));
const scenario = path.join(dir, 'scenarios', 'st-replay.ts');
const reports = path.join(dir, 'reports');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sums per-second counts into 10 s windows. */
const windows = (perSecond: readonly number[]) =>
  Array.from({ length: Math.ceil(perSecond.length / 10) }, (_, i) => perSecond.slice(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0));

describe('brownout replay', () => {
  it('a log where no line parses is one error naming the file, the format and the fix; nothing is written', async () => {
    const r = await cli(
      'replay',
      '--log',
      SAMPLE,
      '--format',
      'nginx',
      '--stack-of',
      'scenarios/slow-transaction.ts',
      '--out',
      path.join(dir, 'scenarios', 'wrong.ts'),
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`no line of ${SAMPLE} parses as nginx`);
    expect(r.stderr).toContain(`${SAMPLE}:2: `);
    expect(r.stderr).toMatch(/fix: +check --format/);
    expect(existsSync(path.join(dir, 'scenarios', 'wrong.ts'))).toBe(false);
  }, 30_000);

  it('replays the sample at 3× speed: per endpoint and 10 s window, the arrivals match the log within 5%', async () => {
    const made = await cli('replay', '--log', SAMPLE, '--format', 'haproxy', '--speed', '3', '--stack-of', 'scenarios/slow-transaction.ts', '--out', scenario);
    expect(made.status, made.stderr).toBe(0);
    // The one line that is not a request (HAProxy's log of the harness's readiness probe) is shown, not fatal.
    expect(made.stdout).toMatch(/1 line not parsed/);
    expect(made.stdout).toContain('not parsed: line 1: ');
    expect(made.stdout).toMatch(/5xx burst: 3 s – [78] s of the replay/);

    const run = await cli('run', scenario, '--reports', reports);
    // The generated scenario's own expectations (no 5xx with an empty fault timeline) hold.
    expect(run.status, run.stderr + run.stdout).toBe(0);
    const runDir = /report in (\S+)/.exec(run.stderr)?.[1] ?? '';
    const result = JSON.parse(readFileSync(path.join(runDir, 'result.json'), 'utf8')) as RunResult;
    expect(result.load.arrivalGroups).toEqual(['post_photos', 'get_photos_id']);
    expect(result.replayOf?.speed).toBe(3);

    // The log's window folded 3:1, as the scenario replays it.
    const original = await readLog(SAMPLE, { format: 'haproxy' });
    const want = profileOf(original.requests, { speed: 3 });
    // What arrived at the replay's gateway, from the run's start, from its own access log.
    const t0 = Date.parse(result.startedAt);
    const replayed = await readLog(path.join(runDir, 'logs', 'edge__haproxy.log'), { format: 'haproxy' });
    const got = profileOf(replayed.requests, { speed: 1, fromMs: t0, toMs: t0 + want.seconds * 1000 });
    const byKey = (ps: EndpointProfile[], key: string) => ps.find((e) => e.key === key)?.perSecond ?? [];
    for (const key of ['POST /photos', 'GET /photos/:id']) {
      const w = windows(byKey(want.endpoints, key));
      const g = windows(byKey(got.endpoints, key));
      expect(g.length).toBe(w.length);
      w.forEach((n, i) => {
        expect(n).toBeGreaterThan(100);
        expect(Math.abs((g[i] ?? 0) - n) / n, `${key} window ${i}: log ${n}, replay ${g[i]}`).toBeLessThanOrEqual(0.05);
      });
    }
    // The report draws the log over the run.
    const html = readFileSync(path.join(runDir, 'report.html'), 'utf8');
    expect(html).toContain(`Replayed from <code>${SAMPLE}</code>`);
    expect(html).toMatch(/"log":\{"label":"log fixtures\/logs\/slow-transaction-broken\.haproxy\.log at 3×"/);
  }, 150_000);

  it('the committed replay, fixed and broken at once: fixed passes; broken fails, its 503s where the log has its 5xx', async () => {
    const FILE = 'scenarios/slow-transaction-replay.ts';
    // Both modes in this harness process (helpers.ts runModes): one harness, so neither counts the
    // other as the machine's "other processes" (two `make chaos` at once did, beside the flake hunt's busy core).
    const runs = await runModes('local', FILE, ['fixed', 'broken']);
    expect(ranClean(runs.get('fixed') as RunOutcome).exitCode).toBe(0);
    const broken = ranClean(runs.get('broken') as RunOutcome);
    expect(broken.exitCode).toBe(1);
    const result = broken.result as RunResult;
    const src = result.replayOf;
    expect(src?.log).toBe(SAMPLE);
    // Second by second over the log's burst: the share of failed requests, log against replay.
    const share = (failed: number, all: number) => (all === 0 ? 0 : failed / all);
    const logShare: number[] = [];
    const runShare: number[] = [];
    for (let s = 0; s < (src?.requests.length ?? 0); s++) {
      const logFailed = Object.values(src?.statuses ?? {}).reduce((n, xs) => n + (xs[s] ?? 0), 0);
      if (share(logFailed, src?.requests[s] ?? 0) < 0.2) continue;
      const p = result.series?.points[s];
      logShare.push(share(logFailed, src?.requests[s] ?? 0));
      runShare.push(
        share(
          Object.entries(p?.statuses ?? {})
            .filter(([c]) => c.startsWith('5'))
            .reduce((n, [, k]) => n + k, 0),
          p?.count ?? 0,
        ),
      );
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(logShare.length).toBeGreaterThanOrEqual(10);
    expect(Math.abs(mean(runShare) - mean(logShare)), `log ${mean(logShare)}, replay ${mean(runShare)}`).toBeLessThan(0.1);
  }, 300_000);

  it("make chaos passes brownout's verdict on: an expectation failed is make's own 2, its last line naming brownout's 1", async () => {
    // A short run that fails an expectation (8 s of load): the Makefile's contract, not the replay's.
    const r = await runProgram('make', ['chaos', 'SCENARIO=tests/integration/scenarios/teardown-fail.ts', 'MODE=default', 'BASELINE=']);
    expect(r.status, r.stderr).toBe(2);
    // Under `make test` this make is a sub-make and says so ('make[1]: ...').
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^make(\[\d+\])?: \*\*\* \[Makefile:\d+: chaos\] Error 1$/);
  }, 120_000);
});

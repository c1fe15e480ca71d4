import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario, type RunOutcome } from '../../harness/index.ts';
import { readLog } from '../../harness/replay/index.ts';
import { AGAIN_IF_BUSY, portsHeld, runTempDirs, survivors, watchTree, type SeenProcess } from './helpers.ts';

/**
 * Every way a run can end, each followed by the same proof: no toxic was left on the Toxiproxy
 * server before it stopped; no process the run started is alive (found by walking the process
 * tree during the run, not by names); no temp dir; no port it bound held by a process of the run.
 */
async function endedBy(file: string, interfere?: (tree: Map<number, SeenProcess>) => void): Promise<{ outcome: RunOutcome; seen: Map<number, SeenProcess> }> {
  const dirs = runTempDirs();
  let interfered = false;
  const { value: outcome, seen } = await watchTree(process.pid, async (tree) => {
    const o = runScenario({
      scenarioFile: file,
      reportsDir: 'reports/test',
      againIfBusy: AGAIN_IF_BUSY,
      onProgress: (line) => {
        // Interfere once the load runs and a fault is active.
        if (interfere && !interfered && /apply latency/.test(line)) {
          interfered = true;
          setTimeout(() => interfere(tree), 1000);
        }
      },
    });
    return o;
  });
  // Each check names itself: a failure says which proof failed, with what.
  expect(outcome.toxicsLeft, 'toxics left').toEqual([]);
  expect(outcome.cleanupFailures, 'cleanup failures').toEqual([]);
  expect(seen.size).toBeGreaterThanOrEqual(4); // mariadbd, toxiproxy, services, haproxy, k6: the tree was seen
  expect(survivors(seen), 'processes of the run alive after it').toEqual([]);
  expect(outcome.started.ports.length).toBeGreaterThanOrEqual(6);
  expect(await portsHeld(outcome.started.ports, outcome.started.sinceTick), 'ports of the run still held').toEqual([]);
  expect(runTempDirs(), 'temp dirs').toEqual(dirs);
  return { outcome, seen };
}

function killWhere(tree: Map<number, SeenProcess>, pattern: RegExp): void {
  const hit = [...tree].find(([, p]) => pattern.test(p.cmd));
  if (!hit) throw new Error(`no process matching ${pattern} in the run's tree`);
  process.kill(hit[0], 'SIGKILL');
}

describe('teardown on every exit path', () => {
  it('pass', async () => {
    const { outcome } = await endedBy('tests/integration/scenarios/teardown-pass.ts');
    expect(outcome.exitCode).toBe(0);
  });

  it('an expectation failed', async () => {
    const { outcome } = await endedBy('tests/integration/scenarios/teardown-fail.ts');
    expect(outcome.exitCode).toBe(1);
  });

  it('a fault action throws', async () => {
    const { outcome } = await endedBy('tests/integration/scenarios/teardown-fault-throws.ts');
    expect(outcome.exitCode).toBe(2);
    expect(outcome.error?.name).toBe('FaultError');
    expect(outcome.error?.message).toMatch(/no_such_table/);
  });

  it('a stop condition held (abortWhen): the load stops within a second of it holding, every fault healed there, exit 1', async () => {
    const { outcome } = await endedBy('tests/integration/scenarios/teardown-abort.ts');
    expect(outcome.error).toBeUndefined();
    expect(outcome.exitCode).toBe(1);
    const r = outcome.result;
    if (!r) throw new Error('no result');
    const t0 = Date.parse(r.startedAt);
    const abort = r.timeline.find((e) => e.kind === 'abort');
    expect(r.aborted).toMatchObject({ condition: 'rate(503) > 50% for 1s', unit: 'rate' });
    expect(r.aborted?.measured).toBeGreaterThan(0.5);
    expect(abort?.offsetMs).toBe(r.aborted?.offsetMs);
    // When it held, by an independent witness: the gateway's own log, the first moment (on its
    // requests' answers) when more than half of those answered in the last second were 503.
    const log = await readLog(path.join(outcome.reportDir ?? '', 'logs', 'edge__haproxy.log'), { format: 'haproxy' });
    const answered = log.requests
      .filter((q) => q.arrivalMs >= t0 - 1000 && q.durationMs !== undefined)
      .map((q) => ({ at: q.arrivalMs + (q.durationMs ?? 0), s503: q.status === 503 }))
      .sort((a, b) => a.at - b.at);
    const held = answered.find((q) => {
      if (q.at - t0 < 1000) return false;
      const last = answered.filter((x) => x.at > q.at - 1000 && x.at <= q.at);
      return last.filter((x) => x.s503).length / last.length > 0.5;
    });
    expect(held).toBeDefined();
    const heldOffset = (held?.at ?? 0) - t0;
    const stoppedOffset = r.aborted?.offsetMs ?? 0;
    expect(stoppedOffset).toBeGreaterThanOrEqual(heldOffset - 5);
    expect(stoppedOffset - heldOffset).toBeLessThan(1000);
    console.log(`stop condition held at +${heldOffset} ms by the gateway's log; the load stopped at +${stoppedOffset} ms`);
    // k6 stopped there: nothing reached the gateway after it but what was in flight.
    expect(Math.max(...answered.map((q) => q.at)) - t0).toBeLessThan(stoppedOffset + 500);
    // Both faults healed after the stop, each heal in the timeline (their windows end there).
    const heals = r.timeline.filter((e) => e.kind === 'heal');
    expect(heals).toHaveLength(2);
    for (const h of heals) expect(h.offsetMs).toBeGreaterThanOrEqual(stoppedOffset);
    // The report says it; the phases after the stop never came.
    const summary = readFileSync(path.join(outcome.reportDir ?? '', 'summary.md'), 'utf8');
    expect(summary).toMatch(/\*\*Aborted at \+\d+\.\d s: rate\(503\) \\?> 50% for 1s held: \d+\.\d% over \d+ requests\./);
    expect(r.verdict).toBe('fail');
  });

  it('k6 killed from outside', async () => {
    const { outcome } = await endedBy('tests/integration/scenarios/teardown-pass.ts', (tree) => killWhere(tree, /\/k6-v[^/]+\/k6 run/));
    expect(outcome.exitCode).toBe(2);
    expect(outcome.error?.message).toMatch(/k6 killed by SIGKILL/);
  });

  it('a stack part dying on its own', async () => {
    const { outcome } = await endedBy('tests/integration/scenarios/teardown-pass.ts', (tree) => killWhere(tree, /fixtures\/photo\/server\.ts/));
    expect(outcome.exitCode).toBe(2);
    expect(outcome.error?.message).toMatch(/app killed by SIGKILL during the run/);
  });
});

describe('what outlives teardown is reported by the harness itself', () => {
  it('a daemon a service forked off, holding its port: a cleanup failure naming it, in result.json, summary and junit; exit 2', async () => {
    const outcome = await runScenario({ scenarioFile: 'tests/integration/scenarios/daemonizing.ts', reportsDir: 'reports/test', againIfBusy: AGAIN_IF_BUSY });
    const line = outcome.cleanupFailures.find((l) => /still bound after teardown/.test(l)) ?? '';
    const daemon = Number(/by pid (\d+)/.exec(line)?.[1]);
    try {
      // The verdict passed; what the run left behind makes it a harness error all the same.
      expect(outcome.result?.verdict).toBe('pass');
      expect(line).toMatch(
        /^port \d+ still bound after teardown by pid \d+ \(state \w, parent \d+, started at tick \d+\): \S*node \S*daemonizing-service\.cjs daemon$/,
      );
      expect(outcome.exitCode).toBe(2);
      const dir = outcome.reportDir ?? '';
      expect((JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as { cleanupFailures: string[] }).cleanupFailures).toContain(line);
      expect(readFileSync(path.join(dir, 'summary.md'), 'utf8')).toContain(`## Not cleaned up\n\n- ${line}`);
      expect(readFileSync(path.join(dir, 'junit.xml'), 'utf8')).toMatch(
        /<testcase classname="brownout.daemonizing-service" name="teardown" time="0">\n\s+<error message="not cleaned up: port \d+ still bound/,
      );
    } finally {
      if (daemon > 0) process.kill(daemon, 'SIGKILL');
    }
  });
});

import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { CleanupList } from '../core/cleanup.ts';
import { HarnessError, StackError, errorMessage } from '../core/errors.ts';
import { leftAfterTeardown } from '../core/leftovers.ts';
import { bootTickNow } from '../core/procfs.ts';
import { debug } from '../core/log.ts';
import { startRecordedRun, sweepDeadRuns } from '../core/ledger.ts';
import { Secrets } from '../core/secrets.ts';
import { k6Version, mergeResults, readResultsFile, type K6Run } from '../load/index.ts';
import { writeReport, type TimelineEvent } from '../report/index.ts';
import type { ResolvedScenario } from '../scenario/index.ts';
import { beyondLoopback, startStack, startStackInContainers, type RunResources, type StartedStack } from '../stack/index.ts';
import { recordAbort, watchStopConditions } from './abort.ts';
import { exitCodeOf, MACHINE_FREE_CORES_LIMIT, newRunId, untrustedReason } from './result.ts';
import { startTimeline, type StartedTimeline } from './timeline.ts';
import { watchCounters, type StartedCounters } from './counters.ts';
import { machineQuiet, watchMachine, type StartedMachineWatch } from './machine.ts';
import { watchParts, type StartedPartsWatch } from './parts.ts';
import type { RunOptions, RunOutcome } from './options.ts';
import { interrupted, judgeRun, prepareRun, readAfterLoad, startLive, startRunners, untilLoadEnds } from './steps.ts';

const log = debug('run');

export type { ProgressStatus, RunOptions, RunOutcome } from './options.ts';

export { newRunId, SATURATION_LIMIT, untrustedReason } from './result.ts';

/** How long a run the busy gate withheld waits, at most, for the machine to have room before it runs again. */
export const AGAIN_QUIET_WAIT_MS = 30_000;

/**
 * A run, and again (at most `againIfBusy` more times) while the machine was too busy to trust its
 * verdict, each time once the machine has room again (or after AGAIN_QUIET_WAIT_MS). Only that runs
 * again: a pass, a fail, any other error, a leftover or an interruption is the outcome as it stands.
 */
export async function runScenario(opts: RunOptions): Promise<RunOutcome> {
  const again = opts.againIfBusy ?? 0;
  const busyBefore: string[] = [];
  for (;;) {
    const o = await runOnce(opts);
    o.busyBefore = [...busyBefore];
    if (untrustedReason(o) !== 'machine too busy' || busyBefore.length >= again || opts.signal?.aborted) return o;
    busyBefore.push(o.runId ?? '(no id)');
    opts.onProgress?.(`${o.error?.message}: running it again (${busyBefore.length} of ${again})`);
    // Not into the same passing load: wait (at most AGAIN_QUIET_WAIT_MS) until the machine has room for a run.
    const q = await machineQuiet(MACHINE_FREE_CORES_LIMIT + 0.5, { timeoutMs: AGAIN_QUIET_WAIT_MS, signal: opts.signal });
    if (!q.quiet) opts.onProgress?.(`the machine is still busy (${q.freeCores.toFixed(2)} core free after ${AGAIN_QUIET_WAIT_MS / 1000} s): running it anyway`);
  }
}

/**
 * The scenario's stack on the run's backend, up. Every local part gets 127.0.0.1 as $HOST; one
 * that listens wider (reachable from other hosts) is warned of, or ends the run with loopbackOnly.
 */
async function startRunStack(sc: ResolvedScenario, opts: RunOptions, res: RunResources, progress: (line: string) => void): Promise<StartedStack> {
  progress(`${sc.name} (${sc.mode}): starting the stack${opts.backend === 'containers' ? ' in containers' : ''}`);
  const t0 = Date.now();
  let st: StartedStack;
  let wide: string[] = [];
  if (opts.backend === 'containers') st = await startStackInContainers(sc.parts, sc.links, res, opts.images);
  else {
    const local = await startStack(sc.parts, sc.links, res);
    st = local;
    wide = beyondLoopback(local.processes());
  }
  progress(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${[...st.parts.keys()].join(', ')}`);
  if (wide.length && opts.loopbackOnly)
    throw new StackError(
      `listening beyond loopback (other hosts can reach it): ${wide.join('; ')}`,
      'the stack, once up (--loopback-only)',
      'make it listen on $HOST (127.0.0.1), or drop --loopback-only to be warned only',
    );
  for (const w of wide) progress(`warning: ${w}, beyond loopback: other hosts can reach it; make it listen on $HOST (127.0.0.1)`);
  return st;
}

/**
 * One run, as its data flows: prepare (validate, bundle: bad input starts nothing) → start the stack →
 * start the runners and the watches (counters, machine) → load and fault timeline until the load ends
 * → stop the watches → read what the stack tells → judge every expectation through its measure → one
 * result → report; teardown always, whatever happened.
 */
async function runOnce(opts: RunOptions): Promise<RunOutcome> {
  const secrets = new Secrets();
  // Every line shown goes through the run's secrets (a setup step's output, a part's log line).
  const progress = (line: string): void => opts.onProgress?.(secrets.redact(line));
  const reportsDir = path.resolve(opts.reportsDir ?? 'reports');
  const outcome: RunOutcome = {
    exitCode: 2,
    runId: undefined,
    reportDir: undefined,
    result: undefined,
    error: undefined,
    cleanupFailures: [],
    toxicsLeft: [],
    started: { pids: [], processes: [], ports: [], sinceTick: bootTickNow() },
    busyBefore: [],
  };
  const prepared = await prepareRun(opts, secrets, progress);
  if ('error' in prepared) {
    outcome.error = prepared.error;
    return outcome;
  }
  const { sc, bundle } = prepared;
  const runId = newRunId(sc.name);
  outcome.runId = runId;
  const reportDir = path.join(reportsDir, runId);
  const { recorded, cleanup } = await recordRun(runId, reportDir, secrets, progress);
  opts.onCleanupList?.(cleanup);
  const { dir, ledger } = recorded;

  const events: TimelineEvent[] = [];
  const timers: NodeJS.Timeout[] = [];
  let timeline: StartedTimeline | undefined;

  try {
    const bundlePath = path.join(dir, 'load.bundle.js');
    writeFileSync(bundlePath, bundle);
    const versions: Record<string, string> = { k6: await k6Version() };
    if (interrupted(opts.signal)) throw interrupted(opts.signal);

    // Builders record pids and ports as they appear, so a start that fails half-way is accounted for.
    const st = await startRunStack(sc, opts, { runId, dir, cleanup, secrets, started: outcome.started, ledger, say: progress }, progress);
    Object.assign(versions, st.versions());
    // Runs after every fault is healed and the load has stopped, before any proxy or part goes:
    // the proof that no toxic was left behind.
    cleanup.add('check: no toxic left', async () => {
      outcome.toxicsLeft = (await st.listToxics()).map((t) => `${t.proxy}/${t.toxic}`);
    });
    if (interrupted(opts.signal)) throw interrupted(opts.signal);

    const runners = await startRunners(sc, { st, bundlePath, dir, count: opts.runners ?? 1, cleanup, started: outcome.started, ledger });
    const { counters, machine, parts } = await startWatches(st, cleanup);
    const t0 = await resumeLoad(sc, runners, events, progress);
    // The fault timeline, a started handle: its stop heals what is in place (also on the cleanup list).
    const tl = startTimeline({ entries: sc.timeline, stack: st, runId, t0, events, cleanup, progress });
    timeline = tl;
    cleanup.add('fault timeline', () => tl.stop());
    if (opts.onLive) timers.push(startLive(opts.onLive, { sc, runners, events, timeline: tl, t0 }));
    // The stop conditions (abortWhen), judged on the requests as k6 writes them.
    using stopWhen = watchStopConditions(sc, runners, t0);
    const aborted = await untilLoadEnds(sc, st, runners, tl, opts.signal, stopWhen, { list: events, t0 });
    if (aborted) recordAbort(aborted, events, t0, progress);
    // An aborted load ended when its stop condition held: what ran is judged.
    const tEnd = aborted ? aborted.atMs : t0 + sc.load.durationMs;
    for (const t of timers) clearTimeout(t);
    const counterSeries = await counters.stop(tEnd);
    const machineReadings = machine.stop();
    const rss = await parts.stop();

    progress('judging');
    const perRunner = await Promise.all(runners.map((r) => readResultsFile(r.resultsFile)));
    const results = mergeResults(perRunner);
    const after = await readAfterLoad(sc, st, results, events, t0, tEnd);
    const judged = judgeRun(sc, {
      runId,
      t0,
      tEnd,
      runners,
      perRunner,
      results,
      events,
      versions,
      counters: counterSeries,
      machine: machineReadings,
      rss,
      after,
      baseline: opts.baseline,
      ...(aborted ? { aborted } : {}),
    });
    outcome.result = judged.result;
    outcome.error = judged.error;
  } catch (e) {
    outcome.error = e instanceof Error ? e : new Error(String(e));
    log(`run failed: ${errorMessage(e)}`);
  } finally {
    for (const t of timers) clearTimeout(t);
    // Nothing more is applied once teardown starts; the cleanup list heals what is in place.
    timeline?.cancel();
    progress('teardown');
    await tearDown(outcome, cleanup, recorded);
  }
  mkdirSync(reportDir, { recursive: true });
  outcome.reportDir = reportDir;
  // Errors carry log tails, and a service may log its environment: redact before anything is shown.
  if (outcome.error) outcome.error = redactError(outcome.error, secrets);
  outcome.cleanupFailures = outcome.cleanupFailures.map((c) => secrets.redact(c));
  await writeReport(reportDir, outcome.result, outcome.error, outcome.cleanupFailures, opts.scenarioFile);
  return outcome;
}

/**
 * What a killed run left (its harness no longer alive) goes before this one starts anything. Then
 * on disk while the run goes: what it started, for its reaper (should this process die outright),
 * the next run and `brownout clean`; its temp dir (secrets and logs: made new, 0700) first on the
 * cleanup list, so released last: logs are kept in the report, then the temp dir goes.
 */
async function recordRun(
  runId: string,
  reportDir: string,
  secrets: Secrets,
  progress: (line: string) => void,
): Promise<{ recorded: ReturnType<typeof startRecordedRun>; cleanup: CleanupList }> {
  for (const line of await sweepDeadRuns()) progress(`removed what a killed run left: ${line}`);
  const recorded = startRecordedRun(runId, `brownout-${runId}-`);
  const cleanup = new CleanupList();
  cleanup.add(`temp dir ${recorded.dir}`, async () => {
    await keepLogs(recorded.dir, path.join(reportDir, 'logs'), secrets);
    rmSync(recorded.dir, { recursive: true, force: true });
  });
  return { recorded, cleanup };
}

/** The watches the load runs under: the servers' own counters, read every second (a first reading before the load starts), the machine's CPU, four times a second, and each part's memory, twice a second. */
async function startWatches(
  st: StartedStack,
  cleanup: CleanupList,
): Promise<{ counters: StartedCounters; machine: StartedMachineWatch; parts: StartedPartsWatch }> {
  const counters = await watchCounters(st, cleanup);
  cleanup.add('counter watch', async () => void (await counters.stop()));
  const machine = watchMachine(250, await st.processRoots());
  cleanup.add('machine watch', async () => void machine.stop());
  const parts = watchParts(st);
  cleanup.add('parts watch', async () => void (await parts.stop()));
  return { counters, machine, parts };
}

/** The runners resumed together; t = 0 is the first resume, so no request starts before it. */
async function resumeLoad(sc: ResolvedScenario, runners: readonly K6Run[], events: TimelineEvent[], progress: (line: string) => void): Promise<number> {
  const resumed = await Promise.all(runners.map((r) => r.resume()));
  const t0 = Math.min(...resumed);
  if (runners.length > 1) log(`${runners.length} runners resumed within ${Math.max(...resumed) - t0} ms`);
  progress(
    `load: ${sc.load.arrivals ? `arrivals of ${sc.load.arrivals.length} request groups, at most ${sc.load.rate}/s,` : `${sc.load.rate}/s`} for ${sc.load.durationMs / 1000} s against ${sc.load.target}${runners.length > 1 ? ` from ${runners.length} k6 runners` : ''}`,
  );
  events.push({ atMs: t0, offsetMs: 0, kind: 'load-start', label: 'load started' });
  return t0;
}

/**
 * Everything the run started released, then the proof the user sees too, not only our tests: no
 * toxic left, nothing the run started alive, no port it bound held. A run that left something
 * behind is a harness error, whatever its verdict. Released everything: the record goes and the
 * reaper with it; otherwise both stay, and the reaper removes what is left once this process has
 * exited (or the next run or `brownout clean` does).
 */
async function tearDown(outcome: RunOutcome, cleanup: CleanupList, recorded: { done(): Promise<void> }): Promise<void> {
  outcome.cleanupFailures = await cleanup.releaseAll();
  if (outcome.toxicsLeft.length > 0) outcome.cleanupFailures.push(`toxics left on the server: ${outcome.toxicsLeft.join(', ')}`);
  outcome.cleanupFailures.push(...(await leftAfterTeardown(outcome.started)));
  outcome.exitCode = exitCodeOf(outcome);
  if (outcome.cleanupFailures.length === 0) await recorded.done();
}

/** Redacts in place, so the error keeps its class. */
function redactError(e: Error, secrets: Secrets): Error {
  e.message = secrets.redact(e.message);
  if (e.stack) e.stack = secrets.redact(e.stack);
  if (e instanceof HarnessError) {
    const m = e as { where: string; hint: string };
    m.where = secrets.redact(e.where);
    m.hint = secrets.redact(e.hint);
  }
  return e;
}

/**
 * Copies every *.log of the run's temp dir into the report, secrets redacted (logs outlive the run;
 * datadirs do not). Line by line through streams: HAProxy's access log grows with every request
 * (36 MB for 2 minutes at 2 000/s), and reading it whole made the harness's memory grow with the
 * run's length. A secret never spans lines, so redacting each line is redacting the file.
 */
async function keepLogs(from: string, to: string, secrets: Secrets): Promise<void> {
  if (!existsSync(from)) return;
  const files: [string, string][] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== 'data') walk(p);
      else if (e.isFile() && (e.name.endsWith('.log') || e.name === 'haproxy.cfg' || e.name === 'k6-config.json' || /^k6-summary(-\d+)?\.json$/.test(e.name)))
        files.push([p, path.join(to, path.relative(from, p).replace(/[\\/]/g, '__'))]);
    }
  };
  walk(from);
  if (files.length) mkdirSync(to, { recursive: true });
  for (const [src, dst] of files) {
    const out = createWriteStream(dst);
    const lines = createInterface({ input: createReadStream(src), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!out.write(`${secrets.redact(line)}\n`)) await once(out, 'drain');
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}
export { judgeSamples, type JudgedSamples } from './judge-samples.ts';
export {
  findMargin,
  bisectMargin,
  compareMargin,
  marginText,
  renderMargin,
  defaultRange,
  type MarginResult,
  type MarginProbe,
  type MarginBaseline,
} from './margin.ts';

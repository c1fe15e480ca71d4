import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { CleanupList } from '../core/cleanup.ts';
import { HarnessError, LoadError, ScenarioError, StackError, errorMessage } from '../core/errors.ts';
import { leftAfterTeardown } from '../core/leftovers.ts';
import { bootTickNow } from '../core/procfs.ts';
import { debug } from '../core/log.ts';
import { startRecordedRun, sweepDeadRuns } from '../core/ledger.ts';
import { Secrets } from '../core/secrets.ts';
import { faultKind, partHit } from '../faults/index.ts';
import {
  unseenTags,
  bundleLoadScript,
  k6Version,
  mergeResults,
  readResultsFile,
  ResultTail,
  saturationFix,
  startK6,
  type K6Run,
  type LiveFigures,
} from '../load/index.ts';
import { machinePerPhase, whoGaveUp, type Phase, type ServerStateChange } from '../metrics/index.ts';
import { judge, type Judgement } from '../measures/index.ts';
import { compareWithBaseline, faultWindows, writeReport, type Baseline, type Margin, type RunResult, type TimelineEvent } from '../report/index.ts';
import { loadScenario, type ResolvedScenario, type ScenarioDefinition } from '../scenario/index.ts';
import {
  backendProblem,
  beyondLoopback,
  startStack,
  startStackInContainers,
  trackIn,
  type ImageSetName,
  type RunResources,
  type RunningStack,
  type Started,
} from '../stack/index.ts';
import { buildResult, exitCodeOf, MACHINE_FREE_CORES_LIMIT, machineBusyError, newRunId, saturationError, untrustedReason } from './result.ts';
import { startTimeline, type StartedTimeline } from './timeline.ts';
import { watchCounters } from './counters.ts';
import { machineQuiet, watchMachine } from './machine.ts';
import { checkWrites, countConnections } from './writes.ts';

const log = debug('run');

export interface RunOptions {
  scenarioFile: string;
  mode?: string;
  reportsDir?: string;
  /** Hosts besides loopback that load may be sent to (--allow-host). */
  allowHosts?: readonly string[];
  /** A part listening beyond loopback ends the run (exit 2) before the load, instead of a warning. */
  loopbackOnly?: boolean;
  /** Aborting (SIGINT, SIGTERM) stops the load and tears everything down. */
  signal?: AbortSignal;
  /** One line per step, for the terminal. */
  onProgress?: (line: string) => void;
  /** A stored run to compare with (--baseline): worse beyond a margin fails the run. */
  baseline?: { data: Baseline; file: string; margins: readonly Margin[] };
  /** k6 processes sharing the load, each its execution segment (k6's own split, as the k6-operator does); default 1. */
  runners?: number;
  /** About twice a second during the load: where the run is and how the target is doing. */
  onLive?: (s: LiveStatus) => void;
  /** Where the stack runs: local processes (default) or containers (needs a Docker engine). */
  backend?: 'local' | 'containers';
  /** The containers backend's images: built here by `make setup-containers` (default), or the upstream ones. */
  images?: ImageSetName;
  /** Called once with the run's cleanup list: a forced exit can say what it could not release. */
  onCleanupList?: (list: CleanupList) => void;
  /** Changes the scenario's definition before it is checked (`brownout margin`'s probes). */
  definition?: (def: ScenarioDefinition) => ScenarioDefinition;
  /**
   * Runs again, up to this many times, when the machine was too busy to trust the verdict
   * (BO_MACHINE_BUSY): what a team on a shared runner would do by hand. Default 0.
   */
  againIfBusy?: number;
}

export interface RunOutcome {
  exitCode: 0 | 1 | 2;
  runId: string | undefined;
  reportDir: string | undefined;
  result: RunResult | undefined;
  error: HarnessError | Error | undefined;
  /** What teardown could not release (empty when all is clean). */
  cleanupFailures: string[];
  /** Toxics still on the Toxiproxy server after the faults were healed (should be none). */
  toxicsLeft: string[];
  /** What the run started: every pid and every loopback port it listened on (for proofs of teardown). */
  started: Started;
  /** Runs before this one whose verdict the machine's load withheld (againIfBusy), by run id: their reports are kept. */
  busyBefore: string[];
}

export interface LiveStatus extends LiveFigures {
  scenario: string;
  mode: string;
  /** The phase now: warm-up (load.warmUp), baseline before the first fault, fault while one is active, and so on. */
  phase: Phase | 'warm-up';
  elapsedMs: number;
  totalMs: number;
  activeFaults: string[];
}

export { newRunId, SATURATION_LIMIT, untrustedReason } from './result.ts';

function interrupted(signal: AbortSignal | undefined): HarnessError | undefined {
  if (!signal?.aborted) return undefined;
  const why = typeof signal.reason === 'string' ? signal.reason : 'abort';
  return new HarnessError('BO_INTERRUPTED', `interrupted by ${why}`, 'the run', 'nothing to fix: the run was stopped and torn down');
}

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
async function startRunStack(sc: ResolvedScenario, opts: RunOptions, res: RunResources, progress: (line: string) => void): Promise<RunningStack> {
  progress(`${sc.name} (${sc.mode}): starting the stack${opts.backend === 'containers' ? ' in containers' : ''}`);
  const t0 = Date.now();
  let st: RunningStack;
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

/** stack up → load + fault timeline → judge → report → teardown (always). */
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

  // Validation and bundling first: bad input starts nothing.
  let sc: ResolvedScenario;
  try {
    sc = await loadScenario(opts.scenarioFile, {
      ...(opts.mode === undefined ? {} : { mode: opts.mode }),
      ...(opts.allowHosts ? { allowHosts: opts.allowHosts } : {}),
      ...(opts.definition ? { definition: opts.definition } : {}),
    });
  } catch (e) {
    outcome.error = e instanceof Error ? e : new Error(String(e));
    return outcome;
  }
  // A part its backend cannot run (a service with only an image, locally): said before anything starts.
  const cannot = backendProblem(sc.parts, opts.backend ?? 'local');
  if (cannot) {
    outcome.error = new ScenarioError(opts.scenarioFile, [cannot]);
    return outcome;
  }
  // The scenario's own secrets (load.env, a service's env, by name or as a URL with credentials).
  secrets.addEnv(sc.load.env);
  for (const p of sc.parts) if (p.kind === 'service') secrets.addEnv(p.env);
  let bundle: string;
  try {
    bundle = await bundleLoadScript(sc.load.scriptPath);
  } catch (e) {
    outcome.error = e instanceof Error ? e : new Error(String(e));
    return outcome;
  }
  // A tag filter whose value the script never writes is most likely misspelt: said now, not after the run.
  for (const w of unseenTags(sc.expect, bundle)) progress(`warning: ${w}`);
  for (const w of sc.ladder.warnings) progress(`warning: timeout ladder: ${w}`);
  const runId = newRunId(sc.name);
  outcome.runId = runId;
  // What a killed run left (its harness no longer alive) goes before this one starts anything.
  for (const line of await sweepDeadRuns()) progress(`removed what a killed run left: ${line}`);
  // On disk while the run goes: what it started, for its reaper (should this process die outright),
  // the next run and `brownout clean`.
  // The temp dir holds secrets and logs: made new, 0700 (startRecordedRun).
  const recorded = startRecordedRun(runId, `brownout-${runId}-`);
  const { dir, ledger } = recorded;
  const cleanup = new CleanupList();
  opts.onCleanupList?.(cleanup);
  const reportDir = path.join(reportsDir, runId);
  // Added first, so released last: logs are kept in the report, then the temp dir goes.
  cleanup.add(`temp dir ${dir}`, async () => {
    await keepLogs(dir, path.join(reportDir, 'logs'), secrets);
    rmSync(dir, { recursive: true, force: true });
  });

  const events: TimelineEvent[] = [];
  const timers: NodeJS.Timeout[] = [];
  let timeline: StartedTimeline | undefined;
  const runners: K6Run[] = [];

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

    const runnerCount = opts.runners ?? 1;
    // One after the other, each on the cleanup list as soon as it exists: a runner that fails to
    // start leaves none of the others behind.
    for (let i = 0; i < runnerCount; i++) {
      const k6run = await startK6({
        bundlePath,
        dir,
        baseUrl: sc.load.targetUrl ?? st.urlOf(sc.load.target),
        rate: sc.load.rate,
        durationMs: sc.load.durationMs,
        requestTimeoutMs: sc.load.requestTimeoutMs,
        preAllocatedVUs: sc.load.preAllocatedVUs,
        maxVUs: sc.load.maxVUs,
        env: sc.load.env,
        ...(sc.load.arrivals ? { arrivals: sc.load.arrivals } : {}),
        ...(sc.load.shed ? { shed: sc.load.shed } : {}),
        ...(runnerCount > 1 ? { segment: { index: i, of: runnerCount } } : {}),
      });
      runners.push(k6run);
      cleanup.add(k6run.process.spec.name, () => k6run.stop());
      trackIn(outcome.started, { pid: k6run.process.pid, port: k6run.apiPort }, ledger);
    }

    // The servers' own counters, read every second: what the stack did per client request (a first reading before the load starts).
    const counters = await watchCounters(st, cleanup);
    cleanup.add('counter watch', async () => void (await counters.stop()));
    // How much CPU the machine had to give during the run (read four times a second).
    const machine = watchMachine(250, await st.processRoots());
    cleanup.add('machine watch', async () => void machine.stop());
    // Resumed together; t = 0 is the first resume, so no request starts before it.
    const resumed = await Promise.all(runners.map((r) => r.resume()));
    const t0 = Math.min(...resumed);
    if (runnerCount > 1) log(`${runnerCount} runners resumed within ${Math.max(...resumed) - t0} ms`);
    progress(
      `load: ${sc.load.arrivals ? `arrivals of ${sc.load.arrivals.length} request groups, at most ${sc.load.rate}/s,` : `${sc.load.rate}/s`} for ${sc.load.durationMs / 1000} s against ${sc.load.target}${runnerCount > 1 ? ` from ${runnerCount} k6 runners` : ''}`,
    );
    events.push({ atMs: t0, offsetMs: 0, kind: 'load-start', label: 'load started' });
    // The fault timeline, a started handle: its stop heals what is in place (also on the cleanup list).
    const tl = startTimeline({ entries: sc.timeline, stack: st, runId, t0, events, cleanup, progress });
    timeline = tl;
    cleanup.add('fault timeline', () => tl.stop());

    if (opts.onLive) {
      const onLive = opts.onLive;
      const tail = new ResultTail(runners.map((r) => r.resultsFile));
      const live = setInterval(() => {
        const now = Date.now();
        const applied = events.filter((e) => e.kind === 'apply').length;
        const healed = events.filter((e) => e.kind === 'heal').length;
        const activeNow = tl.active();
        const judged: Phase = activeNow.length > 0 ? 'fault' : applied === 0 ? 'baseline' : healed >= sc.timeline.length ? 'recovery' : 'between';
        const phase: LiveStatus['phase'] = judged === 'baseline' && now - t0 < sc.load.warmUpMs ? 'warm-up' : judged;
        onLive({
          scenario: sc.name,
          mode: sc.mode,
          phase,
          elapsedMs: Math.min(now - t0, sc.load.durationMs),
          totalMs: sc.load.durationMs,
          activeFaults: activeNow.map((f) => f.label),
          ...tail.poll(now),
        });
      }, 500);
      live.unref();
      timers.push(live);
    }

    // Removed once the load is over: a signal shared by many runs (soak, margin) must not gather one per run.
    let offAbort: () => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => {
      const signal = opts.signal;
      if (!signal) return;
      const onAbort = () => reject(interrupted(signal));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        offAbort = () => signal.removeEventListener('abort', onAbort);
      }
    });
    aborted.catch(() => undefined);

    // A part that exits while nobody asked it to ends the run: its figures would describe another stack.
    // Parts the timeline attacks (kill, freeze, restart, a poisoned request) may die: that is what is measured.
    const attacked = new Set(sc.timeline.flatMap((t) => (faultKind(t.fault.type)?.hitsProcess ? [partHit(t.fault)] : [])));
    const partDied = new Promise<never>((_, reject) => st.onUnexpectedExit(attacked, reject));
    partDied.catch(() => undefined);

    try {
      await Promise.race([Promise.all(runners.map((r) => r.process.exited)), tl.failed, aborted, partDied]);
    } finally {
      offAbort();
    }
    const tEnd = t0 + sc.load.durationMs;
    for (const t of timers) clearTimeout(t);
    // k6 may end before a heal ran (it should not: validation keeps heals inside the load).
    await tl.stop();
    for (const k6run of runners) {
      const code = (await k6run.process.exited).code;
      if (code !== 0 && code !== 99) {
        throw new LoadError(
          `${k6run.process.spec.name} ${k6run.process.exitDescription}`,
          `${k6run.process.commandLine()}\nlast log lines:\n${k6run.process.tail()}`,
          'read the k6 log above',
        );
      }
    }

    const counterSeries = await counters.stop();
    const machineReadings = machine.stop();
    progress('judging');
    const perRunner = await Promise.all(runners.map((r) => readResultsFile(r.resultsFile)));
    const results = mergeResults(perRunner);
    const windows = faultWindows(events);
    const writes = sc.writes ? await checkWrites(st, sc.writes, results.acks, results.attempts, results.writeStarts) : undefined;
    // Whether each gateway's own access log is complete (the witness a reader may check us against).
    const gatewayDroppedLogLines: Record<string, number> = {};
    for (const p of st.parts.values()) {
      if (p.kind !== 'gateway') continue;
      const n = await p.droppedLogLines();
      if (n !== undefined) gatewayDroppedLogLines[p.name] = n;
    }
    const connections = sc.expect.overall.some((e) => e.metric.kind === 'connections') ? await countConnections(st) : undefined;
    // What the gateways' health checks did during the load, beside the faults that caused it.
    const serverChanges: ServerStateChange[] = [];
    for (const p of st.parts.values()) {
      if (p.kind !== 'gateway') continue;
      const changes = p.serverChanges();
      serverChanges.push(...changes);
      for (const c of changes.filter((c) => c.atMs >= t0 && c.atMs <= tEnd)) {
        events.push({ atMs: c.atMs, offsetMs: c.atMs - t0, kind: 'gateway', label: `${p.name}: ${c.server} ${c.status} (backend ${c.backend})` });
      }
    }
    events.sort((a, b) => a.atMs - b.atMs);
    const partFaults: Record<string, number> = {};
    for (const t of sc.timeline) {
      const a = events.find((e) => e.kind === 'apply' && e.fault === t.index);
      const part = partHit(t.fault);
      if (a && (partFaults[part] === undefined || a.atMs < partFaults[part])) partFaults[part] = a.atMs;
    }
    const instants = sc.timeline
      .filter((t) => t.forMs === 0)
      .flatMap((t) => events.filter((e) => e.kind === 'apply' && e.fault === t.index).map((e) => e.atMs));
    const judgement: Judgement = judge({
      instants,
      serverChanges,
      partFaults,
      ...(connections ? { connections } : {}),
      ...(writes ? { writes } : {}),
      counters: counterSeries,
      records: results.requests,
      windows,
      faultPhases: sc.timeline.map((t) => ({ name: t.phase, expect: sc.faultExpect[t.phase] ?? [] })),
      loadStartMs: t0,
      loadEndMs: tEnd,
      warmUpMs: sc.load.warmUpMs,
      expect: sc.expect,
      steady: sc.steady,
      stableForMs: sc.stableForMs,
      ...(sc.load.shed ? { shed: sc.load.shed } : {}),
    });
    const built = buildResult({
      runId,
      scenario: { name: sc.name, file: sc.file, incident: sc.incident, mode: sc.mode },
      t0,
      tEnd,
      load: {
        target: sc.load.target,
        rate: sc.load.rate,
        durationMs: sc.load.durationMs,
        ...(sc.load.arrivals ? { arrivalGroups: sc.load.arrivals.map((a) => a.exec) } : {}),
        ...(sc.load.shed ? { shed: sc.load.shed } : {}),
      },
      perRunner,
      merged: results,
      listRunners: runnerCount > 1,
      timeline: events,
      judgement,
      versions,
      counters: counterSeries,
      extra: {
        ...(sc.replayOf ? { replayOf: sc.replayOf } : {}),
        ...(Object.keys(gatewayDroppedLogLines).length ? { gatewayDroppedLogLines } : {}),
        ladder: { ...sc.ladder, gaveUp: whoGaveUp(results.requests, results.requests.all(), sc.ladder) },
        machine: machinePerPhase(machineReadings.samples, machineReadings.lags, [
          ...judgement.phases.filter((p) => p.phase !== 'between'),
          { phase: 'overall', fromMs: t0 + sc.load.warmUpMs, toMs: tEnd },
        ]),
      },
    });
    const result = built.result;
    if (opts.baseline) {
      result.baseline = compareWithBaseline(result, opts.baseline.data, opts.baseline.file, opts.baseline.margins);
      if (result.baseline.regressions > 0 && result.verdict === 'pass') result.verdict = 'fail';
    }
    outcome.result = result;
    if (built.saturation.saturated) {
      outcome.error = saturationError(
        result,
        built.saturation,
        runners.map((r) => r.process.spec.name),
        `load of ${sc.file}`,
        saturationFix(sc.load, results, runnerCount),
      );
    } else if (result.machineTooBusy) outcome.error = machineBusyError(result, `the machine during ${sc.file}`);
  } catch (e) {
    outcome.error = e instanceof Error ? e : new Error(String(e));
    log(`run failed: ${errorMessage(e)}`);
  } finally {
    for (const t of timers) clearTimeout(t);
    // Nothing more is applied once teardown starts; the cleanup list heals what is in place.
    timeline?.cancel();
    progress('teardown');
    outcome.cleanupFailures = await cleanup.releaseAll();
    if (outcome.toxicsLeft.length > 0) outcome.cleanupFailures.push(`toxics left on the server: ${outcome.toxicsLeft.join(', ')}`);
    // The proof the user sees too, not only our tests: nothing the run started is alive, no port it bound is held.
    outcome.cleanupFailures.push(...(await leftAfterTeardown(outcome.started)));
    // A run that left something behind is a harness error, whatever its verdict.
    outcome.exitCode = exitCodeOf(outcome);
    // Released everything: the record goes and the reaper with it. Otherwise both stay: the reaper
    // removes what is left once this process has exited (or the next run or `brownout clean` does).
    if (outcome.cleanupFailures.length === 0) await recorded.done();
  }
  mkdirSync(reportDir, { recursive: true });
  outcome.reportDir = reportDir;
  // Errors carry log tails, and a service may log its environment: redact before anything is shown.
  if (outcome.error) outcome.error = redactError(outcome.error, secrets);
  outcome.cleanupFailures = outcome.cleanupFailures.map((c) => secrets.redact(c));
  await writeReport(reportDir, outcome.result, outcome.error, outcome.cleanupFailures, opts.scenarioFile);
  return outcome;
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

import { HarnessError, LoadError, ScenarioError } from '../core/errors.ts';
import type { Secrets } from '../core/secrets.ts';
import type { RunLedger } from '../core/ledger.ts';
import { faultBackendProblem, faultKind, partHit } from '../faults/index.ts';
import { bundleLoadScript, K6_STOPPED, ResultTail, saturationFix, startK6, unseenTags, type K6Run, type LoadResults } from '../load/index.ts';
import { describeAbort, judge, type AbortHit, type Judgement, type PartSample, type WriteCheck } from '../measures/index.ts';
import {
  machinePerPhase,
  whoGaveUp,
  type LoopLagSample,
  type MachineSample,
  type Phase,
  type ServerStateChange,
  type CounterSeries,
} from '../metrics/index.ts';
import { compareWithBaseline, faultWindows, type RunResult, type TimelineEvent } from '../report/index.ts';
import { loadScenario, type ResolvedScenario } from '../scenario/index.ts';
import { backendProblem, trackIn, type StartedStack, type StartedRecord } from '../stack/index.ts';
import type { CleanupList } from '../core/cleanup.ts';
import type { ProgressStatus, RunOptions } from './options.ts';
import type { StartedAbortWatch } from './abort.ts';
import { producedProblems, scriptProblems } from './expectations.ts';
import { memorySeries } from './parts.ts';
import { buildResult, machineBusyError, saturationError } from './result.ts';
import type { StartedTimeline } from './timeline.ts';
import { checkWrites, countConnections } from './writes.ts';

// The steps of one run, in the order runOnce (index.ts) takes them: prepare, start the runners,
// watch the load until it ends, read what the stack tells afterwards, judge.

export function interrupted(signal: AbortSignal | undefined): HarnessError | undefined {
  if (!signal?.aborted) return undefined;
  const why = typeof signal.reason === 'string' ? signal.reason : 'abort';
  return new HarnessError('BO_INTERRUPTED', `interrupted by ${why}`, 'the run', 'nothing to fix: the run was stopped and torn down');
}

/**
 * Validation and bundling first: bad input starts nothing. The scenario's own secrets (load.env, a
 * service's env, by name or as a URL with credentials) join the run's; what looks misspelt is said now.
 */
export async function prepareRun(
  opts: RunOptions,
  secrets: Secrets,
  progress: (line: string) => void,
): Promise<{ sc: ResolvedScenario; bundle: string } | { error: Error }> {
  const asError = (e: unknown) => ({ error: e instanceof Error ? e : new Error(String(e)) });
  let sc: ResolvedScenario;
  try {
    sc = await loadScenario(opts.scenarioFile, {
      ...(opts.mode === undefined ? {} : { mode: opts.mode }),
      ...(opts.allowHosts ? { allowHosts: opts.allowHosts } : {}),
      ...(opts.definition ? { definition: opts.definition } : {}),
    });
  } catch (e) {
    return asError(e);
  }
  // A part its backend cannot run (a service with only an image, locally): said before anything starts.
  const cannot = backendProblem(sc.parts, opts.backend ?? 'local') ?? faultBackendProblem(sc.timeline, opts.backend ?? 'local');
  if (cannot) return { error: new ScenarioError(opts.scenarioFile, [cannot]) };
  secrets.addEnv(sc.load.env);
  for (const p of sc.parts) if (p.kind === 'service') secrets.addEnv(p.env);
  let bundle: string;
  try {
    bundle = await bundleLoadScript(sc.load.scriptPath);
  } catch (e) {
    return asError(e);
  }
  // A k6 metric or check the script never names cannot be produced: refused before anything starts.
  const unnamed = scriptProblems(sc, bundle);
  if (unnamed.length) return { error: new ScenarioError(opts.scenarioFile, unnamed) };
  // A tag filter whose value the script never writes is most likely misspelt: said now, not after the run.
  for (const w of unseenTags(sc.expect, bundle)) progress(`warning: ${w}`);
  for (const w of sc.ladder.warnings) progress(`warning: timeout ladder: ${w}`);
  return { sc, bundle };
}

/** k6 runners, one after the other, each on the cleanup list as soon as it exists: a runner that fails to start leaves none of the others behind. */
export async function startRunners(
  sc: ResolvedScenario,
  o: { st: StartedStack; bundlePath: string; dir: string; count: number; cleanup: CleanupList; started: StartedRecord; ledger: RunLedger },
): Promise<K6Run[]> {
  const runners: K6Run[] = [];
  for (let i = 0; i < o.count; i++) {
    const k6run = await startK6({
      bundlePath: o.bundlePath,
      dir: o.dir,
      baseUrl: sc.load.targetUrl ?? o.st.urlOf(sc.load.target),
      rate: sc.load.rate,
      durationMs: sc.load.durationMs,
      requestTimeoutMs: sc.load.requestTimeoutMs,
      preAllocatedVUs: sc.load.preAllocatedVUs,
      maxVUs: sc.load.maxVUs,
      env: sc.load.env,
      ...(sc.load.arrivals ? { arrivals: sc.load.arrivals } : {}),
      ...(sc.load.shed ? { shed: sc.load.shed } : {}),
      ...(o.count > 1 ? { segment: { index: i, of: o.count } } : {}),
    });
    runners.push(k6run);
    o.cleanup.add(k6run.process.spec.name, () => k6run.stop());
    trackIn(o.started, { pid: k6run.process.pid, port: k6run.apiPort }, o.ledger);
  }
  return runners;
}

/** About twice a second: where the run is (warm-up, baseline, fault, between, recovery) and how the target is doing. */
export function startLive(
  onLive: (s: ProgressStatus) => void,
  o: { sc: ResolvedScenario; runners: readonly K6Run[]; events: readonly TimelineEvent[]; timeline: StartedTimeline; t0: number },
): NodeJS.Timeout {
  const { sc, events, timeline, t0 } = o;
  const tail = new ResultTail(o.runners.map((r) => r.resultsFile));
  const live = setInterval(() => {
    const now = Date.now();
    const applied = events.filter((e) => e.kind === 'apply').length;
    const healed = events.filter((e) => e.kind === 'heal').length;
    const activeNow = timeline.active();
    const judged: Phase = activeNow.length > 0 ? 'fault' : applied === 0 ? 'baseline' : healed >= sc.timeline.length ? 'recovery' : 'between';
    const phase: ProgressStatus['phase'] = judged === 'baseline' && now - t0 < sc.load.warmUpMs ? 'warm-up' : judged;
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
  return live;
}

/**
 * Until the load ends (every k6 runner exited), or the timeline fails, the run is interrupted, or a
 * part exits while nobody asked it to (its figures would describe another stack; the parts the
 * timeline attacks — kill, freeze, restart, a poisoned request — may die: that is what is measured).
 * Then the timeline is stopped (healing what is in place) and each runner's exit is checked.
 */
export async function untilLoadEnds(
  sc: ResolvedScenario,
  st: StartedStack,
  runners: readonly K6Run[],
  timeline: StartedTimeline,
  signal: AbortSignal | undefined,
  stopWhen?: StartedAbortWatch,
  events?: { list: TimelineEvent[]; t0: number },
): Promise<(AbortHit & { atMs: number }) | undefined> {
  // Removed once the load is over: a signal shared by many runs (soak, margin) must not gather one per run.
  let offAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    const onAbort = () => reject(interrupted(signal));
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      offAbort = () => signal.removeEventListener('abort', onAbort);
    }
  });
  aborted.catch(() => undefined);
  const attacked = new Set(sc.timeline.flatMap((t) => (faultKind(t.fault.type)?.hitsProcess ? [partHit(t.fault)] : [])));
  // An attacked part's end (a kill's, the OOM killer's under a memory fault) goes into the timeline.
  const attackedExit = (part: string, how: string) => {
    const atMs = Date.now();
    events?.list.push({ atMs, offsetMs: atMs - events.t0, kind: 'exit', label: `${part} ${how}` });
  };
  const partDied = new Promise<never>((_, reject) => st.onUnexpectedExit(attacked, reject, attackedExit));
  partDied.catch(() => undefined);
  // A stop condition (abortWhen) that held ends the load now: k6 stops, the timeline heals.
  let hit: (AbortHit & { atMs: number }) | undefined;
  const held = stopWhen?.fired.then((h) => {
    hit = h;
  });
  try {
    await Promise.race([Promise.all(runners.map((r) => r.process.exited)), timeline.failed, aborted, partDied, ...(held ? [held] : [])]);
  } finally {
    offAbort();
    stopWhen?.stop();
  }
  if (hit) await Promise.all(runners.map((r) => r.end()));
  // k6 may end before a heal ran (it should not: validation keeps heals inside the load).
  await timeline.stop();
  for (const k6run of runners) {
    const code = (await k6run.process.exited).code;
    if (code !== 0 && code !== 99 && !(hit && code === K6_STOPPED))
      throw new LoadError(
        `${k6run.process.spec.name} ${k6run.process.exitDescription}`,
        `${k6run.process.commandLine()}\nlast log lines:\n${k6run.process.tail()}`,
        'read the k6 log above',
      );
  }
  return hit;
}

/** What the stack tells after the load, for the measures that judge it (and the timeline of the report). */
export interface AfterLoad {
  writes: WriteCheck | undefined;
  /** Whether each gateway's own access log is complete (the witness a reader may check us against). */
  gatewayDroppedLogLines: Record<string, number>;
  connections: Record<string, number> | undefined;
  serverChanges: ServerStateChange[];
  partFaults: Record<string, number>;
  instants: number[];
}

/**
 * Every write looked up, each gateway's log completeness, the connections still held (when an
 * expectation counts them), what the gateways' health checks did during the load (into the run's
 * events, beside the faults that caused it), when each part was first hit, and each instant fault's moment.
 */
export async function readAfterLoad(
  sc: ResolvedScenario,
  st: StartedStack,
  results: LoadResults,
  events: TimelineEvent[],
  t0: number,
  tEnd: number,
): Promise<AfterLoad> {
  const writes = sc.writes ? await checkWrites(st, sc.writes, results.acks, results.attempts, results.writeStarts) : undefined;
  const gatewayDroppedLogLines: Record<string, number> = {};
  const serverChanges: ServerStateChange[] = [];
  for (const p of st.parts.values()) {
    if (p.kind !== 'gateway') continue;
    const n = await p.droppedLogLines();
    if (n !== undefined) gatewayDroppedLogLines[p.name] = n;
    const changes = p.serverChanges();
    serverChanges.push(...changes);
    for (const c of changes.filter((c) => c.atMs >= t0 && c.atMs <= tEnd)) {
      events.push({ atMs: c.atMs, offsetMs: c.atMs - t0, kind: 'gateway', label: `${p.name}: ${c.server} ${c.status} (backend ${c.backend})` });
    }
  }
  const connections = sc.expect.overall.some((e) => e.metric.kind === 'connections') ? await countConnections(st) : undefined;
  events.sort((a, b) => a.atMs - b.atMs);
  const partFaults: Record<string, number> = {};
  for (const t of sc.timeline) {
    const a = events.find((e) => e.kind === 'apply' && e.fault === t.index);
    const part = partHit(t.fault);
    if (a && (partFaults[part] === undefined || a.atMs < partFaults[part])) partFaults[part] = a.atMs;
  }
  const instants = sc.timeline.filter((t) => t.forMs === 0).flatMap((t) => events.filter((e) => e.kind === 'apply' && e.fault === t.index).map((e) => e.atMs));
  return { writes, gatewayDroppedLogLines, connections, serverChanges, partFaults, instants };
}

/**
 * Every expectation judged through its measure, one result (the baseline comparison included: the
 * verdict is final here), and the error that makes it untrusted: a saturated load tool or a machine too busy.
 */
export function judgeRun(
  sc: ResolvedScenario,
  o: {
    runId: string;
    t0: number;
    tEnd: number;
    runners: readonly K6Run[];
    perRunner: readonly LoadResults[];
    results: LoadResults;
    events: TimelineEvent[];
    versions: Record<string, string>;
    counters: readonly CounterSeries[];
    machine: { samples: MachineSample[]; lags: LoopLagSample[] };
    /** Each part's resident memory through the load. */
    rss?: readonly PartSample[];
    after: AfterLoad;
    baseline: RunOptions['baseline'];
    /** The stop condition that held and ended the load early (abortWhen). */
    aborted?: AbortHit & { atMs: number };
  },
): { result: RunResult; error: Error | undefined } {
  const { t0, tEnd, results, after } = o;
  const judgement: Judgement = judge({
    instants: after.instants,
    serverChanges: after.serverChanges,
    partFaults: after.partFaults,
    ...(after.connections ? { connections: after.connections } : {}),
    ...(after.writes ? { writes: after.writes } : {}),
    counters: o.counters,
    samples: results.samples,
    ...(o.rss ? { rss: o.rss } : {}),
    records: results.requests,
    windows: faultWindows(o.events),
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
    runId: o.runId,
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
    perRunner: o.perRunner,
    merged: results,
    listRunners: o.runners.length > 1,
    timeline: o.events,
    judgement,
    versions: o.versions,
    counters: o.counters,
    extra: {
      ...(sc.replayOf ? { replayOf: sc.replayOf } : {}),
      ...(Object.keys(after.gatewayDroppedLogLines).length ? { gatewayDroppedLogLines: after.gatewayDroppedLogLines } : {}),
      ladder: { ...sc.ladder, gaveUp: whoGaveUp(results.requests, results.requests.all(), sc.ladder) },
      ...(o.rss?.length ? { memory: memorySeries(o.rss, t0) } : {}),
      machine: machinePerPhase(o.machine.samples, o.machine.lags, [
        ...judgement.phases.filter((p) => p.phase !== 'between'),
        { phase: 'overall', fromMs: t0 + sc.load.warmUpMs, toMs: tEnd },
      ]),
    },
  });
  const result = built.result;
  if (o.aborted) {
    const a = o.aborted;
    result.aborted = { offsetMs: a.atMs - t0, condition: a.source, measured: a.measured, unit: a.unit, requests: a.requests, text: describeAbort(a) };
    // A stop condition held: the gate has failed, whatever the figures of what ran.
    if (result.verdict === 'pass') result.verdict = 'fail';
  }
  if (o.baseline) {
    result.baseline = compareWithBaseline(result, o.baseline.data, o.baseline.file, o.baseline.margins);
    if (result.baseline.regressions > 0 && result.verdict === 'pass') result.verdict = 'fail';
  }
  // An expectation on a k6 metric or check the load never produced: the scenario's error, never a silent pass.
  const unproduced = producedProblems(sc, results.samples);
  const error = unproduced.length
    ? new ScenarioError(sc.file, unproduced)
    : built.saturation.saturated
      ? saturationError(
          result,
          built.saturation,
          o.runners.map((r) => r.process.spec.name),
          `load of ${sc.file}`,
          saturationFix(sc.load, results, o.runners.length),
        )
      : result.machineTooBusy
        ? machineBusyError(result, `the machine during ${sc.file}`)
        : undefined;
  return { result, error };
}

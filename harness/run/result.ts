import { randomBytes } from 'node:crypto';
import { HarnessError, LoadError } from '../core/errors.ts';
import { saturation, type LoadResults } from '../load/index.ts';
import { timeSeries, workSeries, type CounterSeries, type MachineFigures } from '../metrics/index.ts';
import type { Judgement } from '../measures/index.ts';
import { pct, type RunResult, type TimelineEvent, type UntrustedReason } from '../report/index.ts';

/** reports/<run-id>: when (by default now) and what, plus a few random bits. */
export function newRunId(name: string, atMs = Date.now()): string {
  const t = new Date(atMs).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${name}-${randomBytes(2).toString('hex')}`;
}

/** Dropped iterations above this share make the load generator's figures untrusted. */
export const SATURATION_LIMIT = 0.01;

/**
 * CPU left for the run (cores other processes did not take) under which a judged phase's figures
 * are not trusted: the machine was too busy. Measured on this 2-core machine with the fixed suite
 * beside 0 to 4 busy loops (README, "A busy machine"): every phase with a core or more left passed;
 * fixed runs failed with 0.63 core left and less.
 */
export const MACHINE_FREE_CORES_LIMIT = 0.8;

/** The judged phases (those an expectation reads) with less CPU left for the run than `limit` cores. */
export function starvedPhases(
  machine: readonly MachineFigures[] | undefined,
  judged: Judgement,
  limit = MACHINE_FREE_CORES_LIMIT,
): { phase: string; freeCores: number; othersBusy: number }[] {
  const read = new Set(judged.expectations.map((x) => x.phase));
  return (machine ?? []).flatMap((m) =>
    read.has(m.phase) && m.freeCores !== undefined && m.freeCores < limit ? [{ phase: m.phase, freeCores: m.freeCores, othersBusy: m.othersBusy }] : [],
  );
}

export interface ResultInput {
  runId: string;
  scenario: RunResult['scenario'];
  /** The load's start and its planned end (wall-clock ms). */
  t0: number;
  tEnd: number;
  load: { target: string; rate: number; durationMs: number; arrivalGroups?: readonly string[]; shed?: RunResult['load']['shed'] };
  /** What each k6 process measured, and all of it merged (the judgement's records). */
  perRunner: readonly LoadResults[];
  merged: LoadResults;
  /** Per runner figures are listed when the load was split (always for samples judged later). */
  listRunners: boolean;
  timeline: TimelineEvent[];
  judgement: Judgement;
  versions: Record<string, string>;
  /** The stack's counters as read during the run: drawn per request, bucket by bucket. */
  counters?: readonly CounterSeries[];
  extra?: Pick<RunResult, 'replayOf' | 'gatewayDroppedLogLines' | 'ladder' | 'machine' | 'memory'>;
}

/**
 * result.json's content, for `brownout run` and `brownout judge` alike; with the load generator's
 * saturation (a verdict of 'untrusted' when it dropped more than SATURATION_LIMIT of its arrivals).
 */
export function buildResult(i: ResultInput): { result: RunResult; saturation: ReturnType<typeof saturation> } {
  const sat = saturation(i.perRunner, SATURATION_LIMIT);
  const starved = starvedPhases(i.extra?.machine, i.judgement);
  const series = timeSeries(i.merged.requests, i.t0, i.tEnd);
  const work = i.counters
    ? workSeries(
        i.counters,
        series.points.map((p) => ({ fromMs: i.t0 + p.tMs, toMs: i.t0 + p.tMs + series.bucketMs, requests: p.count })),
      )
    : [];
  const result: RunResult = {
    runId: i.runId,
    scenario: i.scenario,
    startedAt: new Date(i.t0).toISOString(),
    load: {
      target: i.load.target,
      rate: i.load.rate,
      ...(i.load.arrivalGroups ? { arrivalGroups: [...i.load.arrivalGroups] } : {}),
      ...(i.load.shed ? { shed: i.load.shed } : {}),
      durationMs: i.load.durationMs,
      requests: i.merged.requests.length,
      iterations: i.merged.iterations,
      droppedIterations: i.merged.droppedIterations,
      droppedShare: sat.droppedShare,
      saturated: sat.saturated,
      runners: i.perRunner.length,
      ...(i.listRunners
        ? {
            perRunner: i.perRunner.map((p, k) => ({
              requests: p.requests.length,
              iterations: p.iterations,
              droppedIterations: p.droppedIterations,
              droppedShare: sat.shares[k] ?? 0,
            })),
          }
        : {}),
    },
    timeline: i.timeline,
    judgement: i.judgement,
    series,
    ...(work.length ? { workSeries: work } : {}),
    ...i.extra,
    ...(starved.length ? { machineTooBusy: { limitCores: MACHINE_FREE_CORES_LIMIT, phases: starved } } : {}),
    verdict: sat.saturated || starved.length ? 'untrusted' : i.judgement.passed ? 'pass' : 'fail',
    versions: i.versions,
  };
  return { result, saturation: sat };
}

/** The error a saturated load generator makes: what was dropped, by which runner, and the fix. */
export function saturationError(r: RunResult, sat: ReturnType<typeof saturation>, runnerNames: readonly string[], where: string, fix: string): LoadError {
  const attempted = r.load.iterations + r.load.droppedIterations;
  const split = runnerNames.length > 1;
  const which = split
    ? `; runner${sat.saturatedRunners.length === 1 ? '' : 's'} ${sat.saturatedRunners.map((k) => `${runnerNames[k] ?? k} (${((sat.shares[k] ?? 0) * 100).toFixed(2)}%)`).join(', ') || 'none alone'} over the limit`
    : '';
  return new LoadError(
    `load generator saturated: ${r.load.droppedIterations} of ${attempted} iterations dropped (${(sat.droppedShare * 100).toFixed(2)}%${which}; the limit is 1%${split ? ' per runner and overall' : ''})`,
    where,
    `${fix}; the figures of this run are not trusted either way`,
    undefined,
    'BO_LOAD_SATURATED',
  );
}

/** The error a starved run makes: which judged phases, how much CPU other processes left the run, and the fix. */
export function machineBusyError(r: RunResult, where: string): LoadError {
  const busy = r.machineTooBusy;
  const phases = (busy?.phases ?? []).map((p) => `${p.freeCores.toFixed(2)} core in ${p.phase} (others took ${pct(p.othersBusy)} of the machine)`).join(', ');
  return new LoadError(
    `machine too busy: other processes left the run ${phases}; the limit is ${(busy?.limitCores ?? MACHINE_FREE_CORES_LIMIT).toFixed(2)} core in a judged phase`,
    where,
    'run it where nothing else keeps the CPUs busy (fewer jobs at once on this runner, or a runner of its own); the figures of this run are not trusted either way',
    undefined,
    'BO_MACHINE_BUSY',
  );
}

/**
 * Why the verdict was withheld, when that alone made the exit 2: an untrusted verdict with its own
 * error (machine too busy, load generator saturated) and nothing left behind. The rule `againIfBusy`
 * runs again by, and the soak counts apart from harness errors.
 */
export function untrustedReason(o: {
  error: Error | undefined;
  result: RunResult | undefined;
  cleanupFailures: readonly string[];
}): UntrustedReason | undefined {
  if (o.result?.verdict !== 'untrusted' || o.cleanupFailures.length > 0) return undefined;
  const code = o.error instanceof HarnessError ? o.error.code : undefined;
  return code === 'BO_MACHINE_BUSY' ? 'machine too busy' : code === 'BO_LOAD_SATURATED' ? 'load generator saturated' : undefined;
}

/**
 * The one place the exit code is decided: 2 for a harness error (an error, an untrusted verdict,
 * or anything teardown could not release, whatever the verdict), else 0 pass, 1 an expectation failed.
 */
export function exitCodeOf(o: { error: Error | undefined; result: RunResult | undefined; cleanupFailures: readonly string[] }): 0 | 1 | 2 {
  if (o.error || o.cleanupFailures.length > 0 || !o.result || o.result.verdict === 'untrusted') return 2;
  return o.result.verdict === 'pass' ? 0 : 1;
}

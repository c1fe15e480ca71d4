import {
  badExamples,
  countClasses,
  figuresOf,
  groupBy,
  phaseOf,
  PHASES,
  pick,
  RequestTable,
  workPerPhase,
  type CounterSeries,
  type FaultWindow,
  type Figures,
  type Phase,
  type PhaseWork,
  type Requests,
  type Selection,
  type WriteAttempt,
  type WriteClass,
  type WriteCounts,
} from '../metrics/index.ts';
import type { Expectation } from './expectation.ts';
import type { ExpectationResult, PhaseContext, RunFacts } from './kind.ts';
import { type CheckTally, failingChecks } from './k6-metrics.ts';
import { partsByPhase, type PartFigures } from './rss.ts';
import { recoveryTime, shedVerdict, type RecoveryResult } from './recovery.ts';
import { measureOf } from './registry.ts';

export type { WriteCheck } from '../metrics/index.ts';

/** 'overall' expectations are judged over every request of the run. */
export type Scope = Phase | 'overall';

export interface WriteFigures {
  acknowledged: number;
  found: number;
  lost: number;
  /** The first lost ids, for a person to look up. */
  lostIds: number[];
  /** Keyed writes (writes.attemptKey): the classes over the run and per phase, and the first keys of each bad class. */
  attempts?: { counts: WriteCounts; byPhase: Record<string, WriteCounts>; examples: Partial<Record<WriteClass, number[]>> };
  /** Transactions still open when the write check gave up waiting for them. */
  openTransactions?: number;
}

export interface PhaseFigures {
  /** A phase, or a timeline entry's own (its name, with `fault` set). */
  phase: string;
  /** A timeline entry's own phase: the requests in flight while that fault was in place. */
  fault?: true;
  fromMs: number | undefined;
  toMs: number | undefined;
  all: Figures;
  /** Per value of the request tag `name` (k6's grouping tag). */
  byName: Record<string, Figures>;
}

export interface Judgement {
  passed: boolean;
  phases: PhaseFigures[];
  expectations: ExpectationResult[];
  recovery: RecoveryResult | undefined;
  writes: WriteFigures | undefined;
  /** Per phase, what the servers did per client request (their counters, read every second). */
  work?: PhaseWork[];
  /** Each part per phase (and overall, and per timeline entry's own phase): its CPU, the most memory it held and how fast that grew. */
  parts?: PartFigures[];
  /** Each k6 check that failed at least once, per phase (and overall, and per timeline entry's own phase): its passes and failures. */
  checks?: CheckTally[];
  /** load.warmUp: its length and the requests started in it, described (judged in no phase). */
  warmUp?: { ms: number; requests: number; all: Figures; byName: Record<string, Figures> };
}

/** The requests, the fault windows and what each measure reads besides them (RunFacts). */
export interface JudgeInput extends RunFacts {
  records: Requests;
  windows: readonly FaultWindow[];
  loadStartMs: number;
  loadEndMs: number;
  /** load.warmUp: the requests started in the load's first ms are judged in no phase. */
  warmUpMs?: number;
  expect: Partial<Record<Scope, readonly Expectation[]>>;
  /** Each timeline entry's own phase (windows carry its name as `phase`), with its expectations. */
  faultPhases?: readonly { name: string; expect: readonly Expectation[] }[];
  /** Expectations every recovery window must meet (the baseline's when not given). */
  steady: readonly Expectation[];
  stableForMs: number;
  windowMs?: number;
  /** The load shed planned after the last heal (load.shed), from the start of the load. */
  shed?: { fromMs: number; toMs: number; share: number };
}

/** In flight at any moment from one of the windows' apply request to its heal's confirmation. */
function inWindows(ws: readonly FaultWindow[], start: number, end: number): boolean {
  return ws.some((w) => start < w.healedMs && end >= w.applyRequestedMs);
}

/** Numbers in, figures out: no process, no clock. */
export function judge(input: JudgeInput): Judgement {
  const { every, table, warm, loadStartMs } = splitWarmUp(input);
  const { phases, scopes } = phasesOf(table, input, loadStartMs);
  const work = input.counters ? workOf(input.counters, table, phases, loadStartMs, input.loadEndMs) : undefined;
  const recoveryOf = recoveryOver(table, input);
  // Each expectation through its measure.
  const expectations: ExpectationResult[] = [];
  for (const { phase, list, recs, within } of scopes) {
    const ctx: PhaseContext = { phase, table, fromMs: loadStartMs, recs, within, run: input, work: work?.find((x) => x.phase === phase), recovery: recoveryOf };
    for (const e of list) expectations.push(measureOf(e.metric.kind).judge(e, ctx));
  }
  const writes = input.writes && {
    acknowledged: input.writes.acks.length,
    found: input.writes.acks.filter((a) => !input.writes?.lost.has(a.id)).length,
    lost: input.writes.acks.filter((a) => input.writes?.lost.has(a.id)).length,
    lostIds: [...input.writes.lost].slice(0, 20),
    ...(input.writes.attempts ? { attempts: writeClasses(input.writes.attempts, phases, input.windows) } : {}),
    ...(input.writes.openTransactions ? { openTransactions: input.writes.openTransactions } : {}),
  };
  const warmUpMs = input.warmUpMs ?? 0;
  const checks = failingChecks(input.samples, loadStartMs, scopes);
  const parts = partsByPhase(input.rss, loadStartMs, scopes);
  return {
    passed: expectations.every((x) => x.passed),
    phases,
    expectations,
    recovery: recoveryOf(),
    writes,
    ...(work ? { work } : {}),
    ...(checks.length ? { checks } : {}),
    ...(parts.length ? { parts } : {}),
    ...(warmUpMs > 0 ? { warmUp: { ms: warmUpMs, requests: warm.length, all: figuresOf(every, warm), byName: figuresByName(every, warm) } } : {}),
  };
}

/** The warm-up's requests are in no figure: every figure and phase bound starts at its end. One pass splits them (described apart) from the judged ones. */
function splitWarmUp(input: JudgeInput): { every: RequestTable; table: RequestTable; warm: number[]; loadStartMs: number } {
  const warmUpMs = input.warmUpMs ?? 0;
  const loadStartMs = input.loadStartMs + warmUpMs;
  const every = RequestTable.from(input.records);
  const warm: number[] = [];
  if (warmUpMs === 0) return { every, table: every, warm, loadStartMs };
  const table = new RequestTable();
  for (const i of every.all())
    if (every.startMs(i) < loadStartMs) warm.push(i);
    else table.addRow(every, i);
  return { every, table, warm, loadStartMs };
}

/** A scope or an entry's own phase as the measures judge it: its expectations, its requests, and whether a span is in it. */
interface JudgedScope {
  phase: string;
  list: readonly Expectation[];
  recs: () => Selection;
  within: (startMs: number, endMs: number) => boolean;
}

/**
 * The phases' figures (baseline, fault, between, recovery, then each timeline entry's own: the
 * requests in flight from its apply's request to its heal's confirmation), and the scopes the
 * expectations are judged in. A write is in a phase by the same rule as a request: an id by the
 * moment of its acknowledgement, a keyed write by its span from its key's making to its last response.
 */
function phasesOf(table: RequestTable, input: JudgeInput, loadStartMs: number): { phases: PhaseFigures[]; scopes: JudgedScope[] } {
  const phaseGroups = groupBy(
    table.all(),
    (i) => PHASES.indexOf(phaseOf(table.startMs(i), table.startMs(i) + table.durationMs(i), input.windows)),
    PHASES.length,
  );
  const byPhase = new Map<Phase, Selection>(PHASES.map((p, k) => [p, phaseGroups[k] ?? []]));
  const firstApply = input.windows.length ? Math.min(...input.windows.map((w) => w.applyRequestedMs)) : undefined;
  const lastHeal = input.windows.length ? Math.max(...input.windows.map((w) => w.healedMs)) : undefined;
  const bounds: Record<Phase, [number | undefined, number | undefined]> = {
    baseline: [loadStartMs, firstApply ?? input.loadEndMs],
    fault: [firstApply, lastHeal],
    between: [firstApply, lastHeal],
    recovery: [lastHeal, lastHeal === undefined ? undefined : input.loadEndMs],
  };
  const phases: PhaseFigures[] = [];
  for (const phase of PHASES) {
    const recs = byPhase.get(phase) ?? [];
    if (recs.length === 0 && phase === 'between') continue;
    phases.push({ phase, fromMs: bounds[phase][0], toMs: bounds[phase][1], all: figuresOf(table, recs), byName: figuresByName(table, recs) });
  }
  const scopes: JudgedScope[] = (['baseline', 'fault', 'between', 'recovery', 'overall'] as const).map((phase) => ({
    phase,
    list: input.expect[phase] ?? [],
    recs: () => (phase === 'overall' ? table.all() : (byPhase.get(phase) ?? [])),
    within: (startMs: number, endMs: number) => phase === 'overall' || phaseOf(startMs, endMs, input.windows) === phase,
  }));
  for (const fp of input.faultPhases ?? []) {
    const ws = input.windows.filter((w) => w.phase === fp.name);
    const within = (startMs: number, endMs: number) => inWindows(ws, startMs, endMs);
    const sel = ws.length === 0 ? undefined : pick(table.all(), (i) => within(table.startMs(i), table.startMs(i) + table.durationMs(i)));
    if (sel)
      phases.push({
        phase: fp.name,
        fault: true,
        fromMs: Math.min(...ws.map((w) => w.applyRequestedMs)),
        toMs: Math.max(...ws.map((w) => w.healedMs)),
        all: figuresOf(table, sel),
        byName: figuresByName(table, sel),
      });
    scopes.push({ phase: fp.name, list: fp.expect, recs: () => sel ?? [], within });
  }
  return { phases, scopes };
}

/**
 * The servers' work per phase: each counter's increase over the phase's span, per request started
 * in that span (between has no span of its own: it is the gaps between the windows); 'overall' is
 * the whole load.
 */
function workOf(counters: readonly CounterSeries[], table: RequestTable, phases: readonly PhaseFigures[], loadStartMs: number, loadEndMs: number): PhaseWork[] {
  const startedIn = (from: number | undefined, to: number | undefined) =>
    from === undefined || to === undefined ? 0 : table.all().filter((i) => table.startMs(i) >= from && table.startMs(i) < to).length;
  return workPerPhase(counters, [
    ...phases.filter((p) => p.phase !== 'between').map((p) => ({ phase: p.phase, fromMs: p.fromMs, toMs: p.toMs, requests: startedIn(p.fromMs, p.toMs) })),
    { phase: 'overall', fromMs: loadStartMs, toMs: loadEndMs, requests: startedIn(loadStartMs, loadEndMs + 1) },
  ]);
}

/** Recovery from the last heal over the given requests (every one, or those of a tag filter), with the shed's verdict where one was planned. */
function recoveryOver(table: RequestTable, input: JudgeInput): (sel?: Selection) => RecoveryResult | undefined {
  const lastHeal = input.windows.length ? Math.max(...input.windows.map((w) => w.healedMs)) : undefined;
  // Over every request it is asked twice (the judgement's own and recovery < N's): computed once.
  let overAll: { rc: RecoveryResult | undefined } | undefined;
  const over = (sel?: Selection): RecoveryResult | undefined => {
    if (lastHeal === undefined) return undefined;
    const rc = recoveryTime({
      records: table,
      ...(sel ? { sel } : {}),
      lastHealMs: lastHeal,
      loadEndMs: input.loadEndMs,
      steady: input.steady,
      stableForMs: input.stableForMs,
      ...(input.windowMs === undefined ? {} : { windowMs: input.windowMs }),
    });
    const shed = input.shed;
    if (!shed) return rc;
    // The shed was planned from the planned heal; measured from the confirmed one (a heal confirms late, never early).
    const afterMs = Math.max(0, input.loadStartMs + shed.fromMs - lastHeal);
    return { ...rc, shed: shedVerdict(rc, { afterMs, forMs: shed.toMs - shed.fromMs, share: shed.share }) };
  };
  return (sel) => {
    if (sel) return over(sel);
    overAll ??= { rc: over() };
    return overAll.rc;
  };
}

/** The keyed writes' classes over the run, per phase and per entry (each write by its span, as a request). */
function writeClasses(
  attempts: readonly WriteAttempt[],
  phases: readonly PhaseFigures[],
  windows: readonly FaultWindow[],
): NonNullable<WriteFigures['attempts']> {
  const byPhase: Record<string, WriteCounts> = {};
  for (const p of phases) {
    const ws = windows.filter((w) => w.phase === p.phase);
    byPhase[p.phase] = countClasses(attempts.filter((a) => (p.fault ? inWindows(ws, a.startMs, a.atMs) : phaseOf(a.startMs, a.atMs, windows) === p.phase)));
  }
  return { counts: countClasses(attempts), byPhase, examples: badExamples(attempts) };
}

/** The figures of a selection per value of the request tag `name` (k6's grouping tag), sorted by name. */
function figuresByName(table: RequestTable, recs: Selection): Record<string, Figures> {
  const nameIds = new Map<string, number>();
  for (const r of recs) {
    const n = table.tags(r)['name'];
    if (n !== undefined && !nameIds.has(n)) nameIds.set(n, nameIds.size);
  }
  const nameGroups = groupBy(recs, (r) => nameIds.get(table.tags(r)['name'] ?? '') ?? -1, nameIds.size);
  return Object.fromEntries([...nameIds].sort(([a], [b]) => a.localeCompare(b)).map(([n, k]) => [n, figuresOf(table, nameGroups[k] ?? [])]));
}

import { parseDurationMs } from '../core/duration.ts';
import { compare, isWriteMetric, type Expectation } from './expectation.ts';
import {
  figuresOf,
  measure,
  phaseOf,
  PHASES,
  recoveryTime,
  shedVerdict,
  describeShed,
  ejectionMs,
  matchesTags,
  type FaultWindow,
  type ServerStateChange,
  type Figures,
  type Phase,
  type RecoveryResult,
  type Requests,
} from './figures.ts';
import { straddles, type Interval } from './interval.ts';
import { groupBy, pick, RequestTable, type Selection } from './table.ts';
import { workPerPhase, type CounterKind, type CounterName, type CounterSeries, type PhaseWork } from './counters.ts';
import { badExamples, countClasses, type WriteAttempt, type WriteClass, type WriteCounts } from './writes.ts';

/** The expectations on the stack's own counters: which counter of which kind, filtered by which tag. */
const COUNTER_EXPECTATIONS: Record<
  'db_queries_per_request' | 'cache_miss_rate' | 'upstream_calls_per_request',
  { kind: CounterKind; counter: CounterName; tag: string; noun: string }
> = {
  db_queries_per_request: { kind: 'mariadb', counter: 'queries', tag: 'db', noun: 'mariadb part' },
  cache_miss_rate: { kind: 'redis', counter: 'misses', tag: 'cache', noun: 'redis part' },
  // Only a link with an HTTP proxy (one an HTTP fault names) counts calls: Toxiproxy sees connections, not requests.
  upstream_calls_per_request: { kind: 'link', counter: 'calls', tag: 'link', noun: 'link with an HTTP proxy' },
};

/** 'overall' expectations are judged over every request of the run. */
export type Scope = Phase | 'overall';

export interface WriteCheck {
  /** Every write the target acknowledged, with when. */
  acks: readonly { id: number; atMs: number }[];
  /** Acknowledged ids not found in the database after the run. */
  lost: ReadonlySet<number>;
  /** Every keyed write (the scenario's writes.attemptKey), classed. */
  attempts?: readonly WriteAttempt[];
  /** Transactions still open when the lookup gave up waiting for them (30 s): what they write later is not seen. */
  openTransactions?: number;
}

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

export interface ExpectationResult {
  /** A scope, or a timeline entry's own phase (its name). */
  phase: string;
  source: string;
  /** ms, a fraction, or a count; undefined when there was nothing to measure. */
  measured: number | undefined;
  /** ms, a share, a whole count, or a ratio (work per request). */
  unit: 'ms' | 'rate' | 'count' | 'ratio';
  /** How many requests the figure was computed over. */
  requests: number;
  passed: boolean;
  note?: string;
  /** The figure's 95% confidence interval (percentiles, rates, recovery); -Infinity/Infinity where the data cannot bound it. */
  interval?: Interval;
  /** The limit lies inside the interval: this run's verdict could as well have gone the other way. */
  borderline?: boolean;
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
  /** load.warmUp: its length and the requests started in it, described (judged in no phase). */
  warmUp?: { ms: number; requests: number; all: Figures; byName: Record<string, Figures> };
}

export interface JudgeInput {
  records: Requests;
  windows: readonly FaultWindow[];
  loadStartMs: number;
  loadEndMs: number;
  /** load.warmUp: the requests started in the load's first ms are judged in no phase. */
  warmUpMs?: number;
  expect: Partial<Record<Scope, readonly Expectation[]>>;
  writes?: WriteCheck;
  /** When each instant fault (flush, restart, kill, request) was applied: {first:N} windows start here. */
  instants?: readonly number[];
  /** Connections of the services' account per mariadb part, counted after the load. */
  connections?: Readonly<Record<string, number>>;
  /** Every server state change the gateways showed, for ejection{part:...}. */
  serverChanges?: readonly ServerStateChange[];
  /** When the first fault on each part was applied (a kill of it, a fault on a link to it). */
  partFaults?: Readonly<Record<string, number>>;
  /** Each timeline entry's own phase (windows carry its name as `phase`), with its expectations. */
  faultPhases?: readonly { name: string; expect: readonly Expectation[] }[];
  /** Expectations every recovery window must meet (the baseline's when not given). */
  steady: readonly Expectation[];
  stableForMs: number;
  windowMs?: number;
  /** The load shed planned after the last heal (load.shed), from the start of the load. */
  shed?: { fromMs: number; toMs: number; share: number };
  /** Every mariadb and redis part's counters, read during the load. */
  counters?: readonly CounterSeries[];
}

function unitOf(e: Expectation): ExpectationResult['unit'] {
  return e.metric.kind === 'rate' ? 'rate' : e.metric.kind === 'count' || e.metric.kind === 'connections' || isWriteMetric(e.metric.kind) ? 'count' : 'ms';
}

/** In flight at any moment from one of the windows' apply request to its heal's confirmation. */
function inWindows(ws: readonly FaultWindow[], start: number, end: number): boolean {
  return ws.some((w) => start < w.healedMs && end >= w.applyRequestedMs);
}

/** Numbers in, figures out: no process, no clock. */
export function judge(input: JudgeInput): Judgement {
  // The warm-up's requests are in no figure: every figure and phase bound starts at its end.
  const warmUpMs = input.warmUpMs ?? 0;
  const loadStartMs = input.loadStartMs + warmUpMs;
  const every = RequestTable.from(input.records);
  // One pass splits the warm-up's requests (described apart) from the judged ones.
  let table = every;
  const warm: number[] = [];
  if (warmUpMs > 0) {
    table = new RequestTable();
    for (const i of every.all())
      if (every.startMs(i) < loadStartMs) warm.push(i);
      else table.addRow(every, i);
  }
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

  // Each entry's own phase: in flight at any moment from its apply's request to its heal's confirmation.
  const faultPhaseSel = new Map<string, Selection>();
  for (const fp of input.faultPhases ?? []) {
    const ws = input.windows.filter((w) => w.phase === fp.name);
    if (ws.length === 0) continue;
    const sel = pick(table.all(), (i) => inWindows(ws, table.startMs(i), table.startMs(i) + table.durationMs(i)));
    faultPhaseSel.set(fp.name, sel);
    phases.push({
      phase: fp.name,
      fault: true,
      fromMs: Math.min(...ws.map((w) => w.applyRequestedMs)),
      toMs: Math.max(...ws.map((w) => w.healedMs)),
      all: figuresOf(table, sel),
      byName: figuresByName(table, sel),
    });
  }

  // The servers' work per phase: each counter's increase over the phase's span, per request started
  // in that span (between has no span of its own: it is the gaps between the windows); 'overall' is
  // the whole load.
  const startedIn = (from: number | undefined, to: number | undefined) =>
    from === undefined || to === undefined ? 0 : table.all().filter((i) => table.startMs(i) >= from && table.startMs(i) < to).length;
  const work = input.counters
    ? workPerPhase(input.counters, [
        ...phases.filter((p) => p.phase !== 'between').map((p) => ({ phase: p.phase, fromMs: p.fromMs, toMs: p.toMs, requests: startedIn(p.fromMs, p.toMs) })),
        { phase: 'overall', fromMs: loadStartMs, toMs: input.loadEndMs, requests: startedIn(loadStartMs, input.loadEndMs + 1) },
      ])
    : undefined;

  // Recovery over the given requests (every one, or those of a tag filter), from the last heal.
  const recoveryOf = (sel: Selection | undefined): RecoveryResult | undefined => {
    const rc = recoveryAt(sel);
    const shed = input.shed;
    if (!rc || !shed || lastHeal === undefined) return rc;
    // The shed was planned from the planned heal; measured from the confirmed one (a heal confirms late, never early).
    const afterMs = Math.max(0, input.loadStartMs + shed.fromMs - lastHeal);
    return { ...rc, shed: shedVerdict(rc, { afterMs, forMs: shed.toMs - shed.fromMs, share: shed.share }) };
  };
  const recoveryAt = (sel: Selection | undefined): RecoveryResult | undefined =>
    lastHeal === undefined
      ? undefined
      : recoveryTime({
          records: table,
          ...(sel ? { sel } : {}),
          lastHealMs: lastHeal,
          loadEndMs: input.loadEndMs,
          steady: input.steady,
          stableForMs: input.stableForMs,
          ...(input.windowMs === undefined ? {} : { windowMs: input.windowMs }),
        });
  const recovery = recoveryOf(undefined);

  const expectations: ExpectationResult[] = [];
  const scopes: Scope[] = [...PHASES, 'overall'];
  // A write is in a phase by the same rule as a request: an id by the moment of its acknowledgement,
  // a keyed write by its span from its key's making to its last response.
  const judged: { phase: string; list: readonly Expectation[]; recs: () => Selection; within: (startMs: number, endMs: number) => boolean }[] = [
    ...scopes.map((phase) => ({
      phase,
      list: input.expect[phase] ?? [],
      recs: () => (phase === 'overall' ? table.all() : (byPhase.get(phase) ?? [])),
      within: (startMs: number, endMs: number) => phase === 'overall' || phaseOf(startMs, endMs, input.windows) === phase,
    })),
    ...(input.faultPhases ?? []).map((fp) => {
      const ws = input.windows.filter((w) => w.phase === fp.name);
      return {
        phase: fp.name,
        list: fp.expect,
        recs: () => faultPhaseSel.get(fp.name) ?? [],
        within: (startMs: number, endMs: number) => inWindows(ws, startMs, endMs),
      };
    }),
  ];
  for (const { phase, list, recs: recsOf, within } of judged) {
    for (const e of list) {
      if (e.metric.kind === 'connections') {
        const dbs = Object.keys(input.connections ?? {});
        const db = e.tags['db'] ?? dbs[0];
        const n = db === undefined ? undefined : input.connections?.[db];
        expectations.push(
          n === undefined
            ? {
                phase,
                source: e.source,
                measured: undefined,
                unit: 'count',
                requests: 0,
                passed: false,
                note: `no connection count for ${db ?? 'any database'}`,
              }
            : { phase, source: e.source, measured: n, unit: 'count', requests: 0, passed: compare(n, e.op, e.value) },
        );
        continue;
      }
      if (isWriteMetric(e.metric.kind)) {
        const w = input.writes;
        const kind = e.metric.kind;
        const note =
          w === undefined
            ? 'the scenario has no write check'
            : kind !== 'lost_writes' && !w.attempts
              ? 'the write check has no attemptKey: no write carries a key'
              : undefined;
        if (!w || note) {
          expectations.push({ phase, source: e.source, measured: undefined, unit: 'count', requests: 0, passed: false, ...(note ? { note } : {}) });
          continue;
        }
        const acks = w.acks.filter((a) => within(a.atMs, a.atMs));
        const attempts = (w.attempts ?? []).filter((a) => within(a.startMs, a.atMs));
        const n =
          kind === 'lost_writes'
            ? acks.filter((a) => w.lost.has(a.id)).length + attempts.filter((a) => a.class === 'lost').length
            : attempts.filter((a) => a.class === (kind === 'duplicate_writes' ? 'duplicated' : 'committed_after_failure')).length;
        const over = kind === 'lost_writes' ? acks.length + attempts.filter((a) => a.acknowledged).length : attempts.length;
        expectations.push({ phase, source: e.source, measured: n, unit: 'count', requests: over, passed: compare(n, e.op, e.value) });
        continue;
      }
      if (e.metric.kind === 'db_queries_per_request' || e.metric.kind === 'cache_miss_rate' || e.metric.kind === 'upstream_calls_per_request') {
        const what = COUNTER_EXPECTATIONS[e.metric.kind];
        const w = work?.find((x) => x.phase === phase);
        const tag = e.tags[what.tag];
        const parts = (w?.parts ?? []).filter((p) => p.kind === what.kind && (tag === undefined || p.part === tag) && p.totals[what.counter] !== undefined);
        const sum = (n: CounterName) => parts.reduce((k, p) => k + (p.totals[n] ?? 0), 0);
        const lookups = sum('hits') + sum('misses');
        const perRequest = e.metric.kind !== 'cache_miss_rate';
        const measured =
          !w || parts.length === 0
            ? undefined
            : perRequest
              ? w.requests > 0
                ? sum(what.counter) / w.requests
                : undefined
              : lookups > 0
                ? sum('misses') / lookups
                : undefined;
        const note =
          measured !== undefined
            ? undefined
            : !input.counters
              ? 'no counters were read'
              : parts.length === 0
                ? `no ${what.noun}${tag ? ` named ${tag}` : ''} was read in this phase`
                : perRequest
                  ? 'no request in this phase'
                  : 'no cache lookup in this phase';
        expectations.push({
          phase,
          source: e.source,
          measured,
          unit: perRequest ? 'ratio' : 'rate',
          requests: w?.requests ?? 0,
          passed: measured !== undefined && compare(measured, e.op, e.value),
          ...(note ? { note } : {}),
        });
        continue;
      }
      if (e.metric.kind === 'ejection') {
        const part = e.tags['part'] ?? '';
        const from = input.partFaults?.[part];
        const ms = from === undefined ? undefined : ejectionMs(input.serverChanges ?? [], part, from);
        const note = from === undefined ? `no fault was applied to ${part}` : ms === undefined ? `the gateway never marked ${part} down` : undefined;
        expectations.push({
          phase,
          source: e.source,
          measured: ms,
          unit: 'ms',
          requests: 0,
          passed: ms !== undefined && compare(ms, e.op, e.value),
          ...(note ? { note } : {}),
        });
        continue;
      }
      if (e.metric.kind === 'recovery') {
        // With a tag filter, the steady state is judged over those requests only (e.g. the jobs only
        // a leader takes: the failover time).
        const rc = Object.keys(e.tags).length === 0 ? recovery : recoveryOf(pick(table.all(), (i) => matchesTags(table.tags(i), e.tags)));
        if (!rc) {
          expectations.push({
            phase,
            source: e.source,
            measured: undefined,
            unit: 'ms',
            requests: 0,
            passed: false,
            note: 'no fault was healed, so there is no recovery to measure',
          });
        } else if (rc.shed && rc.shed.verdict !== 'at load') {
          // Metastable: recovering only once the load was shed is a failure at the offered load.
          expectations.push({
            phase,
            source: e.source,
            measured: rc.recoveryMs,
            unit: 'ms',
            requests: 0,
            passed: false,
            note: describeShed(rc) ?? '',
          });
        } else if (!rc.recovered) {
          const lw = rc.lastWindow;
          expectations.push({
            phase,
            source: e.source,
            measured: undefined,
            unit: 'ms',
            requests: 0,
            passed: false,
            note: `never recovered${lw ? `: last window (${lw.count} requests) failed ${lw.failing.join(', ') || 'nothing (too few windows left)'}` : ''}`,
          });
        } else {
          const v = rc.recoveryMs ?? 0;
          // Known to a window: the steady span began after the previous window's start.
          expectations.push(verdict(e, { phase, source: e.source, measured: v, unit: 'ms', requests: 0 }, { lo: Math.max(0, v - rc.windowMs), hi: v }));
        }
        continue;
      }
      let recs: Selection = recsOf();
      let judged = e;
      const first = e.tags['first'];
      if (first !== undefined) {
        const ms = parseDurationMs(first) ?? 0;
        const starts = input.instants ?? [];
        recs = pick(recs, (r) => starts.some((t) => table.startMs(r) >= t && table.startMs(r) < t + ms));
        const { first: _first, ...tags } = e.tags;
        judged = { ...e, tags };
      }
      const m = measure(judged, table, recs);
      if (e.metric.kind !== 'count' && m.count === 0) {
        expectations.push({ phase, source: e.source, measured: undefined, unit: unitOf(e), requests: 0, passed: false, note: noMatchNote(table, judged.tags) });
        continue;
      }
      expectations.push(verdict(e, { phase, source: e.source, measured: m.value, unit: unitOf(e), requests: m.count }, m.interval));
    }
  }
  const writes = input.writes && {
    acknowledged: input.writes.acks.length,
    found: input.writes.acks.filter((a) => !input.writes?.lost.has(a.id)).length,
    lost: input.writes.acks.filter((a) => input.writes?.lost.has(a.id)).length,
    lostIds: [...input.writes.lost].slice(0, 20),
    ...(input.writes.attempts ? { attempts: writeClasses(input.writes.attempts, phases, input.windows) } : {}),
    ...(input.writes.openTransactions ? { openTransactions: input.writes.openTransactions } : {}),
  };
  return {
    passed: expectations.every((x) => x.passed),
    phases,
    expectations,
    recovery,
    writes,
    ...(work ? { work } : {}),
    ...(warmUpMs > 0 ? { warmUp: { ms: warmUpMs, requests: warm.length, all: figuresOf(every, warm), byName: figuresByName(every, warm) } } : {}),
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

/**
 * Why no request matched: the phase had none of them, or no request of the whole run carries the
 * filter's tags (a misspelt name): then the values the run's requests do carry, to pick from.
 */
export function noMatchNote(table: RequestTable, tags: Readonly<Record<string, string>>): string {
  const keys = Object.keys(tags);
  const all = table.all();
  if (keys.length === 0 || all.some((i) => matchesTags(table.tags(i), tags))) return 'no request matched in this phase';
  const seen = new Map<string, Set<string>>(keys.map((k) => [k, new Set<string>()]));
  for (const i of all) {
    const t = table.tags(i);
    for (const k of keys) if (t[k] !== undefined) seen.get(k)?.add(t[k]);
  }
  const filter = keys.map((k) => `${k}:${tags[k] ?? ''}`).join(',');
  const carried = keys.map((k) => {
    const vs = [...(seen.get(k) ?? [])].sort();
    return vs.length ? `${k}: ${vs.slice(0, 12).join(', ')}${vs.length > 12 ? `, … (${vs.length})` : ''}` : `${k}: (no request has this tag)`;
  });
  return `no request of the whole run carries {${filter}}; the requests carry ${carried.join('; ')}`;
}

/**
 * Pass or fail with the interval: borderline when the limit lies inside it; with `@95%` the bound
 * on the failing side must meet the limit too (the upper bound for < and <=, the lower for > and >=).
 */
export function verdict(e: Expectation, r: Omit<ExpectationResult, 'passed'> & { measured: number }, interval: Interval | undefined): ExpectationResult {
  const measuredPasses = compare(r.measured, e.op, e.value);
  if (!interval) return { ...r, passed: measuredPasses };
  const bound = e.op === '<' || e.op === '<=' ? interval.hi : interval.lo;
  const passed = e.certain ? measuredPasses && compare(bound, e.op, e.value) : measuredPasses;
  return { ...r, passed, interval, ...(straddles(interval, e.value) ? { borderline: true } : {}) };
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

import {
  type CounterSeries,
  type K6Samples,
  type PhaseWork,
  type ServerStateChange,
  straddles,
  type Interval,
  type RequestTable,
  type Selection,
  type WriteCheck,
} from '../metrics/index.ts';
import type { RecoveryResult } from './recovery.ts';
import type { PartSample } from './rss.ts';

/**
 * One measure, whole: how an expectation names it, what its limit and tag filter are, where in a
 * scenario it may stand, what the scenario must have for it, and its verdict in a phase. Registered
 * in index.ts (MEASURE_KINDS); parsing, validation, judging and judging k6 samples without a stack
 * loop over that list, as the fault kinds' code loops over FAULT_KINDS. A new measure is one file
 * here, a line in the list and its test.
 * Methods (not arrow properties), so that every kind fits the list's MeasureKind<MetricRef>.
 */
export interface MeasureKind<M extends { kind: string }> {
  readonly kind: M['kind'];
  /** How an expectation writes it, for the list of measures in an error's fix: 'p50/p95/p99/p(N)', 'rate(STATUS)'. */
  readonly written: string;
  /** Its metric from the text before the tag filter ('p95', 'rate(503)'); undefined when the text is another measure's. `whole`: the expectation, for messages. */
  parse(text: string, whole: string): M | Failed | undefined;
  /** How the limit after the operator reads: a duration (ms), a rate (0..1), a whole count, a plain number (a ratio). */
  readonly unit: Unit;
  /** It has a 95% confidence interval, so '@95%' applies. */
  readonly interval: boolean;
  /** The tag filter it takes (undefined: any request tags, {first:…} included); may rewrite a value ('->' → '→'). */
  tags?(m: M, tags: Record<string, string>, text: string): Failed | undefined;
  /** The one scope it is judged in (recovery: the recovery phase; a count after the load: overall), and why. */
  readonly only?: { scope: 'recovery' | 'overall'; why: string };
  /** Judged per timeline entry's own phase (false: once per run, or from the last heal only). */
  readonly perEntry: boolean;
  /** Judged per 100 ms window: a steady-state expectation of recovery (percentiles and rates). */
  readonly perWindow: boolean;
  /** Read from the stack brownout starts (its database, gateway, counters, fault timeline), not from k6's samples alone. */
  readonly needsStack: boolean;
  /** What the scenario lacks for it (a write check, a checked gateway, a part of the right kind), with the fix. */
  problem?(e: Expectation<M>, s: ScenarioFacts): { message: string; fix: string } | undefined;
  /** Its limit read its own way (a k6 Trend's: a duration or a plain number), instead of by its unit. */
  readLimit?(valueText: string, text: string): { value: number } | Failed;
  /** What the bundled load script must name for it (a k6 metric, a check): checked before the load. */
  beforeLoad?(e: Expectation<M>, script: string): { message: string; fix: string } | undefined;
  /** What the load must have produced for it (a k6 metric's samples): checked after the load, an error (exit 2) when missing. */
  afterLoad?(e: Expectation<M>, samples: K6Samples | undefined): { message: string; fix: string } | undefined;
  /** Its verdict over one phase's figures. */
  judge(e: Expectation<M>, ctx: PhaseContext): ExpectationResult;
}

export type Unit = 'ms' | 'rate' | 'count' | 'ratio';
export type Op = '<' | '<=' | '>' | '>=' | '==';
export type Failed = { ok: false; message: string; fix: string };

/** An expectation as written in a scenario, read: `p95{name:upload} < 200ms`, `rate(503) < 0.1%`, `recovery < 3s`. */
export interface Expectation<M extends { kind: string } = { kind: string }> {
  source: string;
  metric: M;
  tags: Readonly<Record<string, string>>;
  op: Op;
  /** ms for latency and recovery; a fraction (0..1) for rates; a number for count. */
  value: number;
  /**
   * `@95%` after the value: the limit must hold for the whole 95% confidence interval, not only for
   * the measured figure (percentiles, rates, recovery).
   */
  certain?: boolean;
}

/** What a measure may ask of the scenario around an expectation. */
export interface ScenarioFacts {
  /** The scenario's write check, when it declares one. */
  writes: { attemptKey?: string | undefined } | undefined;
  /** A part's kind ('mariadb', 'redis', 'service', 'gateway'), undefined when the stack has no such part. */
  kindOf(part: string): string | undefined;
  /** The links that carry an HTTP proxy (an HTTP fault names them). */
  httpLinks: readonly string[];
  /** The parts behind a gateway with health checks. */
  checkedServers: ReadonlySet<string>;
  /** The parts a fault of the timeline hits. */
  faulted: ReadonlySet<string>;
}

/** What the run read besides the requests, for the measures that judge it. */
export interface RunFacts {
  writes?: WriteCheck;
  /** When each instant fault (flush, restart, kill, request) was applied: {first:N} windows start here. */
  instants?: readonly number[];
  /** Connections of the services' account per mariadb part, counted after the load. */
  connections?: Readonly<Record<string, number>>;
  /** Every server state change the gateways showed, for ejection{part:...}. */
  serverChanges?: readonly ServerStateChange[];
  /** When the first fault on each part was applied (a kill of it, a fault on a link to it). */
  partFaults?: Readonly<Record<string, number>>;
  /** Every mariadb and redis part's counters, read during the load. */
  counters?: readonly CounterSeries[];
  /** The load script's own k6 metrics (checks, custom Trends, Rates, Counters, Gauges). */
  samples?: K6Samples;
  /** Each part's resident memory, read through the load. */
  rss?: readonly PartSample[];
}

/** One phase as a measure judges it. */
export interface PhaseContext {
  /** A scope, or a timeline entry's own phase (its name). */
  readonly phase: string;
  /** Every judged request of the run (the warm-up's left out). */
  readonly table: RequestTable;
  /** Where the judged load starts (the warm-up's end): a k6 sample emitted before it is in no phase. */
  readonly fromMs: number;
  /** The phase's requests. */
  recs(): Selection;
  /** Whether a span (a write's, from its key's making to its last response) is in this phase, by the requests' rule. */
  within(startMs: number, endMs: number): boolean;
  readonly run: RunFacts;
  /** The servers' work in this phase, per client request (undefined without counters). */
  readonly work: PhaseWork | undefined;
  /** Recovery from the last heal over the given requests (every one when not given); undefined when nothing was healed. */
  recovery(sel?: Selection): RecoveryResult | undefined;
}

export interface ExpectationResult {
  /** A scope, or a timeline entry's own phase (its name). */
  phase: string;
  source: string;
  /** ms, a fraction, or a count; undefined when there was nothing to measure. */
  measured: number | undefined;
  /** ms, a share, a whole count, or a ratio (work per request). */
  unit: Unit;
  /** How many requests the figure was computed over. */
  requests: number;
  passed: boolean;
  note?: string;
  /** The figure's 95% confidence interval (percentiles, rates, recovery); -Infinity/Infinity where the data cannot bound it. */
  interval?: Interval;
  /** The limit lies inside the interval: this run's verdict could as well have gone the other way. */
  borderline?: boolean;
}

export function compare(measured: number, op: Op, expected: number): boolean {
  switch (op) {
    case '<':
      return measured < expected;
    case '<=':
      return measured <= expected;
    case '>':
      return measured > expected;
    case '>=':
      return measured >= expected;
    case '==':
      return Math.abs(measured - expected) < 1e-9;
  }
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

/** A result with nothing measured: failed, with why. */
export const unmeasured = (e: Expectation, ctx: PhaseContext, unit: Unit, note: string, requests = 0): ExpectationResult => ({
  phase: ctx.phase,
  source: e.source,
  measured: undefined,
  unit,
  requests,
  passed: false,
  note,
});

/** A result of an exact figure (a count, a time read from the stack): no interval. */
export const exact = (e: Expectation, ctx: PhaseContext, unit: Unit, measured: number, requests = 0): ExpectationResult => ({
  phase: ctx.phase,
  source: e.source,
  measured,
  unit,
  requests,
  passed: compare(measured, e.op, e.value),
});

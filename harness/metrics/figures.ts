import * as hdr from 'hdr-histogram-js';
import { formatMs } from '../core/duration.ts';
import { percentileRanks, wilson, type Interval } from './interval.ts';
import { compare, type Expectation, type StatusSelector } from './expectation.ts';
import { groupBy, pick, RequestTable, type Selection } from './table.ts';

/** One HTTP request as the load tool saw it. status 0 = no response (refused, reset, timed out). */
export interface RequestRecord {
  /** Wall-clock ms when the request started (k6: end time − blocked − duration). */
  startMs: number;
  durationMs: number;
  status: number;
  tags: Readonly<Record<string, string>>;
}

/** Requests as the run holds them (a table) or as a test writes them (records). */
export type Requests = RequestTable | readonly RequestRecord[];
/** The table and the indices a figure is computed over (every request when no selection is given). */
function tableAndSelection(records: Requests, sel: Selection | undefined): [RequestTable, Selection] {
  const t = RequestTable.from(records);
  return [t, sel ?? t.all()];
}

export type Phase = 'baseline' | 'fault' | 'between' | 'recovery';
export const PHASES: readonly Phase[] = ['baseline', 'fault', 'between', 'recovery'];

/** When each fault was in effect: from its apply completing to its heal completing (wall-clock ms). */
/**
 * A fault is an interval, not an instant: its apply was requested, then confirmed (the toxic
 * exists, the signal was sent, the lock is held), and the same for its heal. An instant fault
 * (kill, flush, restart, request) heals at once: its window is its apply.
 */
export interface FaultWindow {
  label: string;
  /** The timeline entry's own phase (its name). */
  phase?: string;
  /** When the harness asked for the fault (wall-clock ms). */
  applyRequestedMs: number;
  /** When the fault was confirmed in place. */
  appliedMs: number;
  /** When the harness asked for the heal. */
  healRequestedMs: number;
  /** When the heal was confirmed: recovery starts here. */
  healedMs: number;
}

/**
 * Phase of a request from its start and end (start + duration), so that a request is counted
 * where the fault could touch it:
 * - baseline: it ended before the first apply was requested;
 * - fault: it was in flight at any moment from a fault's apply request to its heal's confirmation
 *   (in flight when the fault began, started during the apply, or in flight across the heal);
 * - recovery: it started at or after the last heal's confirmation (and touched no fault);
 * - between: the rest, a gap between two faults.
 * An acknowledgement (one instant) is classed with start = end.
 */
export function phaseOf(startMs: number, endMs: number, windows: readonly FaultWindow[]): Phase {
  if (windows.length === 0) return 'baseline';
  let first = Infinity;
  let last = -Infinity;
  for (const w of windows) {
    if (startMs < w.healedMs && endMs >= w.applyRequestedMs) return 'fault';
    first = Math.min(first, w.applyRequestedMs);
    last = Math.max(last, w.healedMs);
  }
  if (endMs < first) return 'baseline';
  if (startMs >= last) return 'recovery';
  return 'between';
}

export function matchesStatus(status: number, sel: StatusSelector): boolean {
  switch (sel.kind) {
    case 'code':
      return status === sel.code;
    case 'class':
      return Math.floor(status / 100) === sel.hundreds;
    case 'no_response':
      return status === 0;
    case 'failed':
      return status === 0 || status >= 500;
  }
}

export function matchesTags(have: Readonly<Record<string, string>>, want: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) return false;
  return true;
}

/** Latency distribution over every request given: an HDR histogram at 3 significant digits (µs). */
export class LatencyHistogram {
  private readonly h = hdr.build({ numberOfSignificantValueDigits: 3, useWebAssembly: false, autoResize: true });
  private n = 0;
  private maxMs = 0;
  record(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
    this.n++;
    this.maxMs = Math.max(this.maxMs, ms);
  }
  get count(): number {
    return this.n;
  }
  /**
   * Nearest-rank percentile: the value of rank ceil(p/100 × n). The rank is computed here in exact
   * integer steps, then asked of HDR at the middle of that rank, because HDR's own float rounding
   * lands one rank low at some boundaries (p99.9 of 20 000 values).
   */
  percentileMs(p: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.max(1, Math.ceil((Math.round(p * 1000) * this.n) / 100_000));
    return this.valueAtRank(rank);
  }
  /** The value of rank r (1-based) among the recorded values, sorted; -Infinity below rank 1, Infinity above n. */
  valueAtRank(rank: number): number {
    if (rank < 1) return -Infinity;
    if (rank > this.n) return Infinity;
    return this.h.getValueAtPercentile(((rank - 0.5) / this.n) * 100) / 1000;
  }
  get max(): number {
    return this.n === 0 ? NaN : this.maxMs;
  }
  /** Empty again, keeping its buffers: one histogram can serve many buckets in turn. */
  reset(): void {
    this.h.reset();
    this.n = 0;
    this.maxMs = 0;
  }
}

export interface Figures {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Count per status: "200", "503", ..., and "no_response". */
  statuses: Record<string, number>;
  /** Each percentile's 95% confidence interval (order statistics); an end the data cannot bound is ±Infinity (null in JSON). */
  intervals?: { p50: Interval; p95: Interval; p99: Interval };
}

/** The share of the requests whose status key ("503", "no_response", ...) matches; null with no request. */
export function statusShare(f: Figures, pred: (status: string) => boolean): number | null {
  if (f.count === 0) return null;
  let n = 0;
  for (const [k, v] of Object.entries(f.statuses)) if (pred(k)) n += v;
  return n / f.count;
}

/** Records the selection's durations into `h` and returns its count per status ("no_response" for 0). */
export function tally(h: LatencyHistogram, t: RequestTable, sel: Selection): Record<string, number> {
  const statuses: Record<string, number> = {};
  for (const i of sel) {
    h.record(t.durationMs(i));
    const st = t.status(i);
    const key = st === 0 ? 'no_response' : String(st);
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  return statuses;
}

export function figuresOf(records: Requests, sel?: Selection): Figures {
  const [t, idx] = tableAndSelection(records, sel);
  const h = new LatencyHistogram();
  const statuses = tally(h, t, idx);
  const interval = (p: number): Interval => {
    const r = percentileRanks(h.count, p);
    return { lo: h.valueAtRank(r.lower), hi: h.valueAtRank(r.upper) };
  };
  return {
    count: h.count,
    p50Ms: h.percentileMs(50),
    p95Ms: h.percentileMs(95),
    p99Ms: h.percentileMs(99),
    maxMs: h.max,
    statuses,
    ...(h.count ? { intervals: { p50: interval(50), p95: interval(95), p99: interval(99) } } : {}),
  };
}

/** The measured value of a (non-recovery) expectation over the given records; NaN when none match. */
/** The figure, how many requests it rests on and, for percentiles and rates, its 95% confidence interval. */
export function measure(e: Expectation, records: Requests, within?: Selection): { value: number; count: number; interval?: Interval } {
  const [t, idx] = tableAndSelection(records, within);
  const sel = Object.keys(e.tags).length === 0 ? idx : pick(idx, (i) => matchesTags(t.tags(i), e.tags));
  switch (e.metric.kind) {
    case 'count':
      return { value: sel.length, count: sel.length };
    case 'rate': {
      const status = e.metric.status;
      let hits = 0;
      for (const i of sel) if (matchesStatus(t.status(i), status)) hits++;
      return { value: sel.length === 0 ? NaN : hits / sel.length, count: sel.length, interval: wilson(hits, sel.length) };
    }
    case 'percentile':
    case 'max': {
      const h = new LatencyHistogram();
      for (const i of sel) h.record(t.durationMs(i));
      if (e.metric.kind === 'max') return { value: h.max, count: sel.length };
      const ranks = percentileRanks(sel.length, e.metric.p);
      return { value: h.percentileMs(e.metric.p), count: sel.length, interval: { lo: h.valueAtRank(ranks.lower), hi: h.valueAtRank(ranks.upper) } };
    }
    case 'recovery':
    case 'lost_writes':
    case 'committed_after_failure':
    case 'duplicate_writes':
    case 'db_queries_per_request':
    case 'cache_miss_rate':
    case 'upstream_calls_per_request':
    case 'connections':
    case 'ejection':
      throw new Error(`${e.metric.kind} is measured by judge()`);
  }
}

/** An expectation over no matching request passes: there is no evidence against it. */
export function holds(e: Expectation, records: Requests, sel?: Selection): boolean {
  const m = measure(e, records, sel);
  if (e.metric.kind !== 'count' && m.count === 0) return true;
  return compare(m.value, e.op, e.value);
}

export interface RecoveryResult {
  recovered: boolean;
  /** ms from the last heal to the start of the first window of the stable span. */
  recoveryMs: number | undefined;
  windowMs: number;
  stableForMs: number;
  /** The figures of the last window examined, shown when never recovered. */
  lastWindow: { startMs: number; count: number; failing: string[] } | undefined;
  /** With a load shed planned after the heal (load.shed): whether it recovered at load, only once shed, or never. */
  shed?: ShedVerdict;
}

/**
 * Metastability: a system that recovers only when its load is shed was holding itself down (retries,
 * a backlog of work for clients who left), not still healing.
 */
export interface ShedVerdict {
  verdict: 'at load' | 'after shed' | 'never';
  /** ms from the last heal to the shed's start. */
  shedAfterMs: number;
  shedForMs: number;
  /** The share of the rate kept while shed (0..1). */
  share: number;
}

/**
 * At load: the stable span began and lasted stableFor before the shed started. After shed: any later
 * stable span (the full rate came back after it, so that span is no longer only a lull).
 */
export function shedVerdict(rc: RecoveryResult, shed: { afterMs: number; forMs: number; share: number }): ShedVerdict {
  const base = { shedAfterMs: shed.afterMs, shedForMs: shed.forMs, share: shed.share };
  if (!rc.recovered || rc.recoveryMs === undefined) return { verdict: 'never', ...base };
  return { verdict: rc.recoveryMs + rc.stableForMs <= shed.afterMs ? 'at load' : 'after shed', ...base };
}

/** A share of the rate as the scenario wrote it: 0.1 → '10%'. */
export const sharePercent = (share: number): string => `${Number((share * 100).toFixed(1))}%`;

/** The verdict in words, with its times: 'recovered only after the load was shed to 25% 6.00s after the heal: 8.50s after the heal, 2.50s into the shed'. */
export function describeShed(rc: RecoveryResult): string | undefined {
  const s = rc.shed;
  if (!s) return undefined;
  const pct = sharePercent(s.share);
  if (s.verdict === 'at load') return `recovered at load (the load was to be shed to ${pct} ${formatMs(s.shedAfterMs)} after the heal)`;
  if (s.verdict === 'never')
    return `never recovered, not even with the load shed to ${pct} for ${formatMs(s.shedForMs)} from ${formatMs(s.shedAfterMs)} after the heal`;
  const into = (rc.recoveryMs ?? 0) - s.shedAfterMs;
  return `recovered only after the load was shed to ${pct} ${formatMs(s.shedAfterMs)} after the heal: ${formatMs(rc.recoveryMs ?? 0)} after the heal, ${into >= 0 ? `${formatMs(into)} into the shed` : `not stable for ${formatMs(rc.stableForMs)} before it`}`;
}

/**
 * Recovery time = last heal → start of the first window after which every window for the stable
 * span meets the steady-state expectations. Windows are `windowMs` long (100 ms by default) and
 * hold the requests that started in them. A span that would run past the end of the load does
 * not count: never recovered.
 */
export function recoveryTime(opts: {
  records: Requests;
  /** Only these requests of the table (a tag filter's); every one when not given. */
  sel?: Selection;
  lastHealMs: number;
  loadEndMs: number;
  steady: readonly Expectation[];
  windowMs?: number;
  stableForMs: number;
}): RecoveryResult {
  const windowMs = opts.windowMs ?? 100;
  const n = Math.floor((opts.loadEndMs - opts.lastHealMs) / windowMs);
  const need = Math.max(1, Math.ceil(opts.stableForMs / windowMs));
  const [t, idx] = tableAndSelection(opts.records, opts.sel);
  const buckets = groupBy(idx, (r) => Math.floor((t.startMs(r) - opts.lastHealMs) / windowMs), Math.max(0, n));
  const failing = (b: Selection) => opts.steady.filter((e) => !holds(e, t, b)).map((e) => e.source);
  const ok = buckets.map((b) => failing(b).length === 0);
  // Scan backwards: the run of passing windows ending at i tells whether a stable span starts at i.
  let firstStable: number | undefined;
  let run = 0;
  const runFrom: number[] = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    run = ok[i] ? run + 1 : 0;
    runFrom[i] = run;
  }
  for (let i = 0; i < n; i++) {
    if ((runFrom[i] ?? 0) >= need) {
      firstStable = i;
      break;
    }
  }
  const lastIdx = n - 1;
  const last = buckets[lastIdx];
  const lastWindow = last ? { startMs: opts.lastHealMs + lastIdx * windowMs, count: last.length, failing: failing(last) } : undefined;
  if (firstStable === undefined) return { recovered: false, recoveryMs: undefined, windowMs, stableForMs: opts.stableForMs, lastWindow };
  return { recovered: true, recoveryMs: firstStable * windowMs, windowMs, stableForMs: opts.stableForMs, lastWindow };
}

/** A server's state in one backend of a gateway changed (HAProxy: 'UP', 'DOWN', 'UP 1/2', 'MAINT', ...). */
export interface ServerStateChange {
  atMs: number;
  backend: string;
  server: string;
  status: string;
}

const isDown = (status: string) => status.startsWith('DOWN') || status.startsWith('MAINT');

/**
 * ms from `fromMs` until `server` is down in every backend it is in (no traffic goes to it any
 * more); 0 if it already was; undefined if that never happened.
 */
export function ejectionMs(changes: readonly ServerStateChange[], server: string, fromMs: number): number | undefined {
  const state = new Map<string, string>();
  const allDown = () => state.size > 0 && [...state.values()].every(isDown);
  const sorted = changes.filter((c) => c.server === server).sort((a, b) => a.atMs - b.atMs);
  let i = 0;
  for (; i < sorted.length && (sorted[i]?.atMs ?? Infinity) <= fromMs; i++) {
    const c = sorted[i];
    if (c) state.set(c.backend, c.status);
  }
  if (allDown()) return 0;
  for (; i < sorted.length; i++) {
    const c = sorted[i];
    if (!c) continue;
    state.set(c.backend, c.status);
    if (allDown()) return c.atMs - fromMs;
  }
  return undefined;
}

import * as hdr from 'hdr-histogram-js';
import { nearestRank, percentileRanks, type Interval } from './interval.ts';
import { RequestTable, type Selection } from './table.ts';

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
   * integer steps (nearestRank), then asked of HDR at the middle of that rank, because HDR's own float rounding
   * lands one rank low at some boundaries (p99.9 of 20 000 values).
   */
  percentileMs(p: number): number {
    if (this.n === 0) return NaN;
    return this.valueAtRank(nearestRank(this.n, p));
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

/** A server's state in one backend of a gateway changed (HAProxy: 'UP', 'DOWN', 'UP 1/2', 'MAINT', ...). */
export interface ServerStateChange {
  atMs: number;
  backend: string;
  server: string;
  status: string;
}

/**
 * What the stack did per client request: the servers' own cumulative counters (MariaDB's global
 * status, Redis's stats, each link's connections and HTTP calls, HAProxy's per-server stats), sampled every
 * second during the load, differenced over each phase and divided by the phase's requests.
 * Numbers in, figures out: the sampling lives in run/counters.ts.
 */

/** The counters read from each kind of thing, cumulative since it started. */
export const DB_COUNTERS = ['queries', 'connections', 'lock_waits'] as const;
export const CACHE_COUNTERS = ['hits', 'misses', 'commands'] as const;
/** A link: connections its Toxiproxy proxy accepted; calls: HTTP requests, on a link with an HTTP proxy. */
export const LINK_COUNTERS = ['connections', 'calls'] as const;
/** A gateway's server (HAProxy): connections handed to it, retries on it, requests redispatched from it. */
export const SERVER_COUNTERS = ['sessions', 'retries', 'redispatches'] as const;
export type CounterName = (typeof DB_COUNTERS)[number] | (typeof CACHE_COUNTERS)[number] | (typeof LINK_COUNTERS)[number] | (typeof SERVER_COUNTERS)[number];
/** What was read: a mariadb or redis part, a link ('app→db'), a gateway's server ('edge/app1'). */
export type CounterKind = 'mariadb' | 'redis' | 'link' | 'server';
export const COUNTERS_OF: Readonly<Record<CounterKind, readonly CounterName[]>> = {
  mariadb: DB_COUNTERS,
  redis: CACHE_COUNTERS,
  link: LINK_COUNTERS,
  server: SERVER_COUNTERS,
};

/** One reading of one part's counters. */
export interface CounterSample {
  atMs: number;
  values: Readonly<Partial<Record<CounterName, number>>>;
}

/** A part's readings over the run, in time order. */
export interface CounterSeries {
  part: string;
  kind: CounterKind;
  samples: readonly CounterSample[];
}

/**
 * The counter's increase from `fromMs` to `toMs`, the cumulative value read linearly between the
 * samples around each end (the sampling window is the resolution); undefined when the samples do
 * not cover the span.
 */
export function increase(samples: readonly CounterSample[], name: CounterName, fromMs: number, toMs: number): number | undefined {
  const pts = samples.filter((s) => s.values[name] !== undefined);
  const value = (s: CounterSample) => s.values[name] ?? 0;
  const at = (t: number): number | undefined => {
    for (let i = 0; i < pts.length; i++) {
      const s = pts[i] as CounterSample;
      if (s.atMs === t) return value(s);
      if (s.atMs > t) {
        const p = pts[i - 1];
        return p === undefined ? undefined : value(p) + ((value(s) - value(p)) * (t - p.atMs)) / (s.atMs - p.atMs);
      }
    }
    return undefined;
  };
  const a = at(fromMs);
  const b = at(toMs);
  return a === undefined || b === undefined ? undefined : Math.max(0, b - a);
}

/** One phase's figures for one part: each counter's increase, and per request. */
export interface PartWork {
  part: string;
  kind: CounterKind;
  /** Increase of each counter over the phase. */
  totals: Partial<Record<CounterName, number>>;
  /** Increase per client request of the phase (undefined without requests). */
  perRequest: Partial<Record<CounterName, number>>;
  /** Cache only: misses / (hits + misses), undefined when there was no lookup. */
  missRate?: number;
}

export interface PhaseWork {
  phase: string;
  requests: number;
  parts: PartWork[];
}

/**
 * Each phase's work, per part: the span of the phase, the requests started in it. A span shorter
 * than `minSpanMs` (the sampling interval: an instant fault's phase) is below the counters'
 * resolution and left out.
 */
export function workPerPhase(
  series: readonly CounterSeries[],
  phases: readonly { phase: string; fromMs: number | undefined; toMs: number | undefined; requests: number }[],
  minSpanMs = 1000,
): PhaseWork[] {
  const out: PhaseWork[] = [];
  for (const ph of phases) {
    if (ph.fromMs === undefined || ph.toMs === undefined || ph.toMs - ph.fromMs < minSpanMs) continue;
    const parts: PartWork[] = [];
    for (const s of series) {
      const names = COUNTERS_OF[s.kind];
      const totals: Partial<Record<CounterName, number>> = {};
      const perRequest: Partial<Record<CounterName, number>> = {};
      for (const n of names) {
        const v = increase(s.samples, n, ph.fromMs, ph.toMs);
        if (v === undefined) continue;
        totals[n] = v;
        if (ph.requests > 0) perRequest[n] = v / ph.requests;
      }
      const lookups = (totals.hits ?? 0) + (totals.misses ?? 0);
      parts.push({
        part: s.part,
        kind: s.kind,
        totals,
        perRequest,
        ...(s.kind === 'redis' && lookups > 0 ? { missRate: (totals.misses ?? 0) / lookups } : {}),
      });
    }
    out.push({ phase: ph.phase, requests: ph.requests, parts });
  }
  return out;
}

/** A line of the report's "per request" chart: a counter's increase per request, bucket by bucket. */
export interface WorkLine {
  label: string;
  values: (number | null)[];
}

/** The counters the chart draws per request: the amplification an incident shows. */
const CHARTED: readonly { kind: CounterKind; counter: CounterName; what: string }[] = [
  { kind: 'mariadb', counter: 'queries', what: 'DB queries' },
  { kind: 'mariadb', counter: 'connections', what: 'new DB connections' },
  { kind: 'redis', counter: 'misses', what: 'cache misses' },
  { kind: 'link', counter: 'calls', what: 'calls' },
];

/**
 * Per bucket of the load (the chart's buckets), each charted counter's increase over the bucket
 * divided by the requests started in it (null without requests or readings). A line that is zero
 * throughout is left out.
 */
export function workSeries(series: readonly CounterSeries[], buckets: readonly { fromMs: number; toMs: number; requests: number }[]): WorkLine[] {
  const out: WorkLine[] = [];
  for (const c of CHARTED) {
    for (const s of series.filter((x) => x.kind === c.kind)) {
      const values = buckets.map((b) => {
        const v = b.requests > 0 ? increase(s.samples, c.counter, b.fromMs, b.toMs) : undefined;
        return v === undefined ? null : v / b.requests;
      });
      if (values.some((v) => v !== null && v > 0)) out.push({ label: `${s.part}: ${c.what}`, values });
    }
  }
  return out;
}

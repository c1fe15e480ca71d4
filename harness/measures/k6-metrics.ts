import { parseDurationMs } from '../core/duration.ts';
import { nearestRank, percentileRanks, wilson, type Interval, type K6MetricType, type K6Samples, type MetricSamples } from '../metrics/index.ts';
import { parseStatus } from './rate.ts';
import { exact, unmeasured, verdict, type Expectation, type ExpectationResult, type Failed, type MeasureKind, type PhaseContext, type Unit } from './kind.ts';

/**
 * The load script's own k6 metrics, judged per phase as every other figure (a sample is in the
 * phase it was emitted in): `rate(checks) > 99%` (the share of checks that passed, k6's own
 * reading), `rate(checks){check:body lists the items} == 100%`, a custom Rate `rate(NAME)`, a Trend's
 * percentiles `p95(NAME) < 300ms` and `max(NAME)`, a Gauge's `max(NAME)`, a Counter's `count(NAME)`
 * (the sum of its samples). Tag filters match the samples' tags (k6's `check`, `group`, `scenario`
 * and the script's own). A name the script never writes is refused before the load; one it never
 * produced is an error after it, listing those it did (never a silent pass).
 */
export interface K6Metric {
  kind: 'k6-rate' | 'k6-percentile' | 'k6-max' | 'k6-count';
  /** The k6 metric's name. */
  name: string;
  /** The percentile, for k6-percentile. */
  p?: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What each measure reads, by k6 metric type. */
const TYPES: Record<K6Metric['kind'], { types: readonly K6MetricType[]; written: string }> = {
  'k6-rate': { types: ['rate'], written: 'rate(NAME)' },
  'k6-percentile': { types: ['trend'], written: 'pNN(NAME)' },
  'k6-max': { types: ['trend', 'gauge'], written: 'max(NAME)' },
  'k6-count': { types: ['counter'], written: 'count(NAME)' },
};
const READ_AS: Record<K6MetricType, string> = {
  rate: 'rate(NAME)',
  trend: 'p95(NAME) or max(NAME)',
  gauge: 'max(NAME)',
  counter: 'count(NAME)',
};

/** The check an expectation names ({check:…} on `checks`), if any. */
const checkOf = (e: Expectation<K6Metric>): string | undefined => (e.metric.name === 'checks' ? e.tags['check'] : undefined);

/**
 * Before the load: a metric or check the bundled script never names cannot be produced. (A name
 * the script builds at run time from pieces is refused too: the fix says to write it whole.)
 */
function beforeLoad(e: Expectation<K6Metric>, script: string): { message: string; fix: string } | undefined {
  const check = checkOf(e);
  if (check !== undefined && !script.includes(check))
    return {
      message: `'${e.source}' names the check '${check}', which the load script never names`,
      fix: `write check(res, { '${check}': (r) => … }) in the load script, or name one of its checks`,
    };
  if (e.metric.name !== 'checks' && !script.includes(e.metric.name))
    return {
      message: `'${e.source}' reads the k6 metric '${e.metric.name}', which the load script never names`,
      fix: `declare it in the load script (new ${e.metric.kind === 'k6-rate' ? 'Rate' : e.metric.kind === 'k6-count' ? 'Counter' : 'Trend'}('${e.metric.name}') from 'k6/metrics', its name written whole) and add samples to it, or fix the name`,
    };
  return undefined;
}

/** After the load: the metric (and the check) has samples, of a type this measure reads. */
function afterLoad(e: Expectation<K6Metric>, samples: K6Samples | undefined): { message: string; fix: string } | undefined {
  const produced = samples?.names().sort() ?? [];
  const m = samples?.get(e.metric.name);
  if (!m)
    return {
      message: `'${e.source}': the load script produced no sample of '${e.metric.name}'${produced.length ? ` (it produced: ${produced.join(', ')})` : ' (it produced no metric of its own, no check either)'}`,
      fix: `add samples to '${e.metric.name}' in the load script on every run, or name one it produced`,
    };
  const want = TYPES[e.metric.kind];
  if (m.type && !want.types.includes(m.type))
    return {
      message: `'${e.source}': '${e.metric.name}' is a k6 ${m.type}, which ${want.written} does not read`,
      fix: `judge a ${m.type} as ${READ_AS[m.type].replaceAll('NAME', e.metric.name)}`,
    };
  const check = checkOf(e);
  if (check !== undefined && !samples?.tagValues('checks', 'check').includes(check))
    return {
      message: `'${e.source}': no check named '${check}' ran (the checks that ran: ${samples?.tagValues('checks', 'check').join(', ')})`,
      fix: 'name a check the load script runs on every run',
    };
  return undefined;
}

/** `rate(checks)`, `p95(name)`: a k6 metric's name in the parentheses; a rate's status selectors stay the rate measure's. */
function parseNamed(text: string, whole: string, fn: RegExp): { name: string; fnText: string } | Failed | undefined {
  const m = fn.exec(text);
  if (!m) return undefined;
  const name = (m[2] ?? '').trim();
  if (!NAME.test(name))
    return {
      ok: false,
      message: `'${name}' in '${whole}' is not a k6 metric name`,
      fix: 'k6 metric names are letters, digits and _ (not starting with a digit)',
    };
  return { name, fnText: m[1] ?? '' };
}

/** The samples of this phase (after the warm-up) that carry the expectation's tags, and the metric. */
function phaseSamples(e: Expectation<K6Metric>, ctx: PhaseContext): { m: MetricSamples; sel: number[]; samples: K6Samples } | undefined {
  const samples = ctx.run.samples;
  const m = samples?.get(e.metric.name);
  if (!samples || !m) return undefined;
  return { m, sel: samples.select(m, (t) => t >= ctx.fromMs && ctx.within(t, t), e.tags), samples };
}

function judgeSamples(
  e: Expectation<K6Metric>,
  ctx: PhaseContext,
  unit: Unit,
  figure: (m: MetricSamples, sel: number[]) => { value: number; interval?: Interval },
): ExpectationResult {
  const got = phaseSamples(e, ctx);
  if (!got) return unmeasured(e, ctx, unit, `the load script produced no sample of '${e.metric.name}'`);
  if (got.sel.length === 0) {
    // A counter that counted nothing in a phase counted 0; any other figure over no sample is no evidence.
    if (e.metric.kind === 'k6-count') return exact(e, ctx, 'count', 0);
    return unmeasured(e, ctx, unit, `no sample of '${e.metric.name}'${Object.keys(e.tags).length ? ' with these tags' : ''} in this phase`);
  }
  const f = figure(got.m, got.sel);
  return verdict(e, { phase: ctx.phase, source: e.source, measured: f.value, unit, requests: got.sel.length }, f.interval);
}

const sortedValues = (m: MetricSamples, sel: number[]): number[] => sel.map((i) => m.v[i] ?? NaN).sort((a, b) => a - b);

/** Any tag filter but {first:…} (that one picks requests after an instant fault). */
function tags(_m: K6Metric, t: Record<string, string>, text: string): Failed | undefined {
  if (t['first'] === undefined) return undefined;
  return {
    ok: false,
    message: `'{first:…}' in '${text}' picks requests, not a k6 metric's samples`,
    fix: "drop {first:…}, or judge the requests: 'rate(2xx){first:1s} >= 99.9%'",
  };
}

/** A Trend's limit is a duration ('300ms', for a Trend of times: its values are ms) or a plain number. */
function readLimit(valueText: string, text: string): { value: number } | Failed {
  const ms = parseDurationMs(valueText);
  if (ms !== undefined) return { value: ms };
  if (/^-?\d+(?:\.\d+)?$/.test(valueText)) return { value: Number(valueText) };
  return {
    ok: false,
    message: `'${valueText}' in '${text}' is neither a duration nor a number`,
    fix: "write '300ms' for a Trend of times, or a number ('12')",
  };
}

const common = { needsStack: false, perEntry: true, perWindow: false, tags, beforeLoad, afterLoad } as const;

export const k6RateMeasure: MeasureKind<K6Metric> = {
  ...common,
  kind: 'k6-rate',
  written: 'rate(checks), rate(NAME) (a k6 Rate)',
  parse(text) {
    const m = /^rate\(([^)]*)\)$/.exec(text);
    const arg = (m?.[1] ?? '').trim();
    // rate(503), rate(5xx), rate(failed)… and anything not a k6 metric's name: the requests' statuses (rate.ts).
    if (!m || parseStatus(arg) || !NAME.test(arg)) return undefined;
    return { kind: 'k6-rate', name: arg };
  },
  unit: 'rate',
  interval: true,
  judge(e, ctx) {
    return judgeSamples(e, ctx, 'rate', (m, sel) => {
      const hits = sel.reduce((n, i) => n + ((m.v[i] ?? 0) !== 0 ? 1 : 0), 0);
      return { value: hits / sel.length, interval: wilson(hits, sel.length) };
    });
  },
};

export const k6PercentileMeasure: MeasureKind<K6Metric> = {
  ...common,
  kind: 'k6-percentile',
  written: 'pNN(NAME) (a k6 Trend)',
  parse(text, whole) {
    const r = parseNamed(text, whole, /^(p\d+(?:\.\d+)?)\(([^)]*)\)$/);
    if (!r || 'ok' in r) return r;
    const p = Number(r.fnText.slice(1));
    if (!(p > 0 && p <= 100)) return { ok: false, message: `percentile ${p} in '${whole}' is outside (0, 100]`, fix: 'use p50, p95, p99 or p99.9' };
    return { kind: 'k6-percentile', name: r.name, p };
  },
  unit: 'ratio',
  readLimit,
  interval: true,
  judge(e, ctx) {
    const p = e.metric.p ?? 95;
    return judgeSamples(e, ctx, unitOf(e, ctx), (m, sel) => {
      const v = sortedValues(m, sel);
      const at = (rank: number) => (rank < 1 ? -Infinity : rank > v.length ? Infinity : (v[rank - 1] ?? NaN));
      const ranks = percentileRanks(v.length, p);
      return { value: at(nearestRank(v.length, p)), interval: { lo: at(ranks.lower), hi: at(ranks.upper) } };
    });
  },
};

export const k6MaxMeasure: MeasureKind<K6Metric> = {
  ...common,
  kind: 'k6-max',
  written: 'max(NAME) (a k6 Trend or Gauge)',
  parse(text, whole) {
    const r = parseNamed(text, whole, /^(max)\(([^)]*)\)$/);
    if (!r || 'ok' in r) return r;
    return { kind: 'k6-max', name: r.name };
  },
  unit: 'ratio',
  readLimit,
  interval: false,
  judge(e, ctx) {
    return judgeSamples(e, ctx, unitOf(e, ctx), (m, sel) => ({ value: sel.reduce((x, i) => Math.max(x, m.v[i] ?? -Infinity), -Infinity) }));
  },
};

export const k6CountMeasure: MeasureKind<K6Metric> = {
  ...common,
  kind: 'k6-count',
  written: 'count(NAME) (a k6 Counter)',
  parse(text, whole) {
    const r = parseNamed(text, whole, /^(count)\(([^)]*)\)$/);
    if (!r || 'ok' in r) return r;
    return { kind: 'k6-count', name: r.name };
  },
  unit: 'count',
  interval: false,
  judge(e, ctx) {
    return judgeSamples(e, ctx, 'count', (m, sel) => ({ value: sel.reduce((n, i) => n + (m.v[i] ?? 0), 0) }));
  },
};

/** A Trend of times is in ms; any other Trend or Gauge is a plain number. */
function unitOf(e: Expectation<K6Metric>, ctx: PhaseContext): Unit {
  return ctx.run.samples?.get(e.metric.name)?.isTime ? 'ms' : 'ratio';
}

/** Each check's passes and failures in each phase, for the report: the failing ones by name. */
export interface CheckTally {
  phase: string;
  check: string;
  passes: number;
  fails: number;
}

/** Checks per scope (its samples after the warm-up that `within` puts in it), those that failed at least once. */
export function failingChecks(
  samples: K6Samples | undefined,
  fromMs: number,
  scopes: readonly { phase: string; within(startMs: number, endMs: number): boolean }[],
): CheckTally[] {
  const m = samples?.get('checks');
  if (!samples || !m) return [];
  const out: CheckTally[] = [];
  for (const s of scopes) {
    const byCheck = new Map<string, { passes: number; fails: number }>();
    for (const i of samples.select(m, (t) => t >= fromMs && s.within(t, t), {})) {
      const name = samples.tags(m, i)['check'] ?? '';
      const c = byCheck.get(name) ?? { passes: 0, fails: 0 };
      if ((m.v[i] ?? 0) !== 0) c.passes++;
      else c.fails++;
      byCheck.set(name, c);
    }
    for (const [check, c] of [...byCheck].sort(([a], [b]) => a.localeCompare(b))) if (c.fails > 0) out.push({ phase: s.phase, check, ...c });
  }
  return out;
}

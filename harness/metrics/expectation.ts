import { parseDurationMs } from '../core/duration.ts';

/**
 * An expectation as written in a scenario: `p95{name:upload} < 200ms`, `rate(503) < 0.1%`,
 * `rate(no_response) == 0`, `count{name:read} > 100`, `recovery < 3s`, `recovery{name:job} < 5s`,
 * `ejection{part:app1} < 2s`.
 */
export type Op = '<' | '<=' | '>' | '>=' | '==';

export type StatusSelector = { kind: 'code'; code: number } | { kind: 'class'; hundreds: number } | { kind: 'no_response' } | { kind: 'failed' };

export type MetricRef =
  | { kind: 'percentile'; p: number }
  | { kind: 'max' }
  | { kind: 'rate'; status: StatusSelector }
  | { kind: 'count' }
  | { kind: 'recovery' }
  /** Acknowledged writes (by the time they were acknowledged) not found in the database afterwards. */
  | { kind: 'lost_writes' }
  | { kind: 'committed_after_failure' }
  | { kind: 'db_queries_per_request' }
  | { kind: 'cache_miss_rate' }
  /** HTTP calls over a link (one an HTTP fault names) per client request. */
  | { kind: 'upstream_calls_per_request' }
  | { kind: 'duplicate_writes' }
  /** Connections the services' account holds on a database after the load (a pool leak shows here). */
  | { kind: 'connections' }
  /** From the first fault on a part to its gateway marking it down (in every backend it serves). */
  | { kind: 'ejection' };

export interface Expectation {
  source: string;
  metric: MetricRef;
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

export type ParseResult = { ok: true; expectation: Expectation } | { ok: false; message: string; fix: string };

const SHAPE = /^\s*([a-z_][a-z0-9_]*(?:\([^)]*\))?)\s*(\{[^}]*\})?\s*(<=|>=|==|<|>)\s*(\S+)\s*$/;
const SYNTAX_FIX = "write '<metric>[{tag:value}] <op> <value>', e.g. 'p95{name:upload} < 200ms', 'rate(503) < 0.1%', 'recovery < 3s'";

export function parseStatus(arg: string): StatusSelector | undefined {
  const a = arg.trim().toLowerCase();
  if (a === 'no_response') return { kind: 'no_response' };
  if (a === 'failed') return { kind: 'failed' };
  const cls = /^([1-5])xx$/.exec(a);
  if (cls) return { kind: 'class', hundreds: Number(cls[1]) };
  if (/^[1-5]\d\d$/.test(a)) return { kind: 'code', code: Number(a) };
  return undefined;
}

export function parseExpectation(input: string): ParseResult {
  // 'p95 < 500ms @95%': certainty asked for.
  const at = /\s+@\s*(\S+)\s*$/.exec(input);
  const text = at ? input.slice(0, at.index) : input;
  if (at && at[1] !== '95%')
    return {
      ok: false,
      message: `'@${at[1]}' in '${input}' is not a confidence brownout computes`,
      fix: "write '@95%' (the 95% confidence interval), or nothing for the measured figure alone",
    };
  const m = SHAPE.exec(text);
  if (!m) return { ok: false, message: `cannot read expectation '${text}'`, fix: SYNTAX_FIX };
  const [, metricText = '', tagText, opText = '', valueText = ''] = m;
  let metric: MetricRef;
  const pct = /^p(?:\((\d+(?:\.\d+)?)\)|(\d+))$/.exec(metricText);
  const rate = /^rate\(([^)]*)\)$/.exec(metricText);
  if (pct) {
    const p = Number(pct[1] ?? pct[2]);
    if (!(p > 0 && p <= 100)) return { ok: false, message: `percentile ${p} in '${text}' is outside (0, 100]`, fix: 'use p50, p95, p99 or p(99.9)' };
    metric = { kind: 'percentile', p };
  } else if (metricText === 'max') metric = { kind: 'max' };
  else if (metricText === 'count') metric = { kind: 'count' };
  else if (metricText === 'recovery') metric = { kind: 'recovery' };
  else if (metricText === 'lost_writes' || metricText === 'committed_after_failure' || metricText === 'duplicate_writes') metric = { kind: metricText };
  else if (metricText === 'connections') metric = { kind: 'connections' };
  else if (metricText === 'db_queries_per_request' || metricText === 'cache_miss_rate' || metricText === 'upstream_calls_per_request')
    metric = { kind: metricText };
  else if (metricText === 'ejection') metric = { kind: 'ejection' };
  else if (rate) {
    const status = parseStatus(rate[1] ?? '');
    if (!status) {
      return {
        ok: false,
        message: `unknown status '${rate[1] ?? ''}' in '${text}'`,
        fix: 'use an HTTP status code 100-599 (rate(503)), a class (rate(5xx)), rate(no_response) or rate(failed)',
      };
    }
    metric = { kind: 'rate', status };
  } else {
    return {
      ok: false,
      message: `unknown metric '${metricText}' in '${text}'`,
      fix: 'metrics are p50/p95/p99/p(N), max, count, rate(STATUS), recovery, lost_writes, committed_after_failure, duplicate_writes, connections, ejection, db_queries_per_request, cache_miss_rate, upstream_calls_per_request',
    };
  }

  const tags: Record<string, string> = {};
  if (tagText) {
    for (const pair of tagText.slice(1, -1).split(',')) {
      const kv = /^\s*([\w.-]+)\s*:\s*([^,]+?)\s*$/.exec(pair);
      if (!kv?.[1] || !kv[2])
        return {
          ok: false,
          message: `cannot read tag filter '${tagText}' in '${text}'`,
          fix: 'write tag filters as {name:upload} or {name:upload,method:POST}',
        };
      tags[kv[1]] = kv[2];
    }
  }
  // {first:1s} is not a request tag: it selects the requests started within 1 s after each instant
  // fault (a flush, a restart, a kill), e.g. 'rate(2xx){first:1s} >= 99.9%'.
  if (tags['first'] !== undefined && !parseDurationMs(tags['first'])) {
    return { ok: false, message: `'{first:${tags['first']}}' in '${text}' is not a positive duration`, fix: "write e.g. 'rate(2xx){first:1s} >= 99.9%'" };
  }
  if (isWriteMetric(metric.kind) && tagText) {
    return { ok: false, message: `'${metric.kind}' takes no tag filter in '${text}'`, fix: `${metric.kind} counts every write of its phase` };
  }
  // recovery{name:job}: the steady-state expectations judged over those requests only (a failover).
  if (metric.kind === 'recovery' && tags['first'] !== undefined) {
    return {
      ok: false,
      message: `'recovery' cannot take {first:...} in '${text}'`,
      fix: 'recovery is measured from the last heal; filter by request tags only',
    };
  }
  if (metric.kind === 'ejection' && (Object.keys(tags).length !== 1 || tags['part'] === undefined)) {
    return { ok: false, message: `'ejection' needs exactly one {part:NAME} filter in '${text}'`, fix: "write e.g. 'ejection{part:app1} < 2s'" };
  }

  // Counters read from the stack: per database part ({db:NAME}), cache part ({cache:NAME}) or link ({link:app→payments}), all by default.
  const counterTag =
    metric.kind === 'db_queries_per_request'
      ? 'db'
      : metric.kind === 'cache_miss_rate'
        ? 'cache'
        : metric.kind === 'upstream_calls_per_request'
          ? 'link'
          : undefined;
  if (counterTag && Object.keys(tags).some((k) => k !== counterTag)) {
    return {
      ok: false,
      message: `'${metric.kind}' takes only a {${counterTag}:PART} filter in '${text}'`,
      fix: `write e.g. '${metric.kind}{${counterTag}:${counterTag}} < 3'`,
    };
  }

  // The link's name as the stack writes it ('app→payments'); '->' is easier to type.
  if (counterTag === 'link' && tags['link'] !== undefined) tags['link'] = tags['link'].replace('->', '→');

  const limit = limitOf(metric, tags, valueText, text);
  if (!limit.ok) return limit;
  const { value } = limit;
  if (at && !['percentile', 'rate', 'recovery'].includes(metric.kind)) {
    return {
      ok: false,
      message: `'${metricText}' in '${input}' has no confidence interval to be certain of`,
      fix: "drop '@95%': counts, max, writes, connections and ejection are exact; it applies to percentiles, rates and recovery",
    };
  }
  const never = neverHolds(metric, metricText, opText, value, text);
  if (never) return never;
  if (at && opText === '==')
    return { ok: false, message: `'==' in '${input}' cannot be certain`, fix: "use < or <= (an upper limit) or > or >= (a lower one) with '@95%'" };
  return { ok: true, expectation: { source: input.trim(), metric, tags, op: opText as Op, value, ...(at ? { certain: true } : {}) } };
}

type Failed = { ok: false; message: string; fix: string };

/** The value an expectation compares with, read as its metric's unit: a number, a duration, a rate or a whole count. */
function limitOf(metric: MetricRef, tags: Readonly<Record<string, string>>, valueText: string, text: string): { ok: true; value: number } | Failed {
  let value: number | undefined;
  if (metric.kind === 'db_queries_per_request' || metric.kind === 'upstream_calls_per_request') {
    value = /^\d+(?:\.\d+)?$/.test(valueText) ? Number(valueText) : undefined;
    if (value === undefined) return { ok: false, message: `'${valueText}' in '${text}' is not a number`, fix: `write e.g. '${metric.kind} < 3'` };
  } else if (metric.kind === 'percentile' || metric.kind === 'max' || metric.kind === 'recovery' || metric.kind === 'ejection') {
    value = parseDurationMs(valueText);
    if (value === undefined)
      return { ok: false, message: `'${valueText}' in '${text}' is not a duration (up to 24h)`, fix: "write durations like '200ms', '1.5s'" };
  } else if (metric.kind === 'rate' || metric.kind === 'cache_miss_rate') {
    const pc = /^(\d+(?:\.\d+)?)%$/.exec(valueText);
    const fr = /^(\d+(?:\.\d+)?)$/.exec(valueText);
    value = pc ? Number(pc[1]) / 100 : fr ? Number(fr[1]) : undefined;
    if (value === undefined || value > 1)
      return {
        ok: false,
        message: `'${valueText}' in '${text}' is not a rate`,
        fix: "write rates as a percentage ('0.1%') or a fraction from 0 to 1 ('0.001')",
      };
  } else {
    if (metric.kind === 'connections' && Object.keys(tags).some((k) => k !== 'db')) {
      return { ok: false, message: `'connections' takes only a {db:PART} filter in '${text}'`, fix: "write e.g. 'connections{db:db} <= 10'" };
    }
    value = /^\d+$/.test(valueText) ? Number(valueText) : undefined;
    if (value === undefined) return { ok: false, message: `'${valueText}' in '${text}' is not a whole number`, fix: 'count compares with a whole number' };
  }
  return { ok: true, value };
}

/** Every figure is 0 or more, and a rate at most 100%: a limit beyond that can never hold. */
function neverHolds(metric: MetricRef, metricText: string, opText: string, value: number, text: string): Failed | undefined {
  const isRate = metric.kind === 'rate' || metric.kind === 'cache_miss_rate';
  if (!((opText === '<' && value <= 0) || (opText === '>' && isRate && value >= 1))) return undefined;
  return {
    ok: false,
    message: `'${text}' can never hold: ${metricText} is ${opText === '<' ? 'never below 0' : 'never above 100%'}`,
    fix: opText === '<' ? `write '${metricText} == 0' for none at all, or a limit above 0` : `write '${metricText} == 100%' for all, or a limit below 100%`,
  };
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

/** The figures of the write check (after the run, every write looked up in the database). */
export const WRITE_METRICS = ['lost_writes', 'committed_after_failure', 'duplicate_writes'] as const;
export type WriteMetric = (typeof WRITE_METRICS)[number];
export function isWriteMetric(kind: string): kind is WriteMetric {
  return (WRITE_METRICS as readonly string[]).includes(kind);
}

import { parseDurationMs } from '../core/duration.ts';
import type { Expectation as ExpectationOf, Failed, Unit } from './kind.ts';
import { MEASURE_KINDS, measureOf, type MetricRef } from './registry.ts';

export type { MetricRef } from './registry.ts';
export type { Op } from './kind.ts';
export { compare } from './kind.ts';
export { parseStatus, type StatusSelector } from './rate.ts';

/**
 * An expectation as written in a scenario: `p95{name:upload} < 200ms`, `rate(503) < 0.1%`,
 * `rate(no_response) == 0`, `count{name:read} > 100`, `recovery < 3s`, `recovery{name:job} < 5s`,
 * `ejection{part:app1} < 2s`. What each metric is, and how it reads, is its measure's (measures/).
 */
export type Expectation = ExpectationOf<MetricRef>;

export type ParseResult = { ok: true; expectation: Expectation } | Failed;

const SHAPE = /^\s*([a-z_][a-z0-9_]*(?:\([^)]*\))?)\s*(\{[^}]*\})?\s*(<=|>=|==|<|>)\s*(\S+)\s*$/;
const SYNTAX_FIX = "write '<metric>[{tag:value}] <op> <value>', e.g. 'p95{name:upload} < 200ms', 'rate(503) < 0.1%', 'recovery < 3s'";

/** The metric a measure reads from the text, or why none does. */
function metricOf(metricText: string, text: string): MetricRef | Failed {
  for (const k of MEASURE_KINDS) {
    const m = k.parse(metricText, text);
    if (m) return m;
  }
  return {
    ok: false,
    message: `unknown metric '${metricText}' in '${text}'`,
    fix: `metrics are ${MEASURE_KINDS.map((k) => k.written).join(', ')}`,
  };
}

function tagsOf(tagText: string | undefined, text: string): Record<string, string> | Failed {
  const tags: Record<string, string> = {};
  if (!tagText) return tags;
  for (const pair of tagText.slice(1, -1).split(',')) {
    const kv = /^\s*([\w.-]+)\s*:\s*([^,]+?)\s*$/.exec(pair);
    if (!kv?.[1] || !kv[2])
      return { ok: false, message: `cannot read tag filter '${tagText}' in '${text}'`, fix: 'write tag filters as {name:upload} or {name:upload,method:POST}' };
    tags[kv[1]] = kv[2];
  }
  // {first:1s} is not a request tag: it selects the requests started within 1 s after each instant
  // fault (a flush, a restart, a kill), e.g. 'rate(2xx){first:1s} >= 99.9%'.
  if (tags['first'] !== undefined && !parseDurationMs(tags['first']))
    return { ok: false, message: `'{first:${tags['first']}}' in '${text}' is not a positive duration`, fix: "write e.g. 'rate(2xx){first:1s} >= 99.9%'" };
  return tags;
}

const isFailed = (x: object): x is Failed => 'ok' in x && x.ok === false;

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
  const metric = metricOf(metricText, text);
  if (isFailed(metric)) return metric;
  const kind = measureOf(metric.kind);
  const tags = tagsOf(tagText, text);
  if (isFailed(tags)) return tags;
  const tagProblem = kind.tags?.(metric, tags, text);
  if (tagProblem) return tagProblem;

  const limit = kind.readLimit ? kind.readLimit(valueText, text) : limitOf(kind.unit, metric.kind, valueText, text);
  if (isFailed(limit)) return limit;
  const { value } = limit;
  if (at && !kind.interval) {
    return {
      ok: false,
      message: `'${metricText}' in '${input}' has no confidence interval to be certain of`,
      fix: `drop '@95%': it applies to ${MEASURE_KINDS.filter((k) => k.interval)
        .map((k) => k.written)
        .join(', ')}; ${metricText} is exact`,
    };
  }
  // A figure of brownout's own is never below 0; a k6 Trend's or Gauge's value may be.
  const never = kind.readLimit ? undefined : neverHolds(kind.unit, metricText, opText, value, text);
  if (never) return never;
  if (at && opText === '==')
    return { ok: false, message: `'==' in '${input}' cannot be certain`, fix: "use < or <= (an upper limit) or > or >= (a lower one) with '@95%'" };
  return { ok: true, expectation: { source: input.trim(), metric, tags, op: opText as Expectation['op'], value, ...(at ? { certain: true } : {}) } };
}

/** The value an expectation compares with, read in its measure's unit: a number, a duration, a rate or a whole count. */
function limitOf(unit: Unit, kind: string, valueText: string, text: string): { value: number } | Failed {
  switch (unit) {
    case 'ratio': {
      if (!/^\d+(?:\.\d+)?$/.test(valueText)) return { ok: false, message: `'${valueText}' in '${text}' is not a number`, fix: `write e.g. '${kind} < 3'` };
      return { value: Number(valueText) };
    }
    case 'ms': {
      const value = parseDurationMs(valueText);
      if (value === undefined)
        return { ok: false, message: `'${valueText}' in '${text}' is not a duration (up to 24h)`, fix: "write durations like '200ms', '1.5s'" };
      return { value };
    }
    case 'rate': {
      const pc = /^(\d+(?:\.\d+)?)%$/.exec(valueText);
      const fr = /^(\d+(?:\.\d+)?)$/.exec(valueText);
      const value = pc ? Number(pc[1]) / 100 : fr ? Number(fr[1]) : undefined;
      if (value === undefined || value > 1)
        return {
          ok: false,
          message: `'${valueText}' in '${text}' is not a rate`,
          fix: "write rates as a percentage ('0.1%') or a fraction from 0 to 1 ('0.001')",
        };
      return { value };
    }
    case 'count': {
      if (!/^\d+$/.test(valueText))
        return { ok: false, message: `'${valueText}' in '${text}' is not a whole number`, fix: 'count compares with a whole number' };
      return { value: Number(valueText) };
    }
  }
}

/** Every figure is 0 or more, and a rate at most 100%: a limit beyond that can never hold. */
function neverHolds(unit: Unit, metricText: string, opText: string, value: number, text: string): Failed | undefined {
  if (!((opText === '<' && value <= 0) || (opText === '>' && unit === 'rate' && value >= 1))) return undefined;
  return {
    ok: false,
    message: `'${text}' can never hold: ${metricText} is ${opText === '<' ? 'never below 0' : 'never above 100%'}`,
    fix: opText === '<' ? `write '${metricText} == 0' for none at all, or a limit above 0` : `write '${metricText} == 100%' for all, or a limit below 100%`,
  };
}

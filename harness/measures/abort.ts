import { parseDurationMs } from '../core/duration.ts';
import { formatMs } from '../core/duration.ts';
import { RequestTable, type RequestRecord } from '../metrics/index.ts';
import { parseExpectation, type Expectation } from './expectation.ts';
import { compare, type Failed } from './kind.ts';
import type { RequestMeasureKind } from './over-requests.ts';
import { tagged } from './over-requests.ts';
import { measureOf } from './registry.ts';

/**
 * `abortWhen: ['rate(5xx) > 50% for 10s']`: a stop condition (k6's abortOnFail, an FIS stop
 * condition). The expectation before `for` is the condition, judged over the requests answered in
 * the last `for` of the load (a sliding window, after the warm-up, once the load has run that
 * long); when it holds, the run stops early and fails.
 */
export interface AbortCondition {
  source: string;
  expectation: Expectation;
  forMs: number;
}

/** A request measure (its figure computed over any selection of requests): percentiles, max, rates, count. */
function requestMeasure(e: Expectation): RequestMeasureKind<{ kind: string }> | undefined {
  const m = measureOf(e.metric.kind) as Partial<RequestMeasureKind<{ kind: string }>>;
  return typeof m.figure === 'function' ? (m as RequestMeasureKind<{ kind: string }>) : undefined;
}

export function parseAbortCondition(text: string): { ok: true; condition: AbortCondition } | Failed {
  const m = /^(.*\S)\s+for\s+(\S+)\s*$/.exec(text);
  const fix = "write '<figure> <op> <limit> for <duration>', e.g. 'rate(5xx) > 50% for 10s' or 'p95 > 2s for 5s'";
  if (!m) return { ok: false, message: `'${text}' has no 'for <duration>': over how long must it hold?`, fix };
  const forMs = parseDurationMs(m[2] ?? '');
  if (!forMs) return { ok: false, message: `'${m[2]}' in '${text}' is not a positive duration`, fix };
  const r = parseExpectation(m[1] ?? '');
  if (!r.ok) return r;
  if (r.expectation.certain) return { ok: false, message: `'@95%' in '${text}' has no meaning for a stop condition`, fix: "drop '@95%'" };
  if (!requestMeasure(r.expectation) || r.expectation.tags['first'] !== undefined)
    return {
      ok: false,
      message: `'${m[1]}' in '${text}' is not a figure of the requests: a stop condition is judged on the requests as they are answered`,
      fix: 'use p50/p95/p99/p(N), max, rate(STATUS) or count, with tag filters ({name:…})',
    };
  return { ok: true, condition: { source: text.trim(), expectation: r.expectation, forMs } };
}

/** What a stop condition measured when it held. */
export interface AbortHit {
  source: string;
  measured: number;
  unit: string;
  requests: number;
}

/**
 * Each condition against the requests answered so far: it holds when the load has run at least
 * its `for` since `fromMs` (the warm-up's end) and its figure over the requests answered in the
 * last `for` meets it. The first that holds, or undefined.
 */
export function abortHit(conditions: readonly AbortCondition[], answered: readonly RequestRecord[], fromMs: number, nowMs: number): AbortHit | undefined {
  for (const c of conditions) {
    if (nowMs - fromMs < c.forMs) continue;
    const kind = requestMeasure(c.expectation);
    if (!kind) continue;
    const table = RequestTable.from(answered.filter((r) => r.startMs >= fromMs && r.startMs + r.durationMs >= nowMs - c.forMs));
    const sel = tagged(table, table.all(), c.expectation.tags);
    const f = kind.figure(c.expectation.metric, table, sel);
    if (f.count === 0 && kind.overNone === 'fails') continue;
    if (Number.isFinite(f.value) && compare(f.value, c.expectation.op, c.expectation.value))
      return { source: c.source, measured: f.value, unit: kind.unit, requests: f.count };
  }
  return undefined;
}

/** 'rate(5xx) > 50% for 10s held: 73.1% over 412 requests'. */
export function describeAbort(h: AbortHit): string {
  const v = h.unit === 'ms' ? formatMs(h.measured) : h.unit === 'rate' ? `${(100 * h.measured).toFixed(1)}%` : String(Math.round(h.measured * 100) / 100);
  return `${h.source} held: ${v} over ${h.requests} requests`;
}

import { RequestTable, type Selection, type Requests } from '../metrics/index.ts';
import { compare, type Expectation } from './kind.ts';
import { countMeasure } from './count.ts';
import { maxMeasure } from './max.ts';
import { tagged, type RequestFigure, type RequestMeasureKind } from './over-requests.ts';
import { percentileMeasure } from './percentile.ts';
import { rateMeasure } from './rate.ts';

/** The measures of the requests themselves: what recovery's windows and tests can compute over any selection. */
const REQUEST_MEASURES: readonly RequestMeasureKind<{ kind: string }>[] = [percentileMeasure, maxMeasure, rateMeasure, countMeasure];

/** The request measure of an expectation; a figure read from the stack (recovery, writes, counters…) is judge()'s. */
function requestMeasureOf(e: Expectation): RequestMeasureKind<{ kind: string }> {
  const kind = REQUEST_MEASURES.find((m) => m.kind === e.metric.kind);
  if (!kind) throw new Error(`${e.metric.kind} is not a figure of the requests alone: judge() measures it`);
  return kind;
}

function figureOf(kind: RequestMeasureKind<{ kind: string }>, e: Expectation, records: Requests, within: Selection | undefined): RequestFigure {
  const t = RequestTable.from(records);
  return kind.figure(e.metric, t, tagged(t, within ?? t.all(), e.tags));
}

/** A request expectation's figure over the requests given (every one, or `within`) that carry its tags. */
export function measure(e: Expectation, records: Requests, within?: Selection): RequestFigure {
  return figureOf(requestMeasureOf(e), e, records, within);
}

/** An expectation over no matching request passes: there is no evidence against it (a count over none is 0, and judged). */
export function holds(e: Expectation, records: Requests, sel?: Selection): boolean {
  const kind = requestMeasureOf(e);
  const m = figureOf(kind, e, records, sel);
  if (kind.overNone !== 'counts' && m.count === 0) return true;
  return compare(m.value, e.op, e.value);
}

import { RequestTable, type Selection, type Requests } from '../metrics/index.ts';
import { compare, type Expectation } from './kind.ts';
import { countMeasure } from './count.ts';
import { maxMeasure } from './max.ts';
import { tagged, type RequestFigure, type RequestMeasureKind } from './over-requests.ts';
import { percentileMeasure } from './percentile.ts';
import { rateMeasure } from './rate.ts';

/** The measures of the requests themselves: what recovery's windows and tests can compute over any selection. */
const REQUEST_MEASURES: readonly RequestMeasureKind<{ kind: string }>[] = [percentileMeasure, maxMeasure, rateMeasure, countMeasure];

/** A request expectation's figure over the requests given (every one, or `within`) that carry its tags. */
export function measure(e: Expectation, records: Requests, within?: Selection): RequestFigure {
  const kind = REQUEST_MEASURES.find((m) => m.kind === e.metric.kind);
  if (!kind) throw new Error(`${e.metric.kind} is not a figure of the requests alone: judge() measures it`);
  const t = RequestTable.from(records);
  return kind.figure(e.metric, t, tagged(t, within ?? t.all(), e.tags));
}

/** An expectation over no matching request passes: there is no evidence against it. */
export function holds(e: Expectation, records: Requests, sel?: Selection): boolean {
  const m = measure(e, records, sel);
  if (REQUEST_MEASURES.find((k) => k.kind === e.metric.kind)?.overNone !== 'counts' && m.count === 0) return true;
  return compare(m.value, e.op, e.value);
}

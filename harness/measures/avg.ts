import type { RequestTable, Selection } from '../metrics/index.ts';
import { judgeOverRequests, type RequestFigure, type RequestMeasureKind } from './over-requests.ts';

/** `avg < 200ms`: the mean duration of the requests (k6's `avg` of http_req_duration). A mean hides a tail: pair it with a percentile. */
export interface Avg {
  kind: 'avg';
}

function avgFigure(_m: Avg, table: RequestTable, sel: Selection): RequestFigure {
  let sum = 0;
  for (const i of sel) sum += table.durationMs(i);
  return { value: sel.length ? sum / sel.length : Number.NaN, count: sel.length };
}

export const avgMeasure: RequestMeasureKind<Avg> = {
  kind: 'avg',
  written: 'avg',
  parse: (text) => (text === 'avg' ? { kind: 'avg' } : undefined),
  unit: 'ms',
  interval: false,
  perEntry: true,
  perWindow: true,
  needsStack: false,
  figure: avgFigure,
  overNone: 'fails',
  judge(e, ctx) {
    return judgeOverRequests(e, ctx, avgMeasure);
  },
};

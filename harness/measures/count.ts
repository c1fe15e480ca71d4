import type { RequestTable, Selection } from '../metrics/index.ts';
import { judgeOverRequests, type RequestFigure, type RequestMeasureKind } from './over-requests.ts';

/** `count{name:read} > 100`: how many requests (none is a count too: 0). */
export interface Count {
  kind: 'count';
}

const countFigure = (_m: Count, _table: RequestTable, sel: Selection): RequestFigure => ({ value: sel.length, count: sel.length });

export const countMeasure: RequestMeasureKind<Count> = {
  kind: 'count',
  written: 'count',
  parse: (text) => (text === 'count' ? { kind: 'count' } : undefined),
  unit: 'count',
  interval: false,
  perEntry: true,
  perWindow: false,
  needsStack: false,
  figure: countFigure,
  overNone: 'counts',
  judge(e, ctx) {
    return judgeOverRequests(e, ctx, countMeasure);
  },
};

import { LatencyHistogram, type RequestTable, type Selection } from '../metrics/index.ts';
import { judgeOverRequests, type RequestFigure, type RequestMeasureKind } from './over-requests.ts';

/** `max < 1m`: the longest request. */
export interface Max {
  kind: 'max';
}

function maxFigure(_m: Max, table: RequestTable, sel: Selection): RequestFigure {
  const h = new LatencyHistogram();
  for (const i of sel) h.record(table.durationMs(i));
  return { value: h.max, count: sel.length };
}

export const maxMeasure: RequestMeasureKind<Max> = {
  kind: 'max',
  written: 'max',
  parse: (text) => (text === 'max' ? { kind: 'max' } : undefined),
  unit: 'ms',
  interval: false,
  perEntry: true,
  perWindow: true,
  needsStack: false,
  figure: maxFigure,
  overNone: 'fails',
  judge(e, ctx) {
    return judgeOverRequests(e, ctx, maxMeasure);
  },
};

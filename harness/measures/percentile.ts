import { LatencyHistogram, percentileRanks, type RequestTable, type Selection } from '../metrics/index.ts';
import { judgeOverRequests, type RequestFigure, type RequestMeasureKind } from './over-requests.ts';

/** `p95 < 200ms`, `p(99.9){name:upload} < 1.5s`: the nearest-rank percentile of the requests' durations. */
export interface Percentile {
  kind: 'percentile';
  p: number;
}

function percentileFigure(m: Percentile, table: RequestTable, sel: Selection): RequestFigure {
  const h = new LatencyHistogram();
  for (const i of sel) h.record(table.durationMs(i));
  const ranks = percentileRanks(sel.length, m.p);
  return { value: h.percentileMs(m.p), count: sel.length, interval: { lo: h.valueAtRank(ranks.lower), hi: h.valueAtRank(ranks.upper) } };
}

export const percentileMeasure: RequestMeasureKind<Percentile> = {
  kind: 'percentile',
  written: 'p50/p95/p99/p(N)',
  parse(text, whole) {
    const m = /^p(?:\((\d+(?:\.\d+)?)\)|(\d+))$/.exec(text);
    if (!m) return undefined;
    const p = Number(m[1] ?? m[2]);
    if (!(p > 0 && p <= 100)) return { ok: false, message: `percentile ${p} in '${whole}' is outside (0, 100]`, fix: 'use p50, p95, p99 or p(99.9)' };
    return { kind: 'percentile', p };
  },
  unit: 'ms',
  interval: true,
  perEntry: true,
  perWindow: true,
  needsStack: false,
  figure: percentileFigure,
  overNone: 'fails',
  judge(e, ctx) {
    return judgeOverRequests(e, ctx, percentileMeasure);
  },
};

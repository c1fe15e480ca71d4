import { avgMeasure } from './avg.ts';
import { connectionsMeasure } from './connections.ts';
import { countMeasure } from './count.ts';
import { cacheMissRateMeasure, dbQueriesPerRequestMeasure, upstreamCallsPerRequestMeasure } from './counters.ts';
import { ejectionMeasure } from './ejection.ts';
import { k6CountMeasure, k6MaxMeasure, k6PercentileMeasure, k6RateMeasure } from './k6-metrics.ts';
import type { MeasureKind } from './kind.ts';
import { maxMeasure } from './max.ts';
import { percentileMeasure } from './percentile.ts';
import { rateMeasure } from './rate.ts';
import { recoveryMeasure } from './recovery.ts';
import { rssGrowthMeasure, rssMaxMeasure } from './rss.ts';
import { committedAfterFailureMeasure, duplicateWritesMeasure, lostWritesMeasure } from './writes.ts';

/**
 * Every measure an expectation can name. Parsing, validation, judging and judging k6 samples without
 * a stack loop over this list: a new measure is its own file in this folder (its metric, how it
 * reads, where it may stand, its verdict), a line here and its test.
 */
export const MEASURE_KINDS = [
  // A part's memory before the k6 metrics: max(rss) is the part's, not a k6 metric named rss.
  rssMaxMeasure,
  rssGrowthMeasure,
  // The load script's own k6 metrics first: rate(checks) is theirs, rate(503) the requests' (rateMeasure).
  k6RateMeasure,
  k6PercentileMeasure,
  k6MaxMeasure,
  k6CountMeasure,
  percentileMeasure,
  maxMeasure,
  avgMeasure,
  countMeasure,
  rateMeasure,
  recoveryMeasure,
  lostWritesMeasure,
  committedAfterFailureMeasure,
  duplicateWritesMeasure,
  connectionsMeasure,
  ejectionMeasure,
  dbQueriesPerRequestMeasure,
  cacheMissRateMeasure,
  upstreamCallsPerRequestMeasure,
] as const;

type MetricOf<K> = K extends MeasureKind<infer M> ? M : never;
/** What an expectation measures: one of the measures' own metrics. */
export type MetricRef = MetricOf<(typeof MEASURE_KINDS)[number]>;
export type MetricKind = MetricRef['kind'];

const BY_KIND = new Map<string, MeasureKind<MetricRef>>(MEASURE_KINDS.map((k) => [k.kind, k as MeasureKind<MetricRef>]));

/** The measure of a metric. */
export function measureOf(kind: MetricKind): MeasureKind<MetricRef> {
  const k = BY_KIND.get(kind);
  if (!k) throw new Error(`no measure '${kind}' in MEASURE_KINDS`);
  return k;
}

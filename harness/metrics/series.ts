import { LatencyHistogram, tally, type Requests } from './figures.ts';
import { groupBy, RequestTable } from './table.ts';

/** One bucket of the run's time series: the requests that started in [tMs, tMs + bucketMs) after the load started. */
export interface SeriesPoint {
  /** ms from the start of the load to the start of the bucket. */
  tMs: number;
  count: number;
  /** null when no request started in the bucket (JSON has no NaN). */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** Count per status: "200", "503", ..., and "no_response". */
  statuses: Record<string, number>;
}

export interface Series {
  bucketMs: number;
  points: SeriesPoint[];
}

/** At most this many buckets: a chart of a long soak stays readable and result.json small. */
const MAX_POINTS = 240;

/** Bucket width: 1 s, widened in whole seconds so that a long run has at most MAX_POINTS buckets. */
export function bucketFor(durationMs: number): number {
  return Math.max(1000, Math.ceil(durationMs / MAX_POINTS / 1000) * 1000);
}

/**
 * The requests of the load window bucketed by start time: what the report's charts draw. Every
 * request is in a bucket: the last bucket is closed (a request starting exactly at the end of the
 * load, or a few ms after it as k6 may, is in it), and one stamped before the start is in the first.
 */
export function timeSeries(records: Requests, loadStartMs: number, loadEndMs: number, bucketMs = bucketFor(loadEndMs - loadStartMs)): Series {
  const t = RequestTable.from(records);
  const n = Math.max(1, Math.ceil((loadEndMs - loadStartMs) / bucketMs));
  const buckets = groupBy(t.all(), (i) => Math.min(n - 1, Math.max(0, Math.floor((t.startMs(i) - loadStartMs) / bucketMs))), n);
  // One histogram, reset per bucket: a histogram per bucket of a long run cost ~40 KB each.
  const h = new LatencyHistogram();
  const v = (x: number) => (Number.isNaN(x) ? null : x);
  return {
    bucketMs,
    points: buckets.map((b, i) => {
      h.reset();
      const statuses = tally(h, t, b);
      return { tMs: i * bucketMs, count: h.count, p50Ms: v(h.percentileMs(50)), p95Ms: v(h.percentileMs(95)), p99Ms: v(h.percentileMs(99)), statuses };
    }),
  };
}

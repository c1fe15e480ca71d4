// What the HTML report's charts draw, computed from result.json in Node and embedded in the page.
// No imports: the browser bundle (harness/report/browser) uses these types too.

export interface ChartMark {
  label: string;
  /** Seconds from the start of the load. */
  atS: number;
}

export interface ChartWindow {
  label: string;
  fromS: number;
  toS: number;
}

/** Status-code series, as a share of the bucket's requests (%). Distinct colours in the page. */
export const STATUS_SERIES = ['503', '502', '504', 'other 5xx', 'no response'] as const;
export type StatusSeries = (typeof STATUS_SERIES)[number];

export interface ChartData {
  title: string;
  /** Bucket middles, seconds from the start of the load. */
  t: number[];
  bucketS: number;
  durationS: number;
  latency: { p50: (number | null)[]; p95: (number | null)[]; p99: (number | null)[] };
  /** Requests per second in each bucket. */
  rate: number[];
  statusPct: Record<StatusSeries, (number | null)[]>;
  /** Faults with a duration: shaded. */
  faults: ChartWindow[];
  /** Instant faults (a kill, a flush, a restart) and gateway state changes: vertical lines. */
  instants: ChartMark[];
  gateway: ChartMark[];
  /** A replayed scenario's source log in the same buckets: drawn dashed over the run's curves. */
  log?: { label: string; rate: number[]; statusPct: Record<StatusSeries, (number | null)[]> };
  /** The stack's work per client request (DB queries, cache misses, upstream calls), one line each; absent when none was read. */
  work?: { label: string; values: (number | null)[] }[];
  /** Each part's resident memory (MB) at each reading (its own times, s): one line per part; absent when none was read. */
  memory?: { t: number[]; lines: { label: string; values: (number | null)[] }[] };
  /** Where the measured recovery ends (last heal + recovery time); absent when never recovered or no fault. */
  recovery: ChartMark | undefined;
}

type Tags = Readonly<Record<string, string>>;

/** A k6 metric's type, as its JSON output declares it. */
export type K6MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

/** One k6 metric of the load script (`checks`, or a custom Trend, Rate, Counter or Gauge), its samples in columns. */
export interface MetricSamples {
  readonly name: string;
  /** undefined until its declaration line was read (k6 writes it before the metric's first sample). */
  type: K6MetricType | undefined;
  /** A Trend of times (`new Trend(name, true)`): its values are ms. */
  isTime: boolean;
  length: number;
  /** When each sample was emitted (ms since the epoch), its value, its tag set's id. */
  t: Float64Array;
  v: Float64Array;
  tag: Uint32Array;
}

/**
 * The samples of the load script's own metrics, read from k6's JSON output: `checks` (1 passed, 0
 * failed, tagged with the check's name) and every custom metric it declares. A column set per
 * metric, tag sets interned (a few serve every sample), as RequestTable keeps the requests.
 */
export class K6Samples {
  private readonly byName = new Map<string, MetricSamples>();
  private readonly tagSets: Tags[] = [];
  private readonly tagIds = new Map<string, number>();

  /** A metric's declaration: `{"type":"Metric","data":{"name":…,"type":"trend","contains":"time"}}`. */
  declare(name: string, type: string, contains: string | undefined): void {
    const m = this.metric(name);
    if (type === 'counter' || type === 'gauge' || type === 'rate' || type === 'trend') m.type = type;
    m.isTime = contains === 'time';
  }

  add(name: string, tMs: number, value: number, tags: Readonly<Record<string, string>> | null): void {
    const m = this.metric(name);
    if (m.length === m.t.length) {
      const grow = <A extends Float64Array | Uint32Array>(a: A, make: (n: number) => A): A => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      m.t = grow(m.t, (n) => new Float64Array(n));
      m.v = grow(m.v, (n) => new Float64Array(n));
      m.tag = grow(m.tag, (n) => new Uint32Array(n));
    }
    m.t[m.length] = tMs;
    m.v[m.length] = value;
    m.tag[m.length] = this.tagId(tags ?? {});
    m.length++;
  }

  /** Every metric that has samples, by name. */
  names(): string[] {
    return [...this.byName.values()].filter((m) => m.length > 0).map((m) => m.name);
  }

  get(name: string): MetricSamples | undefined {
    const m = this.byName.get(name);
    return m && m.length > 0 ? m : undefined;
  }

  tags(m: MetricSamples, i: number): Tags {
    return this.tagSets[m.tag[i] ?? 0] ?? {};
  }

  /** The distinct values a tag takes over a metric's samples (`check` over `checks`: the checks' names). */
  tagValues(name: string, key: string): string[] {
    const m = this.get(name);
    if (!m) return [];
    const seen = new Set<string>();
    for (let i = 0; i < m.length; i++) {
      const v = this.tags(m, i)[key];
      if (v !== undefined) seen.add(v);
    }
    return [...seen].sort();
  }

  /** The indices of a metric's samples whose time `keep` takes and that carry every tag of `tags`. */
  select(m: MetricSamples, keep: (tMs: number) => boolean, tags: Readonly<Record<string, string>>): number[] {
    const keys = Object.keys(tags);
    const out: number[] = [];
    for (let i = 0; i < m.length; i++) {
      if (!keep(m.t[i] ?? NaN)) continue;
      if (keys.length > 0) {
        const have = this.tags(m, i);
        if (!keys.every((k) => have[k] === tags[k])) continue;
      }
      out.push(i);
    }
    return out;
  }

  /** Every sample dropped, the declarations kept (a live tail reads on). */
  clear(): void {
    for (const m of this.byName.values()) m.length = 0;
  }

  /** Another set's samples added to these (the runners of one split load). */
  merge(other: K6Samples): void {
    for (const m of other.byName.values()) {
      const mine = this.metric(m.name);
      mine.type ??= m.type;
      mine.isTime ||= m.isTime;
      for (let i = 0; i < m.length; i++) this.add(m.name, m.t[i] ?? NaN, m.v[i] ?? NaN, other.tags(m, i));
    }
  }

  private metric(name: string): MetricSamples {
    let m = this.byName.get(name);
    if (!m) {
      m = { name, type: undefined, isTime: false, length: 0, t: new Float64Array(64), v: new Float64Array(64), tag: new Uint32Array(64) };
      this.byName.set(name, m);
    }
    return m;
  }

  private tagId(tags: Readonly<Record<string, string>>): number {
    const key = JSON.stringify(tags);
    let id = this.tagIds.get(key);
    if (id === undefined) {
      id = this.tagSets.length;
      this.tagSets.push(Object.freeze({ ...tags }));
      this.tagIds.set(key, id);
    }
    return id;
  }
}

import type { RequestRecord } from './figures.ts';

type Tags = Readonly<Record<string, string>>;

/**
 * Every request of a run in columns (typed arrays): about 22 bytes a request where an object cost
 * about 130 (measured on a 120 s run at 2 000/s). Objects also survived every young-generation GC
 * while a results file was read, which grew the heap (and the peak RSS) with the run's length.
 * The judgement works on indices into it; iterating it yields records one at a time.
 */
export class RequestTable implements Iterable<RequestRecord> {
  private start = new Float64Array(1024);
  private dur = new Float64Array(1024);
  private st = new Uint16Array(1024);
  private tag = new Uint32Array(1024);
  /** Distinct tag sets: a few serve every request (the reader interns them). */
  private readonly tagSets: Tags[] = [];
  private readonly byObject = new Map<Tags, number>();
  private readonly byKey = new Map<string, number>();
  private n = 0;

  static from(records: Iterable<RequestRecord>): RequestTable {
    if (records instanceof RequestTable) return records;
    const t = new RequestTable();
    for (const r of records) t.push(r);
    return t;
  }

  get length(): number {
    return this.n;
  }

  push(r: RequestRecord): void {
    this.add(r.startMs, r.durationMs, r.status, r.tags);
  }

  /** push() without a record object (the reader adds one per request). */
  add(startMs: number, durationMs: number, status: number, tags: Tags): void {
    if (this.n === this.start.length) this.grow();
    const i = this.n++;
    this.start[i] = startMs;
    this.dur[i] = durationMs;
    this.st[i] = status;
    this.tag[i] = this.tagId(tags);
  }

  /** Row i of another table, copied without a record object. */
  addRow(from: RequestTable, i: number): void {
    this.add(from.startMs(i), from.durationMs(i), from.status(i), from.tags(i));
  }

  startMs(i: number): number {
    return this.start[i] ?? NaN;
  }
  durationMs(i: number): number {
    return this.dur[i] ?? NaN;
  }
  status(i: number): number {
    return this.st[i] ?? 0;
  }
  tags(i: number): Tags {
    return this.tagSets[this.tag[i] ?? 0] ?? {};
  }
  record(i: number): RequestRecord {
    return { startMs: this.startMs(i), durationMs: this.durationMs(i), status: this.status(i), tags: this.tags(i) };
  }

  *[Symbol.iterator](): Iterator<RequestRecord> {
    for (let i = 0; i < this.n; i++) yield this.record(i);
  }

  private allIdx: Uint32Array | undefined;
  /** Every index, in order (one array, made once per size). */
  all(): Uint32Array {
    if (this.allIdx?.length !== this.n) {
      this.allIdx = new Uint32Array(this.n);
      for (let i = 0; i < this.n; i++) this.allIdx[i] = i;
    }
    return this.allIdx;
  }

  /** Empties it, keeping its buffers. */
  clear(): void {
    this.n = 0;
  }

  /** Several tables as one, ordered by start time (k6 runners write their own files). */
  static merge(parts: readonly RequestTable[]): RequestTable {
    // One runner (the usual case) is already the whole: no copy at the moment memory peaks.
    if (parts.length === 1 && parts[0]) return parts[0];
    const all = new RequestTable();
    for (const p of parts) for (let i = 0; i < p.length; i++) all.addRow(p, i);
    // Sorted through an index permutation: no object per request.
    const order = all
      .all()
      .slice()
      .sort((a, b) => all.startMs(a) - all.startMs(b));
    const out = new RequestTable();
    for (const i of order) out.addRow(all, i);
    return out;
  }

  private tagId(tags: Tags): number {
    let id = this.byObject.get(tags);
    if (id !== undefined) return id;
    const key = JSON.stringify(tags);
    id = this.byKey.get(key);
    if (id === undefined) {
      id = this.tagSets.length;
      this.tagSets.push(tags);
      this.byKey.set(key, id);
    }
    // Records built by hand bring a new object each time: only the reader's interned ones are kept by identity.
    if (this.byObject.size < 10_000) this.byObject.set(tags, id);
    return id;
  }

  private grow(): void {
    const size = this.start.length * 2;
    const g = <T extends Float64Array | Uint16Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.start = g(this.start, (k) => new Float64Array(k));
    this.dur = g(this.dur, (k) => new Float64Array(k));
    this.st = g(this.st, (k) => new Uint16Array(k));
    this.tag = g(this.tag, (k) => new Uint32Array(k));
  }
}

/** Indices into a RequestTable: a subset of the requests without copying them. */
export type Selection = Uint32Array | readonly number[];

/**
 * The indices of `sel` for which `keep` holds, in an array of exactly their number: arrays grown
 * by push() leave their smaller copies behind as garbage, which a long run's judgement made by the MB.
 */
export function pick(sel: Selection, keep: (i: number) => boolean): Uint32Array {
  const hit = new Uint8Array(sel.length);
  let n = 0;
  for (let j = 0; j < sel.length; j++)
    if (keep(sel[j] ?? 0)) {
      hit[j] = 1;
      n++;
    }
  const out = new Uint32Array(n);
  for (let j = 0, k = 0; j < sel.length; j++) if (hit[j]) out[k++] = sel[j] ?? 0;
  return out;
}

/**
 * `sel` grouped by a small integer key (0 ≤ key < keys; any other key leaves the index out), by
 * counting sort into one array: group k is a view of it, in the order of `sel`.
 */
export function groupBy(sel: Selection, keyOf: (i: number) => number, keys: number): Uint32Array[] {
  const key = new Int32Array(sel.length);
  const offsets = new Uint32Array(keys + 1);
  for (let j = 0; j < sel.length; j++) {
    const k = keyOf(sel[j] ?? 0);
    key[j] = k >= 0 && k < keys ? k : -1;
    if (key[j] !== -1) offsets[k + 1] = (offsets[k + 1] ?? 0) + 1;
  }
  for (let k = 0; k < keys; k++) offsets[k + 1] = (offsets[k + 1] ?? 0) + (offsets[k] ?? 0);
  const order = new Uint32Array(offsets[keys] ?? 0);
  const pos = offsets.slice(0, keys);
  for (let j = 0; j < sel.length; j++) {
    const k = key[j] ?? -1;
    if (k !== -1) {
      const at = (pos[k] ?? 0) + 1;
      pos[k] = at;
      order[at - 1] = sel[j] ?? 0;
    }
  }
  return Array.from({ length: keys }, (_, k) => order.subarray(offsets[k], offsets[k + 1]));
}

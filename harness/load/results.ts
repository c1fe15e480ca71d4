import { createReadStream } from 'node:fs';
import { K6Samples, RequestTable, type AttemptSample } from '../metrics/index.ts';

/** What the reader takes from k6's JSON lines output. */
export interface LoadResults {
  /** Every request, in columns (a long run's records would cost ~130 bytes each as objects). */
  requests: RequestTable;
  iterations: number;
  droppedIterations: number;
  /** The most VUs busy at once (k6's vus gauge) and the most it had allocated (vus_max): a saturation's cause. */
  peakVUs: number;
  peakVUsMax: number;
  /** Writes the target acknowledged (the brownout_ack metric of harness/load/k6/acknowledge.ts). */
  acks: { id: number; atMs: number }[];
  /** Responses to keyed writes (the brownout_attempt metric of harness/load/k6/attempt.ts). */
  attempts: AttemptSample[];
  /** When each key was made, just before its write was sent (brownout_write). */
  writeStarts: { key: number; atMs: number }[];
  /** The load script's own metrics: `checks` and every custom Trend, Rate, Counter and Gauge. */
  samples: K6Samples;
  /** Lines that were not JSON (k6 killed mid-write leaves a partial last line). */
  badLines: number;
  lines: number;
}

interface MetricLine {
  type: 'Metric';
  data: { name: string; type: string; contains?: string };
}

interface PointLine {
  type: 'Point';
  metric: string;
  data: { time: string; value: number; tags: Record<string, string> | null };
}

/**
 * k6 writes each request as consecutive Point lines sharing one end time and tag set:
 * http_reqs, http_req_duration, http_req_blocked, ... The record is built from duration
 * and blocked: start = end − blocked − duration (blocked spans getting a connection, connecting included).
 */
/** k6's own metrics the reader uses; the others of k6's (SKIPPED) are skipped, every other metric is the script's (samples). */
const WANTED = new Set([
  'http_req_duration',
  'http_req_blocked',
  'iterations',
  'dropped_iterations',
  'brownout_ack',
  'brownout_attempt',
  'brownout_write',
  'vus',
  'vus_max',
]);

/**
 * k6's built-in metrics besides those (k6 docs, "Built-in metrics"), by name or prefix: skipped
 * unparsed. Any other metric is one the script declared (or `checks`), kept as samples.
 */
const SKIPPED_PREFIXES = ['http_', 'data_', 'iteration_duration', 'group_duration', 'ws_', 'grpc_', 'browser_', 'brownout_'];
const isSkipped = (name: string) => !WANTED.has(name) && SKIPPED_PREFIXES.some((p) => name.startsWith(p));

export class ResultReader {
  /**
   * One shared object per distinct tag set. k6 tags each request with its url, which makes every
   * set unique; the url is dropped (the name tag carries it, or the group name the script gave), so
   * a few sets serve every record and a long run's records cost little memory.
   */
  private readonly tagSets = new Map<string, Readonly<Record<string, string>>>();
  private intern(tags: Record<string, string>): Readonly<Record<string, string>> {
    const { url: _url, ...rest } = tags;
    const key = JSON.stringify(rest);
    let t = this.tagSets.get(key);
    if (!t) {
      t = Object.freeze(rest);
      this.tagSets.set(key, t);
    }
    return t;
  }
  private readonly pending = new Map<string, { durationMs: number; tags: Record<string, string> }>();
  readonly results: LoadResults = {
    requests: new RequestTable(),
    acks: [],
    attempts: [],
    writeStarts: [],
    iterations: 0,
    droppedIterations: 0,
    peakVUs: 0,
    peakVUsMax: 0,
    samples: new K6Samples(),
    badLines: 0,
    lines: 0,
  };

  line(text: string): void {
    if (!text) return;
    this.results.lines++;
    // k6 writes about 13 lines per request; the reader needs 2 of them. A Point line starts with its
    // metric's name, so the others are skipped unparsed (measured: ingest 1.7× faster, far less garbage).
    // A line that does not end like JSON is parsed anyway, to be counted as bad.
    if (text.startsWith('{"metric":"') && text.endsWith('}')) {
      const name = text.slice(11, text.indexOf('"', 11));
      if (isSkipped(name)) return;
    }
    let v: { type?: string };
    try {
      v = JSON.parse(text) as { type?: string };
    } catch {
      this.results.badLines++;
      return;
    }
    if (v.type === 'Metric') {
      const m = v as MetricLine;
      if (!isSkipped(m.data.name) && !WANTED.has(m.data.name)) this.results.samples.declare(m.data.name, m.data.type, m.data.contains);
      return;
    }
    if (v.type !== 'Point') return;
    const p = v as PointLine;
    switch (p.metric) {
      case 'iterations':
        this.results.iterations += 1;
        return;
      case 'brownout_ack':
        this.results.acks.push({ id: p.data.value, atMs: Date.parse(p.data.time) });
        return;
      case 'brownout_attempt':
        this.results.attempts.push({ key: p.data.value, status: Number(p.data.tags?.['status'] ?? 0), atMs: Date.parse(p.data.time) });
        return;
      case 'brownout_write':
        this.results.writeStarts.push({ key: p.data.value, atMs: Date.parse(p.data.time) });
        return;
      case 'dropped_iterations':
        this.results.droppedIterations += p.data.value;
        return;
      case 'vus':
        this.results.peakVUs = Math.max(this.results.peakVUs, p.data.value);
        return;
      case 'vus_max':
        this.results.peakVUsMax = Math.max(this.results.peakVUsMax, p.data.value);
        return;
      case 'http_req_duration': {
        const tags = p.data.tags ?? {};
        this.pending.set(`${p.data.time}|${tags['url'] ?? ''}|${tags['name'] ?? ''}|${tags['method'] ?? ''}`, {
          durationMs: p.data.value,
          tags,
        });
        return;
      }
      case 'http_req_blocked': {
        const tags = p.data.tags ?? {};
        const key = `${p.data.time}|${tags['url'] ?? ''}|${tags['name'] ?? ''}|${tags['method'] ?? ''}`;
        const d = this.pending.get(key);
        if (!d) return;
        this.pending.delete(key);
        // Date.parse keeps ms; the sub-ms part of the RFC 3339 time is added back for exact starts.
        const endMs = timeMs(p.data.time);
        this.results.requests.add(endMs - p.data.value - d.durationMs, d.durationMs, Number(tags['status'] ?? 0) || 0, this.intern(d.tags));
        return;
      }
      default:
        // The script's own metric (isSkipped was false): checks, a custom Trend, Rate, Counter or Gauge.
        this.results.samples.add(p.metric, timeMs(p.data.time), p.data.value, p.data.tags);
        return;
    }
  }
}

/** An RFC 3339 time in ms since the epoch, its sub-ms digits kept. */
function timeMs(time: string): number {
  const frac = /\.(\d+)/.exec(time)?.[1] ?? '';
  return Date.parse(time) + (frac.length > 3 ? Number(`0.${frac.slice(3)}`) : 0);
}

const WANTED_BYTES = [...WANTED].map((m) => Buffer.from(`{"metric":"${m}"`));
const SKIPPED_BYTES = SKIPPED_PREFIXES.map((m) => Buffer.from(`{"metric":"${m}`));
const NL = 0x0a;
const CLOSE = 0x7d; // }

/**
 * Reads k6's results file in raw chunks: a line becomes a string only when the reader wants it
 * (readline made a string of each of the ~13 lines per request; the reader keeps 2).
 */
export async function readResultsFile(file: string): Promise<LoadResults> {
  const reader = new ResultReader();
  let rest: Buffer | undefined;
  for await (const chunk of createReadStream(file)) {
    const buf = chunk as Buffer;
    let start = 0;
    if (rest) {
      // The line split across two chunks: only its two pieces are joined.
      const nl = buf.indexOf(NL);
      if (nl === -1) {
        rest = Buffer.concat([rest, buf]);
        continue;
      }
      const line = Buffer.concat([rest, buf.subarray(0, nl)]);
      lineBytes(reader, line, 0, line.length);
      start = nl + 1;
    }
    for (let nl = buf.indexOf(NL, start); nl !== -1; nl = buf.indexOf(NL, start)) {
      lineBytes(reader, buf, start, nl);
      start = nl + 1;
    }
    // The partial last line waits for the next chunk (copied, so the chunk can go).
    rest = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
  }
  if (rest) lineBytes(reader, rest, 0, rest.length);
  return reader.results;
}

function lineBytes(reader: ResultReader, buf: Buffer, start: number, end: number): void {
  if (end > start && buf[end - 1] === 0x0d) end--;
  if (end === start) return;
  // A whole Point line of a k6 metric the reader skips is counted and left as bytes.
  const startsWith = (w: Buffer) => end - start > w.length && buf.compare(w, 0, w.length, start, start + w.length) === 0;
  if (buf[end - 1] === CLOSE && SKIPPED_BYTES.some(startsWith) && !WANTED_BYTES.some(startsWith)) {
    reader.results.lines++;
    return;
  }
  reader.line(buf.toString('utf8', start, end));
}

/** The samples of several k6 runners of one split test, as one: the judgement sees every request. */
export function mergeResults(parts: readonly LoadResults[]): LoadResults {
  const merged: LoadResults = {
    requests: RequestTable.merge(parts.map((p) => p.requests)),
    acks: [],
    attempts: [],
    writeStarts: [],
    iterations: 0,
    droppedIterations: 0,
    peakVUs: 0,
    peakVUsMax: 0,
    samples: new K6Samples(),
    badLines: 0,
    lines: 0,
  };
  for (const p of parts) {
    merged.samples.merge(p.samples);
    // push in a loop, not push(...): a spread of 100 000 acks overflows the call stack.
    for (const a of p.acks) merged.acks.push(a);
    for (const a of p.attempts) merged.attempts.push(a);
    for (const a of p.writeStarts) merged.writeStarts.push(a);
    merged.iterations += p.iterations;
    merged.droppedIterations += p.droppedIterations;
    // Each runner's peak, added: an upper bound of the VUs in use at once across them.
    merged.peakVUs += p.peakVUs;
    merged.peakVUsMax += p.peakVUsMax;
    merged.badLines += p.badLines;
    merged.lines += p.lines;
  }
  return merged;
}

export interface RunnerLoad {
  iterations: number;
  droppedIterations: number;
}

/**
 * Dropped iterations, overall and per runner. One saturated runner makes the whole run untrusted:
 * its segment of the arrivals was not sent, so the merged figures describe less load than asked,
 * unevenly in time, even when the overall share stays under the limit.
 */
export function saturation(
  runners: readonly RunnerLoad[],
  limit: number,
): { droppedShare: number; saturated: boolean; saturatedRunners: number[]; shares: number[] } {
  const share = (it: number, dropped: number) => (it + dropped === 0 ? 0 : dropped / (it + dropped));
  const shares = runners.map((r) => share(r.iterations, r.droppedIterations));
  const total = runners.reduce((a, r) => ({ iterations: a.iterations + r.iterations, droppedIterations: a.droppedIterations + r.droppedIterations }), {
    iterations: 0,
    droppedIterations: 0,
  });
  const droppedShare = share(total.iterations, total.droppedIterations);
  const saturatedRunners = shares.flatMap((s, i) => (s > limit ? [i] : []));
  return { droppedShare, saturated: droppedShare > limit || saturatedRunners.length > 0, saturatedRunners, shares };
}

/**
 * What would have kept the load generator from dropping arrivals, from what k6 measured: every VU
 * busy means too few VUs for how slow the target got; VUs started mid-run means too few allocated
 * before the start; neither means k6 itself could not keep up (a busy machine).
 */
export function saturationFix(
  asked: { rate: number; preAllocatedVUs: number; maxVUs: number },
  measured: { peakVUs: number; peakVUsMax: number },
  runners: number,
): string {
  const split = runners > 1 ? ' (over all runners)' : '';
  if (measured.peakVUs >= asked.maxVUs) {
    return `every one of the ${asked.maxVUs} VUs (load.maxVUs) was busy at once${split}: raise load.maxVUs (about rate × the slowest response in seconds; at ${asked.rate}/s and 10 s that is ${Math.ceil(asked.rate * 10)}) or lower load.rate`;
  }
  if (measured.peakVUsMax > asked.preAllocatedVUs) {
    return `k6 had to start VUs mid-run, up to ${measured.peakVUsMax} where ${asked.preAllocatedVUs} were allocated before the start (load.preAllocatedVUs)${split}, and dropped arrivals meanwhile: set load.preAllocatedVUs to ${measured.peakVUsMax} or more`;
  }
  return `at most ${measured.peakVUs} of ${asked.maxVUs} VUs were busy${split}, so k6 itself could not keep up: the machine is too busy for load.rate ${asked.rate}; lower it, or run on a quieter machine`;
}

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RequestRecord } from '../metrics/index.ts';

/** What the reader takes from k6's JSON lines output. */
export interface LoadResults {
  requests: RequestRecord[];
  iterations: number;
  droppedIterations: number;
  /** Writes the target acknowledged (the brownout_ack metric of harness/load/k6/acknowledge.ts). */
  acks: { id: number; atMs: number }[];
  /** Lines that were not JSON (k6 killed mid-write leaves a partial last line). */
  badLines: number;
  lines: number;
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
/** The metrics the reader uses; every other Point line is skipped. */
const WANTED = new Set(['http_req_duration', 'http_req_blocked', 'iterations', 'dropped_iterations', 'brownout_ack']);

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
  private readonly pending = new Map<string, { endMs: number; durationMs: number; tags: Record<string, string> }>();
  readonly results: LoadResults = { requests: [], acks: [], iterations: 0, droppedIterations: 0, badLines: 0, lines: 0 };

  line(text: string): void {
    if (!text) return;
    this.results.lines++;
    // k6 writes about 13 lines per request; the reader needs 2 of them. A Point line starts with its
    // metric's name, so the others are skipped unparsed (measured: ingest 1.7× faster, far less garbage).
    // A line that does not end like JSON is parsed anyway, to be counted as bad.
    if (text.startsWith('{"metric":"') && text.endsWith('}')) {
      const name = text.slice(11, text.indexOf('"', 11));
      if (!WANTED.has(name)) return;
    }
    let v: { type?: string };
    try {
      v = JSON.parse(text) as { type?: string };
    } catch {
      this.results.badLines++;
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
      case 'dropped_iterations':
        this.results.droppedIterations += p.data.value;
        return;
      case 'http_req_duration': {
        const tags = p.data.tags ?? {};
        this.pending.set(`${p.data.time}|${tags['url'] ?? ''}|${tags['name'] ?? ''}|${tags['method'] ?? ''}`, { endMs: Date.parse(p.data.time), durationMs: p.data.value, tags });
        return;
      }
      case 'http_req_blocked': {
        const tags = p.data.tags ?? {};
        const key = `${p.data.time}|${tags['url'] ?? ''}|${tags['name'] ?? ''}|${tags['method'] ?? ''}`;
        const d = this.pending.get(key);
        if (!d) return;
        this.pending.delete(key);
        // Date.parse keeps ms; the sub-ms part of the RFC 3339 time is added back for exact starts.
        const frac = /\.(\d+)/.exec(p.data.time)?.[1] ?? '';
        const subMs = frac.length > 3 ? Number(`0.${frac.slice(3)}`) : 0;
        const endMs = d.endMs + subMs;
        this.results.requests.push({ startMs: endMs - p.data.value - d.durationMs, durationMs: d.durationMs, status: Number(tags['status'] ?? 0) || 0, tags: this.intern(d.tags) });
        return;
      }
      default:
        return;
    }
  }
}

export async function readResultsFile(file: string): Promise<LoadResults> {
  const reader = new ResultReader();
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) reader.line(line);
  return reader.results;
}

/** The samples of several k6 runners of one split test, as one: the judgement sees every request. */
export function mergeResults(parts: readonly LoadResults[]): LoadResults {
  const merged: LoadResults = { requests: [], acks: [], iterations: 0, droppedIterations: 0, badLines: 0, lines: 0 };
  for (const p of parts) {
    // push in a loop, not push(...): a spread of 100 000 records overflows the call stack.
    for (const r of p.requests) merged.requests.push(r);
    for (const a of p.acks) merged.acks.push(a);
    merged.iterations += p.iterations;
    merged.droppedIterations += p.droppedIterations;
    merged.badLines += p.badLines;
    merged.lines += p.lines;
  }
  merged.requests.sort((a, b) => a.startMs - b.startMs);
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
export function saturation(runners: readonly RunnerLoad[], limit: number): { droppedShare: number; saturated: boolean; saturatedRunners: number[]; shares: number[] } {
  const share = (it: number, dropped: number) => (it + dropped === 0 ? 0 : dropped / (it + dropped));
  const shares = runners.map((r) => share(r.iterations, r.droppedIterations));
  const total = runners.reduce((a, r) => ({ iterations: a.iterations + r.iterations, droppedIterations: a.droppedIterations + r.droppedIterations }), { iterations: 0, droppedIterations: 0 });
  const droppedShare = share(total.iterations, total.droppedIterations);
  const saturatedRunners = shares.flatMap((s, i) => (s > limit ? [i] : []));
  return { droppedShare, saturated: droppedShare > limit || saturatedRunners.length > 0, saturatedRunners, shares };
}

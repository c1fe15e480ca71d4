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
export class ResultReader {
  private readonly pending = new Map<string, { endMs: number; durationMs: number; tags: Record<string, string> }>();
  readonly results: LoadResults = { requests: [], acks: [], iterations: 0, droppedIterations: 0, badLines: 0, lines: 0 };

  line(text: string): void {
    if (!text) return;
    this.results.lines++;
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
        this.results.requests.push({ startMs: endMs - p.data.value - d.durationMs, durationMs: d.durationMs, status: Number(tags['status'] ?? 0) || 0, tags: d.tags });
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

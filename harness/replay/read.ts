import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ReplayError } from '../core/errors.ts';
import {
  isoUtc,
  parseHaproxy,
  parseJsonLine,
  parseNginx,
  resolveJsonMap,
  type JSON_FIELD_KEYS,
  type LineResult,
  type LogFormat,
  type LogRequest,
} from './parse.ts';

export interface ReadOptions {
  format: LogFormat;
  /** The window: an ISO time, or a time of day on the log's first day (parseWhen). */
  from?: string;
  to?: string;
  /** jsonl: which field holds what (the rest found by their usual names). */
  map?: Partial<Record<(typeof JSON_FIELD_KEYS)[number], string>>;
  durationUnit?: 'ms' | 's';
  /** jsonl: the line's time is when the request arrived (start) or when it was answered (end). */
  timeAt?: 'start' | 'end';
}

export interface ReadLog {
  /** The requests inside the window (--from/--to), in the log's order. */
  requests: LogRequest[];
  /** The window, once known (from the first request's day for a time of day). */
  fromMs: number | undefined;
  toMs: number | undefined;
  /** Requests outside the window: counted, not kept. */
  outside: number;
  /** The earliest arrival of any request read. */
  firstArrivalMs: number;
  lines: number;
  unparsed: number;
  /** The first few lines that did not parse, with their number and why. */
  firstUnparsed: { line: number; text: string; why: string }[];
}

const SHOWN = 5;
/** A longer line is not a request (a request line this long is no one's incident): not parsed. */
export const MAX_LINE_CHARS = 16_384;
/** Requests kept in the window: about 150 bytes each; past this the window is narrowed first. */
export const MAX_REQUESTS = 2_000_000;

/** Reads an access log line by line (a log of the bad hour can be large). */
export async function readLog(file: string, o: ReadOptions): Promise<ReadLog> {
  if (!existsSync(file) || !statSync(file).isFile())
    throw new ReplayError(`no log file '${file}'`, `--log ${file}`, 'give the path of the access log of the incident window');
  const out: ReadLog = { requests: [], fromMs: undefined, toMs: undefined, outside: 0, firstArrivalMs: Infinity, lines: 0, unparsed: 0, firstUnparsed: [] };
  let windowKnown = false;
  let parse: ((line: string) => LineResult) | undefined = o.format === 'haproxy' ? parseHaproxy : o.format === 'nginx' ? parseNginx : undefined;
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const raw of rl) {
    out.lines++;
    const line = raw.trimEnd();
    if (!line) continue;
    if (!parse) {
      // jsonl: the field names come from the first object (or --map).
      let first: unknown;
      try {
        first = JSON.parse(line);
      } catch {
        first = undefined;
      }
      if (first !== undefined) {
        const m = resolveJsonMap(first, o.map ?? {}, o.durationUnit, o.timeAt === 'end');
        if ('missing' in m) {
          throw new ReplayError(
            `no field for ${m.missing.join(', ')} in the first JSON line`,
            `${file}:${out.lines}: ${line.slice(0, 200)}`,
            `name the fields: --map ${m.missing.map((k) => `${k}=FIELD`).join(',')} (dotted paths allowed, e.g. path=req.url)`,
          );
        }
        const map = m.map;
        parse = (l) => parseJsonLine(l, map);
      }
    }
    const r: LineResult =
      line.length > MAX_LINE_CHARS ? { ok: false, why: `longer than ${MAX_LINE_CHARS} characters` } : parse ? parse(line) : { ok: false, why: 'not JSON' };
    if (r.ok) {
      const t = r.request.arrivalMs;
      if (!windowKnown) {
        // A time of day is on the day of the log's first request.
        windowKnown = true;
        out.fromMs = o.from === undefined ? undefined : parseWhen(o.from, '--from', t);
        out.toMs = o.to === undefined ? undefined : parseWhen(o.to, '--to', t);
        if (out.fromMs !== undefined && out.toMs !== undefined && out.toMs <= out.fromMs)
          throw new ReplayError(`--to ${o.to} is not after --from ${o.from}`, '--from / --to', 'give a window that starts before it ends');
      }
      if (t < out.firstArrivalMs) out.firstArrivalMs = t;
      if ((out.fromMs !== undefined && t < out.fromMs) || (out.toMs !== undefined && t >= out.toMs)) out.outside++;
      else if (out.requests.length >= MAX_REQUESTS)
        throw new ReplayError(
          `more than ${MAX_REQUESTS.toLocaleString('en')} requests in the window (at ${file}:${out.lines})`,
          `--from ${o.from ?? '(first request)'} --to ${o.to ?? '(last request)'}`,
          'narrow the window to the incident with --from and --to (e.g. --from 07:05 --to 07:15)',
        );
      else out.requests.push(r.request);
    } else {
      out.unparsed++;
      if (out.firstUnparsed.length < SHOWN)
        out.firstUnparsed.push({ line: out.lines, text: line.length > 160 ? `${line.slice(0, 157)}...` : line, why: r.why });
    }
  }
  if (out.requests.length === 0 && out.outside === 0) {
    const shown = out.firstUnparsed.map((u) => `${file}:${u.line}: ${u.text} (${u.why})`).join('\n');
    throw new ReplayError(
      `no line of ${file} parses as ${o.format}`,
      shown || `${file} is empty`,
      o.format === 'jsonl'
        ? 'check --format, or name the JSON fields with --map time=...,method=...,path=...,status=...'
        : `check --format (haproxy, nginx or jsonl); ${o.format === 'nginx' ? "nginx lines must be in 'combined' format, optionally followed by $request_time" : "HAProxy lines must be in 'option httplog' format"}`,
    );
  }
  return out;
}

/**
 * --from/--to: an ISO time ('2026-11-24T07:06:50Z'; no zone = UTC, like the logs), or a time of day
 * ('07:06:50') on the day of the log's first request.
 */
export function parseWhen(text: string, field: string, firstArrivalMs: number): number {
  const tod = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(text);
  if (tod) {
    const d = new Date(firstArrivalMs);
    return Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth(),
      d.getUTCDate(),
      Number(tod[1]),
      Number(tod[2]),
      Number(tod[3] ?? 0),
      Number((tod[4] ?? '0').padEnd(3, '0')),
    );
  }
  const t = isoUtc(text);
  if (t === undefined)
    throw new ReplayError(
      `${field} '${text}' is not a time`,
      field,
      "write it like 2026-11-24T07:06:50Z, or 07:06:50 for the log's first day (times without a zone are UTC)",
    );
  return t;
}

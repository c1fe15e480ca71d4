// Access-log parsers: one line in, one request out (or the reason it is not one). Pure: tested on
// recorded lines.

export const LOG_FORMATS = ['haproxy', 'nginx', 'jsonl'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogRequest {
  /** When the request arrived, epoch ms (times without a zone are read as UTC). */
  arrivalMs: number;
  method: string;
  /** The path as requested, query included, no scheme or host. */
  path: string;
  /** 0 when no response was sent (HAProxy's -1: the client or the server went away first). */
  status: number;
  /** Time to the response, when the log has it. */
  durationMs: number | undefined;
}

export type LineResult = { ok: true; request: LogRequest } | { ok: false; why: string };

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** `24/Nov/2026:07:06:48[.469]` plus an optional `+0100` zone, to epoch ms. */
function clfTime(
  day: string,
  mon: string,
  year: string,
  hh: string,
  mm: string,
  ss: string,
  ms: string | undefined,
  zone: string | undefined,
): number | undefined {
  const month = MONTHS[mon];
  if (month === undefined) return undefined;
  let t = Date.UTC(Number(year), month, Number(day), Number(hh), Number(mm), Number(ss), Number(ms ?? 0));
  if (zone) {
    const sign = zone.startsWith('-') ? -1 : 1;
    t -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  }
  return Number.isFinite(t) ? t : undefined;
}

/** 'GET /photos/1 HTTP/1.1' → method and path; an absolute URI (HTTP/2, proxies) loses scheme and host. */
function requestLine(line: string): { method: string; path: string } | undefined {
  const m = /^([A-Z]+) (\S+)(?: HTTP\/[\d.]+)?$/.exec(line.trim());
  if (!m?.[1] || !m[2]) return undefined;
  return { method: m[1], path: stripOrigin(m[2]) };
}

function stripOrigin(uri: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(uri);
  const p = m ? m[1] || '/' : uri;
  return p.startsWith('/') ? p : `/${p}`;
}

// HAProxy's `option httplog`, with or without a syslog prefix:
// 127.0.0.1:44370 [24/Nov/2026:07:06:48.534] edge app/app 0/0/0/52/52 201 155 - - ---- 3/3/2/2/0 0/0 "POST /photos HTTP/1.1"
// Read in linear time whatever the line: the accept date is found at one of the line's first few
// '[' (a syslog prefix has one of its own, 'haproxy[123]:'), read from there with a sticky regex,
// and the request is the last quoted field.
const HAPROXY_HEAD = /\[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?\] \S+ \S+ (-?\d+)\/(-?\d+)\/(-?\d+)\/(-?\d+)\/\+?(-?\d+) (-?\d+) /y;
const CLIENT = /(?:^|\s)[^\s[]+:\d+ $/;
const BRACKETS_TRIED = 4;

export function parseHaproxy(line: string): LineResult {
  let m: RegExpExecArray | null = null;
  for (let i = line.indexOf('['), tried = 0; i >= 0 && tried < BRACKETS_TRIED && !m; i = line.indexOf('[', i + 1), tried++) {
    // The client address right before it ('127.0.0.1:44370 '), read from a bounded stretch.
    if (!CLIENT.test(line.slice(Math.max(0, i - 64), i))) continue;
    HAPROXY_HEAD.lastIndex = i;
    m = HAPROXY_HEAD.exec(line);
  }
  const end = line.trimEnd();
  const open = end.endsWith('"') ? end.lastIndexOf('"', end.length - 2) : -1;
  if (!m || open < HAPROXY_HEAD.lastIndex) return { ok: false, why: "not HAProxy's HTTP log format (option httplog)" };
  const [, day, mon, year, hh, mi, ss, ms, , , , , ta, status] = m;
  const req = end.slice(open + 1, -1);
  const arrivalMs = clfTime(day ?? '', mon ?? '', year ?? '', hh ?? '', mi ?? '', ss ?? '', ms, undefined);
  if (arrivalMs === undefined) return { ok: false, why: 'no valid accept date' };
  const rl = requestLine(req);
  if (!rl) return { ok: false, why: `no request in it (${JSON.stringify(req.slice(0, 80))})` };
  const total = Number(ta);
  const code = Number(status);
  // biome-ignore lint/complexity/useMathMinMax: a status that is not a number (NaN) must become 0; Math.max would keep NaN.
  return { ok: true, request: { arrivalMs, ...rl, status: code > 0 ? code : 0, durationMs: total >= 0 ? total : undefined } };
}

// nginx `combined` plus $request_time (seconds, ms resolution):
// 127.0.0.1 - - [24/Nov/2026:07:06:48 +0000] "GET /photos/3 HTTP/1.1" 200 207 "-" "k6/1.0" 0.031
const NGINX =
  /^\S+ \S+ \S+ \[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\] "((?:[^"\\]|\\.)*)" (\d{3}) (?:\d+|-) "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*"(?: (\d+(?:\.\d+)?))?/;

export function parseNginx(line: string): LineResult {
  const m = NGINX.exec(line);
  if (!m) return { ok: false, why: 'not nginx combined format (plus $request_time)' };
  const [, day, mon, year, hh, mi, ss, zone, req, status, rt] = m;
  const loggedMs = clfTime(day ?? '', mon ?? '', year ?? '', hh ?? '', mi ?? '', ss ?? '', undefined, zone);
  if (loggedMs === undefined) return { ok: false, why: 'no valid time' };
  const rl = requestLine(req ?? '');
  if (!rl) return { ok: false, why: `no request in it (${JSON.stringify((req ?? '').slice(0, 80))})` };
  const durationMs = rt === undefined ? undefined : Math.round(Number(rt) * 1000);
  // nginx logs when the response is done: the request arrived $request_time earlier.
  return { ok: true, request: { arrivalMs: loggedMs - (durationMs ?? 0), ...rl, status: Number(status), durationMs } };
}

/** Which JSON field holds what: dotted paths ('req.path'); the duration's unit. */
export interface JsonFieldMap {
  time: string;
  method: string;
  path: string;
  status: string;
  duration?: string;
  durationUnit: 'ms' | 's';
  /** The duration is measured up to the log time (the line is written at the response): arrival = time − duration. */
  timeIsEnd: boolean;
}

export const JSON_FIELD_KEYS = ['time', 'method', 'path', 'status', 'duration'] as const;

/** Field names tried when --map does not say. */
const JSON_DEFAULTS: Record<(typeof JSON_FIELD_KEYS)[number], readonly string[]> = {
  time: ['time', 'timestamp', '@timestamp', 'ts', 'date'],
  method: ['method', 'request_method', 'http_method', 'verb'],
  path: ['path', 'uri', 'request_uri', 'url', 'request'],
  status: ['status', 'status_code', 'statusCode', 'response_status', 'code'],
  duration: ['duration_ms', 'duration', 'latency_ms', 'response_time', 'request_time', 'elapsed_ms'],
};

function get(obj: unknown, dotted: string): unknown {
  let v: unknown = obj;
  for (const k of dotted.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** An ISO string, or epoch seconds / milliseconds (told apart by size). */
function jsonTime(v: unknown): number | undefined {
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v))) {
    const n = Number(v);
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  return typeof v === 'string' ? isoUtc(v) : undefined;
}

/** An ISO time to epoch ms; without a zone it is UTC, like the times of every log format here. */
export function isoUtc(text: string): number | undefined {
  const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
  return Number.isNaN(t) ? undefined : t;
}

/** Fills the map from the first object: the given names, else the first default name present. */
export function resolveJsonMap(
  first: unknown,
  given: Partial<Record<(typeof JSON_FIELD_KEYS)[number], string>>,
  unit: 'ms' | 's' | undefined,
  timeIsEnd: boolean,
): { map: JsonFieldMap } | { missing: string[] } {
  const pick = (k: (typeof JSON_FIELD_KEYS)[number]) => given[k] ?? JSON_DEFAULTS[k].find((f) => get(first, f) !== undefined);
  const time = pick('time');
  const path = pick('path');
  const status = pick('status');
  const pathValue = path ? get(first, path) : undefined;
  // A whole request line ('GET /x HTTP/1.1') carries the method too.
  const method = pick('method') ?? (typeof pathValue === 'string' && requestLine(pathValue) ? path : undefined);
  const duration = pick('duration');
  const missing = Object.entries({ time, method, path, status })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length || !time || !method || !path || !status) return { missing };
  // nginx's $request_time and anything named in seconds is in seconds.
  const durationUnit = unit ?? (duration && /(^|_)(request_time|s|sec|seconds)$/.test(duration) ? 's' : 'ms');
  return { map: { time, method, path, status, ...(duration ? { duration } : {}), durationUnit, timeIsEnd } };
}

export function parseJsonLine(line: string, map: JsonFieldMap): LineResult {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return { ok: false, why: 'not JSON' };
  }
  const t = jsonTime(get(obj, map.time));
  if (t === undefined) return { ok: false, why: `no time in field '${map.time}'` };
  const rawPath = get(obj, map.path);
  const rawMethod = get(obj, map.method);
  let method: string | undefined;
  let p: string | undefined;
  if (typeof rawPath === 'string' && requestLine(rawPath) && (map.method === map.path || typeof rawMethod !== 'string')) {
    const rl = requestLine(rawPath);
    method = rl?.method;
    p = rl?.path;
  } else {
    method = typeof rawMethod === 'string' ? rawMethod.toUpperCase() : undefined;
    p = typeof rawPath === 'string' && rawPath ? stripOrigin(rawPath) : undefined;
  }
  if (!method) return { ok: false, why: `no method in field '${map.method}'` };
  if (!p) return { ok: false, why: `no path in field '${map.path}'` };
  const status = Number(get(obj, map.status));
  if (!Number.isInteger(status) || status < 0 || status > 599) return { ok: false, why: `no status in field '${map.status}'` };
  const d = map.duration === undefined ? undefined : Number(get(obj, map.duration));
  const durationMs = d === undefined || !Number.isFinite(d) ? undefined : map.durationUnit === 's' ? Math.round(d * 1000) : d;
  return { ok: true, request: { arrivalMs: map.timeIsEnd ? t - (durationMs ?? 0) : t, method, path: p, status, durationMs } };
}

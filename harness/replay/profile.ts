// From parsed requests to what a replay needs: per endpoint (method + route, ids folded) the arrivals
// per replay second, the status mix and latency; the log's status curve; where its 5xx bursts are.
import { formatMs } from '../core/duration.ts';
import { ReplayError } from '../core/errors.ts';
import type { LogRequest } from './parse.ts';

/** '/photos/123?x=1' → '/photos/:id': numbers, UUIDs, long hex and token-like segments are ids. */
export function routeOf(path: string): string {
  const bare = path.split(/[?#]/)[0] ?? '/';
  const folded = bare
    .split('/')
    .map((seg) => (isId(seg) ? ':id' : seg))
    .join('/');
  return folded || '/';
}

function isId(seg: string): boolean {
  if (/^\d+$/.test(seg)) return true;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(seg)) return true;
  if (/^[0-9a-f]{8,}$/i.test(seg) && /\d/.test(seg)) return true;
  // Slugs have no digits; tokens and opaque ids have both.
  return seg.length >= 16 && /^[A-Za-z0-9_-]+$/.test(seg) && /\d/.test(seg) && /[A-Za-z]/.test(seg);
}

const RESERVED = new Set(['default', 'options', 'setup', 'teardown', 'handleSummary', 'http', 'exec', 'nth', 'BASE_URL', 'TIMEOUT']);

/** 'GET /photos/:id' → 'get_photos_id': the k6 export that sends it. */
export function functionName(method: string, route: string, taken: ReadonlySet<string>): string {
  let base = `${method}_${route}`
    .toLowerCase()
    .replace(/:id/g, 'id')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!/^[a-z_]/.test(base)) base = `r_${base}`;
  if (base === method.toLowerCase()) base = `${base}_root`;
  let name = base;
  for (let i = 2; taken.has(name) || RESERVED.has(name); i++) name = `${base}_${i}`;
  return name;
}

export interface EndpointProfile {
  /** 'GET /photos/:id': the k6 name tag of its requests. */
  key: string;
  method: string;
  route: string;
  /** The k6 export (and k6 scenario) that replays it. */
  fn: string;
  /** Arrivals in each replay second. */
  perSecond: number[];
  count: number;
  /** Responses by status ('0': none). */
  statuses: Record<string, number>;
  /** From the log's durations; undefined when the log has none. */
  p50Ms: number | undefined;
  p95Ms: number | undefined;
  p99Ms: number | undefined;
  /** The log's own paths, most requested first (at most MAX_PATHS): the replay sends them in turn. */
  paths: string[];
}

export interface Burst {
  /** Replay seconds [fromS, toS). */
  fromS: number;
  toS: number;
  requests: number;
  errors: number;
  /** 5xx (and no response) by status. */
  byStatus: Record<string, number>;
  /** 5xx by endpoint key, most first. */
  byEndpoint: [string, number][];
}

export interface ReplayProfile {
  /** The window read from the log, epoch ms [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  /** Log seconds per replay second. */
  speed: number;
  /** Length of the replay in seconds. */
  seconds: number;
  endpoints: EndpointProfile[];
  /** Per replay second: all requests, and the 5xx / no-response ones by status. */
  requests: number[];
  statuses: Record<string, number[]>;
  bursts: Burst[];
  /** Requests outside the window (--from/--to). */
  outside: number;
}

export const MAX_PATHS = 100;
/** The longest replay, in seconds of load: every endpoint keeps a count per second. */
export const MAX_REPLAY_SECONDS = 3_600;
/** Endpoints (method + route) a replay can carry: each is a k6 scenario of its own. */
export const MAX_ENDPOINTS = 200;

/** A second counts towards a burst at this share of 5xx (and at least two of them). */
export const BURST_SHARE = 0.05;

const isError = (status: number) => status >= 500 || status === 0;

function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** The window: [from, to) as given, else from the first arrival to just after the last. */
export function profileOf(requests: readonly LogRequest[], o: { speed: number; fromMs?: number; toMs?: number }): ReplayProfile {
  let first = Infinity;
  let last = -Infinity;
  for (const r of requests) {
    if (r.arrivalMs < first) first = r.arrivalMs;
    if (r.arrivalMs > last) last = r.arrivalMs;
  }
  const fromMs = o.fromMs ?? first;
  const toMs = o.toMs ?? last + 1;
  const bucketMs = 1000 * o.speed;
  const seconds = Math.max(1, Math.ceil((toMs - fromMs) / bucketMs));
  if (!(seconds <= MAX_REPLAY_SECONDS))
    throw new ReplayError(
      `the window is ${formatMs(toMs - fromMs)} of log: at ${o.speed}× speed that is ${Number.isFinite(seconds) ? seconds : '∞'} s of load, more than ${MAX_REPLAY_SECONDS} s`,
      '--from / --to / --speed',
      `narrow the window to the incident with --from and --to, or raise --speed (at least ${Math.ceil((toMs - fromMs) / 1000 / MAX_REPLAY_SECONDS)} for this window)`,
    );
  const zeros = () => new Array<number>(seconds).fill(0);

  const byKey = new Map<string, { e: EndpointProfile; durations: number[]; pathCounts: Map<string, number> }>();
  const taken = new Set<string>();
  const total = zeros();
  const statuses: Record<string, number[]> = {};
  const errorsAt: { s: number; key: string; status: number }[] = [];
  let outside = 0;
  for (const r of requests) {
    if (r.arrivalMs < fromMs || r.arrivalMs >= toMs) {
      outside++;
      continue;
    }
    const s = Math.floor((r.arrivalMs - fromMs) / bucketMs);
    const route = routeOf(r.path);
    const key = `${r.method} ${route}`;
    let slot = byKey.get(key);
    if (!slot) {
      if (byKey.size >= MAX_ENDPOINTS)
        throw new ReplayError(
          `more than ${MAX_ENDPOINTS} endpoints (method and route) in the window, e.g. ${JSON.stringify(key.slice(0, 80))}`,
          '--from / --to',
          'narrow the window to the incident with --from and --to, or replay a log filtered to the endpoints of the incident',
        );
      const fn = functionName(r.method, route, taken);
      taken.add(fn);
      slot = {
        e: { key, method: r.method, route, fn, perSecond: zeros(), count: 0, statuses: {}, p50Ms: undefined, p95Ms: undefined, p99Ms: undefined, paths: [] },
        durations: [],
        pathCounts: new Map(),
      };
      byKey.set(key, slot);
    }
    const e = slot.e;
    e.perSecond[s] = (e.perSecond[s] ?? 0) + 1;
    e.count++;
    e.statuses[String(r.status)] = (e.statuses[String(r.status)] ?? 0) + 1;
    if (r.durationMs !== undefined) slot.durations.push(r.durationMs);
    slot.pathCounts.set(r.path, (slot.pathCounts.get(r.path) ?? 0) + 1);
    total[s] = (total[s] ?? 0) + 1;
    if (isError(r.status)) {
      const arr = statuses[String(r.status)] ?? zeros();
      statuses[String(r.status)] = arr;
      arr[s] = (arr[s] ?? 0) + 1;
      errorsAt.push({ s, key, status: r.status });
    }
  }
  const endpoints = [...byKey.values()]
    .map(({ e, durations, pathCounts }) => {
      durations.sort((a, b) => a - b);
      const paths = [...pathCounts.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, MAX_PATHS)
        .map(([p]) => p);
      return { ...e, p50Ms: percentile(durations, 0.5), p95Ms: percentile(durations, 0.95), p99Ms: percentile(durations, 0.99), paths };
    })
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
  return { fromMs, toMs, speed: o.speed, seconds, endpoints, requests: total, statuses, bursts: bursts(total, errorsAt), outside };
}

/** Seconds with at least BURST_SHARE of 5xx, joined across gaps of one quiet second. */
function bursts(total: readonly number[], errorsAt: readonly { s: number; key: string; status: number }[]): Burst[] {
  const errors = new Array<number>(total.length).fill(0);
  for (const e of errorsAt) errors[e.s] = (errors[e.s] ?? 0) + 1;
  const hot = total.map((n, s) => (errors[s] ?? 0) >= 2 && (errors[s] ?? 0) / n >= BURST_SHARE);
  const out: Burst[] = [];
  let s = 0;
  while (s < hot.length) {
    if (!hot[s]) {
      s++;
      continue;
    }
    let end = s + 1;
    while (end < hot.length && (hot[end] || (hot[end + 1] && end + 1 < hot.length))) end++;
    const inside = errorsAt.filter((e) => e.s >= s && e.s < end);
    const byStatus: Record<string, number> = {};
    const byEndpoint = new Map<string, number>();
    for (const e of inside) {
      byStatus[String(e.status)] = (byStatus[String(e.status)] ?? 0) + 1;
      byEndpoint.set(e.key, (byEndpoint.get(e.key) ?? 0) + 1);
    }
    out.push({
      fromS: s,
      toS: end,
      requests: total.slice(s, end).reduce((a, b) => a + b, 0),
      errors: inside.length,
      byStatus,
      byEndpoint: [...byEndpoint.entries()].sort((a, b) => b[1] - a[1]),
    });
    s = end;
  }
  return out;
}

/**
 * The timeout ladder: every configured wait along a request's path, outer to inner (the client, the
 * gateway, the service's own per dependency, the database's lock wait), the inversions in it (an
 * inner wait longer than an outer one: the outer gives up while the work behind it goes on), and
 * after the run, for each class of failed requests, which layer gave up first. Numbers in, text out.
 */
import { formatMs } from '../core/duration.ts';
import { groupBy, type RequestTable, type Selection } from './table.ts';

/** A part as the ladder sees it: its kind and the waits it is configured with. */
export type LadderPart =
  | { kind: 'gateway'; name: string; to: readonly string[]; timeoutMs: number; timeoutStatus: number }
  | { kind: 'service'; name: string; dependsOn: readonly string[]; timeoutsMs: Readonly<Record<string, number>> }
  | { kind: 'mariadb'; name: string; lockWaitMs: number }
  | { kind: 'other'; name: string };

export interface Rung {
  /** Who waits: 'k6', or a part's name. */
  layer: string;
  /** For what, e.g. 'server timeout → 503', 'wait on db', 'innodb_lock_wait_timeout'. */
  wait: string;
  /** undefined: none declared (the service's own waits are known only when the scenario declares them). */
  ms: number | undefined;
  /** 0 for the client, one more per hop inward. */
  depth: number;
}

export interface Ladder {
  rungs: Rung[];
  /** The inversions, one sentence each. */
  warnings: string[];
}

/**
 * From the client inward along every path from the load's target. A wait is inverted when it is
 * longer than an outer one with no wait between them that gives up first.
 */
export function timeoutLadder(requestTimeoutMs: number, target: string, parts: readonly LadderPart[]): Ladder {
  const byName = new Map(parts.map((p) => [p.name, p]));
  const rungs: Rung[] = [{ layer: 'k6', wait: 'request timeout', ms: requestTimeoutMs, depth: 0 }];
  const seen = new Set<string>();
  const warnings = new Set<string>();
  const client = rungs[0] as Rung;

  const check = (outer: readonly Rung[], inner: Rung, path: readonly string[]) => {
    if (inner.ms === undefined) return;
    // The tightest declared wait outside: the one that gives up first.
    let tightest: Rung | undefined;
    for (const o of outer) if (o.ms !== undefined && (tightest?.ms === undefined || o.ms <= tightest.ms)) tightest = o;
    if (tightest?.ms !== undefined && inner.ms > tightest.ms) {
      warnings.add(
        `${inner.layer}'s ${inner.wait} (${formatMs(inner.ms)}) is longer than ${tightest.layer === 'k6' ? "k6's" : `${tightest.layer}'s`} ${tightest.wait} (${formatMs(tightest.ms)}) on ${path.join(' → ')}: ${tightest.layer} gives up while the work behind it goes on`,
      );
    }
  };
  const rung = (r: Rung) => {
    const key = `${r.layer}\u0000${r.wait}`;
    if (!seen.has(key)) {
      seen.add(key);
      rungs.push(r);
    }
    return r;
  };

  const walk = (name: string, outer: readonly Rung[], path: readonly string[], depth: number) => {
    const p = byName.get(name);
    if (!p || path.includes(name)) return;
    const here = [...path, name];
    if (p.kind === 'gateway') {
      const r = rung({ layer: name, wait: `server timeout → ${p.timeoutStatus}`, ms: p.timeoutMs, depth });
      check(outer, r, here);
      for (const s of p.to) walk(s, [...outer, r], here, depth + 1);
    } else if (p.kind === 'service') {
      for (const d of p.dependsOn) {
        const r = rung({ layer: name, wait: `wait on ${d}`, ms: p.timeoutsMs[d], depth });
        check(outer, r, [...here, d]);
        walk(d, [...outer, r], here, depth + 1);
      }
    } else if (p.kind === 'mariadb') {
      const r = rung({ layer: name, wait: 'innodb_lock_wait_timeout', ms: p.lockWaitMs, depth });
      check(outer, r, here);
    }
  };
  walk(target, [client], ['k6'], 1);
  return { rungs, warnings: [...warnings] };
}

export interface GaveUp {
  /** The requests' `name` tag ('' where none). */
  name: string;
  /** 0: no response. */
  status: number;
  count: number;
  medianMs: number;
  /** The layer whose wait the median matches, e.g. 'edge: server timeout → 503 (3.00s)', or who answered before any wait ran out. */
  who: string;
}

/** Within this of a wait, a failure ended at that wait: the request ends a little after it runs out. */
function matches(medianMs: number, waitMs: number): boolean {
  return medianMs >= waitMs - 50 && medianMs <= waitMs + Math.max(250, waitMs * 0.1);
}

/**
 * For each class of failed requests (name and status: a 5xx or no response), the median duration
 * and the rung it matches: a 503 at the gateway's timeout is the gateway's; a failure well before
 * any wait ran out was answered by the stack itself (an error, a fast refusal).
 */
export function whoGaveUp(table: RequestTable, sel: Selection, ladder: Ladder): GaveUp[] {
  const failed = sel.filter((i) => table.status(i) === 0 || table.status(i) >= 500);
  const keys = new Map<string, number>();
  for (const i of failed) {
    const k = `${table.tags(i)['name'] ?? ''}\u0000${table.status(i)}`;
    if (!keys.has(k)) keys.set(k, keys.size);
  }
  const groups = groupBy(failed, (i) => keys.get(`${table.tags(i)['name'] ?? ''}\u0000${table.status(i)}`) ?? -1, keys.size);
  const out: GaveUp[] = [];
  for (const [k, g] of keys) {
    const idx = groups[g] ?? [];
    const [name = '', status = '0'] = k.split('\u0000');
    const durations = idx.map((i) => table.durationMs(i)).sort((a, b) => a - b);
    const medianMs = durations[Math.floor((durations.length - 1) / 2)] ?? 0;
    const st = Number(status);
    // The outermost matching rung first: a 503 at 3 s is the gateway's even if a service also waits 3 s.
    const rung = ladder.rungs.find(
      (r) =>
        r.ms !== undefined &&
        matches(medianMs, r.ms) &&
        (r.layer === 'k6' ? st === 0 : r.wait.startsWith('server timeout') ? r.wait.endsWith(`→ ${st}`) : st !== 0),
    );
    const who = rung
      ? `${rung.layer}: ${rung.wait} (${formatMs(rung.ms ?? 0)})`
      : st === 0
        ? 'no response before any configured wait ran out (a reset or a refused connection)'
        : 'answered by the stack before any configured wait ran out';
    out.push({ name, status: st, count: idx.length, medianMs, who });
  }
  return out.sort((a, b) => b.count - a.count);
}

import { parseDurationMs } from '../core/duration.ts';
import { matchesTags, type Interval, pick, type RequestTable, type Selection } from '../metrics/index.ts';
import { unmeasured, verdict, type Expectation, type ExpectationResult, type MeasureKind, type PhaseContext } from './kind.ts';

/** A figure over requests: its value (NaN over none), how many requests it rests on, its 95% interval where it has one. */
export interface RequestFigure {
  value: number;
  count: number;
  interval?: Interval;
}

/** A measure of the requests themselves (their times and statuses): it can be judged over any selection, a 100 ms window too. */
export interface RequestMeasureKind<M extends { kind: string }> extends MeasureKind<M> {
  figure(m: M, table: RequestTable, sel: Selection): RequestFigure;
  /** Its figure over no request is still evidence (a count: 0); for the others, none is no evidence. */
  readonly overNone: 'fails' | 'counts';
}

/** The requests of `sel` that carry every tag of `tags`. */
export function tagged(table: RequestTable, sel: Selection, tags: Readonly<Record<string, string>>): Selection {
  return Object.keys(tags).length === 0 ? sel : pick(sel, (i) => matchesTags(table.tags(i), tags));
}

/**
 * A request measure's verdict in a phase: over the phase's requests that carry its tags, or with
 * {first:N} those started within N after an instant fault (a flush, a restart, a kill). Over no
 * request it fails with why, unless its figure over none is evidence (a count: 0).
 */
export function judgeOverRequests<M extends { kind: string }>(
  e: Expectation<M>,
  ctx: PhaseContext,
  kind: Pick<RequestMeasureKind<M>, 'figure' | 'overNone' | 'unit'>,
): ExpectationResult {
  const unit = kind.unit;
  let recs = ctx.recs();
  let tags = e.tags;
  const first = e.tags['first'];
  if (first !== undefined) {
    const ms = parseDurationMs(first) ?? 0;
    const starts = ctx.run.instants ?? [];
    recs = pick(recs, (r) => starts.some((t) => ctx.table.startMs(r) >= t && ctx.table.startMs(r) < t + ms));
    const { first: _first, ...rest } = e.tags;
    tags = rest;
  }
  const m = kind.figure(e.metric, ctx.table, tagged(ctx.table, recs, tags));
  if (kind.overNone === 'fails' && m.count === 0) return unmeasured(e, ctx, unit, noMatchNote(ctx.table, tags));
  return verdict(e, { phase: ctx.phase, source: e.source, measured: m.value, unit, requests: m.count }, m.interval);
}

/**
 * Why no request matched: the phase had none of them, or no request of the whole run carries the
 * filter's tags (a misspelt name): then the values the run's requests do carry, to pick from.
 */
export function noMatchNote(table: RequestTable, tags: Readonly<Record<string, string>>): string {
  const keys = Object.keys(tags);
  const all = table.all();
  if (keys.length === 0 || all.some((i) => matchesTags(table.tags(i), tags))) return 'no request matched in this phase';
  const seen = new Map<string, Set<string>>(keys.map((k) => [k, new Set<string>()]));
  for (const i of all) {
    const t = table.tags(i);
    for (const k of keys) if (t[k] !== undefined) seen.get(k)?.add(t[k]);
  }
  const filter = keys.map((k) => `${k}:${tags[k] ?? ''}`).join(',');
  const carried = keys.map((k) => {
    const vs = [...(seen.get(k) ?? [])].sort();
    return vs.length ? `${k}: ${vs.slice(0, 12).join(', ')}${vs.length > 12 ? `, … (${vs.length})` : ''}` : `${k}: (no request has this tag)`;
  });
  return `no request of the whole run carries {${filter}}; the requests carry ${carried.join('; ')}`;
}

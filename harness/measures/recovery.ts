import { formatMs } from '../core/duration.ts';
import { type Requests, groupBy, pick, RequestTable, type Selection, matchesTags } from '../metrics/index.ts';
import { unmeasured, verdict, type Expectation, type MeasureKind } from './kind.ts';
import { holds } from './requests.ts';

/** `recovery < 3s`: from the last heal until the steady state held for stableFor; `recovery{name:job} < 5s` over those requests only. */
export interface Recovery {
  kind: 'recovery';
}

export interface RecoveryResult {
  recovered: boolean;
  /** ms from the last heal to the start of the first window of the stable span. */
  recoveryMs: number | undefined;
  windowMs: number;
  stableForMs: number;
  /** The figures of the last window examined, shown when never recovered. */
  lastWindow: { startMs: number; count: number; failing: string[] } | undefined;
  /** With a load shed planned after the heal (load.shed): whether it recovered at load, only once shed, or never. */
  shed?: ShedVerdict;
}

/**
 * Metastability: a system that recovers only when its load is shed was holding itself down (retries,
 * a backlog of work for clients who left), not still healing.
 */
export interface ShedVerdict {
  verdict: 'at load' | 'after shed' | 'never';
  /** ms from the last heal to the shed's start. */
  shedAfterMs: number;
  shedForMs: number;
  /** The share of the rate kept while shed (0..1). */
  share: number;
}

/**
 * At load: the stable span began and lasted stableFor before the shed started. After shed: any later
 * stable span (the full rate came back after it, so that span is no longer only a lull).
 */
export function shedVerdict(rc: RecoveryResult, shed: { afterMs: number; forMs: number; share: number }): ShedVerdict {
  const base = { shedAfterMs: shed.afterMs, shedForMs: shed.forMs, share: shed.share };
  if (!rc.recovered || rc.recoveryMs === undefined) return { verdict: 'never', ...base };
  return { verdict: rc.recoveryMs + rc.stableForMs <= shed.afterMs ? 'at load' : 'after shed', ...base };
}

/** A share of the rate as the scenario wrote it: 0.1 → '10%'. */
export const sharePercent = (share: number): string => `${Number((share * 100).toFixed(1))}%`;

/** The verdict in words, with its times: 'recovered only after the load was shed to 25% 6.00s after the heal: 8.50s after the heal, 2.50s into the shed'. */
export function describeShed(rc: RecoveryResult): string | undefined {
  const s = rc.shed;
  if (!s) return undefined;
  const pct = sharePercent(s.share);
  if (s.verdict === 'at load') return `recovered at load (the load was to be shed to ${pct} ${formatMs(s.shedAfterMs)} after the heal)`;
  if (s.verdict === 'never')
    return `never recovered, not even with the load shed to ${pct} for ${formatMs(s.shedForMs)} from ${formatMs(s.shedAfterMs)} after the heal`;
  const into = (rc.recoveryMs ?? 0) - s.shedAfterMs;
  return `recovered only after the load was shed to ${pct} ${formatMs(s.shedAfterMs)} after the heal: ${formatMs(rc.recoveryMs ?? 0)} after the heal, ${into >= 0 ? `${formatMs(into)} into the shed` : `not stable for ${formatMs(rc.stableForMs)} before it`}`;
}

/**
 * Recovery time = last heal → start of the first window after which every window for the stable
 * span meets the steady-state expectations. Windows are `windowMs` long (100 ms by default) and
 * hold the requests that started in them. A span that would run past the end of the load does
 * not count: never recovered.
 */
export function recoveryTime(opts: {
  records: Requests;
  /** Only these requests of the table (a tag filter's); every one when not given. */
  sel?: Selection;
  lastHealMs: number;
  loadEndMs: number;
  steady: readonly Expectation[];
  windowMs?: number;
  stableForMs: number;
}): RecoveryResult {
  const windowMs = opts.windowMs ?? 100;
  // None when the load ended before the last heal (a stop condition held mid-fault: healed after it).
  const n = Math.max(0, Math.floor((opts.loadEndMs - opts.lastHealMs) / windowMs));
  const need = Math.max(1, Math.ceil(opts.stableForMs / windowMs));
  const t = RequestTable.from(opts.records);
  const idx = opts.sel ?? t.all();
  const buckets = groupBy(idx, (r) => Math.floor((t.startMs(r) - opts.lastHealMs) / windowMs), Math.max(0, n));
  const failing = (b: Selection) => opts.steady.filter((e) => !holds(e, t, b)).map((e) => e.source);
  const ok = buckets.map((b) => failing(b).length === 0);
  // Scan backwards: the run of passing windows ending at i tells whether a stable span starts at i.
  let firstStable: number | undefined;
  let run = 0;
  const runFrom: number[] = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    run = ok[i] ? run + 1 : 0;
    runFrom[i] = run;
  }
  for (let i = 0; i < n; i++) {
    if ((runFrom[i] ?? 0) >= need) {
      firstStable = i;
      break;
    }
  }
  const lastIdx = n - 1;
  const last = buckets[lastIdx];
  const lastWindow = last ? { startMs: opts.lastHealMs + lastIdx * windowMs, count: last.length, failing: failing(last) } : undefined;
  if (firstStable === undefined) return { recovered: false, recoveryMs: undefined, windowMs, stableForMs: opts.stableForMs, lastWindow };
  return { recovered: true, recoveryMs: firstStable * windowMs, windowMs, stableForMs: opts.stableForMs, lastWindow };
}

export const recoveryMeasure: MeasureKind<Recovery> = {
  kind: 'recovery',
  written: 'recovery',
  parse: (text) => (text === 'recovery' ? { kind: 'recovery' } : undefined),
  unit: 'ms',
  interval: true,
  // recovery{name:job}: the steady state judged over those requests only (a failover).
  tags(_m, tags, text) {
    if (tags['first'] === undefined) return undefined;
    return {
      ok: false,
      message: `'recovery' cannot take {first:...} in '${text}'`,
      fix: 'recovery is measured from the last heal; filter by request tags only',
    };
  },
  only: { scope: 'recovery', why: "'recovery' is measured in the recovery phase only" },
  perEntry: false,
  perWindow: false,
  needsStack: true,
  judge(e, ctx) {
    // With a tag filter, the steady state is judged over those requests only (e.g. the jobs only
    // a leader takes: the failover time).
    const rc = Object.keys(e.tags).length === 0 ? ctx.recovery() : ctx.recovery(pick(ctx.table.all(), (i) => matchesTags(ctx.table.tags(i), e.tags)));
    if (!rc) return unmeasured(e, ctx, 'ms', 'no fault was healed, so there is no recovery to measure');
    // Metastable: recovering only once the load was shed is a failure at the offered load.
    if (rc.shed && rc.shed.verdict !== 'at load')
      return { phase: ctx.phase, source: e.source, measured: rc.recoveryMs, unit: 'ms', requests: 0, passed: false, note: describeShed(rc) ?? '' };
    if (!rc.recovered) {
      const lw = rc.lastWindow;
      return unmeasured(
        e,
        ctx,
        'ms',
        `never recovered${lw ? `: last window (${lw.count} requests) failed ${lw.failing.join(', ') || 'nothing (too few windows left)'}` : ''}`,
      );
    }
    const v = rc.recoveryMs ?? 0;
    // Known to a window: the steady span began after the previous window's start.
    return verdict(e, { phase: ctx.phase, source: e.source, measured: v, unit: 'ms', requests: 0 }, { lo: Math.max(0, v - rc.windowMs), hi: v });
  },
};

import type { BaselineResult } from './baseline.ts';
import { formatMs } from '../core/duration.ts';
import type { ReplaySource } from '../scenario/index.ts';
import {
  statusShare,
  WRITE_CLASSES,
  type MachineFigures,
  type GaveUp,
  type Ladder,
  type FaultWindow,
  type Figures,
  type Series,
  type WorkLine,
} from '../metrics/index.ts';
import type { ExpectationResult, Judgement } from '../measures/index.ts';

// result.json's shape and the words and cells every report format uses for it.

export interface TimelineEvent {
  /** Wall-clock ms. */
  atMs: number;
  /** ms from the start of the load. */
  offsetMs: number;
  /**
   * apply/heal: when the harness asked for it (wall-clock ms); `atMs` is when it was confirmed. A
   * request in flight at any moment from an apply's request to its heal's confirmation is the fault's.
   */
  requestedAtMs?: number;
  /**
   * gateway: a server's state changed in a gateway's backend (its health checks at work); abort: a
   * stop condition held (abortWhen); exit: a part the timeline attacks ended (a kill, the OOM killer).
   */
  kind: 'load-start' | 'apply' | 'heal' | 'gateway' | 'abort' | 'exit';
  label: string;
  /** Index in the scenario's timeline. */
  fault?: number;
  /** The timeline entry's own phase (its name). */
  phase?: string;
}

/** The fault windows of a run's timeline: each applied fault with its heal (asked and confirmed times). */
export function faultWindows(timeline: readonly TimelineEvent[]): FaultWindow[] {
  return timeline.flatMap((a) => {
    const h = a.kind === 'apply' ? timeline.find((e) => e.kind === 'heal' && e.fault === a.fault) : undefined;
    return h
      ? [
          {
            label: a.label,
            ...(a.phase ? { phase: a.phase } : {}),
            applyRequestedMs: a.requestedAtMs ?? a.atMs,
            appliedMs: a.atMs,
            healRequestedMs: h.requestedAtMs ?? h.atMs,
            healedMs: h.atMs,
          },
        ]
      : [];
  });
}

/** A timeline row's text; an apply or heal says how long it took from asked to confirmed. */
export function eventText(e: TimelineEvent): string {
  if (e.kind === 'load-start') return 'load started';
  if (e.kind === 'gateway') return e.label;
  if (e.kind === 'abort') return `aborted: ${e.label}`;
  if (e.kind === 'exit') return e.label;
  const took =
    e.requestedAtMs === undefined
      ? ''
      : ` (asked at +${((e.offsetMs - (e.atMs - e.requestedAtMs)) / 1000).toFixed(2)}s, confirmed ${e.atMs - e.requestedAtMs} ms later)`;
  return `${e.kind} ${e.label}${took}`;
}

export interface RunResult {
  runId: string;
  scenario: { name: string; file: string; incident: string; mode: string };
  startedAt: string;
  load: {
    target: string;
    /** The constant rate; with arrivals, their busiest second. */
    rate: number;
    /** The k6 scenarios of a load given as arrivals per second (absent for a constant rate). */
    arrivalGroups?: string[];
    /** The rate stepped down after the last heal (load.shed): ms from the start of the load. */
    shed?: { fromMs: number; toMs: number; share: number; rate: number };
    durationMs: number;
    requests: number;
    iterations: number;
    droppedIterations: number;
    droppedShare: number;
    saturated: boolean;
    /** k6 processes that shared the load (absent in results written before --runners). */
    runners?: number;
    perRunner?: { requests: number; iterations: number; droppedIterations: number; droppedShare: number }[];
  };
  timeline: TimelineEvent[];
  judgement: Judgement;
  /** The load window in buckets, for the HTML report's charts (absent in results written before it existed). */
  series?: Series;
  /** A replayed scenario's source log, per replay second: the HTML report draws it over the run's curves. */
  replayOf?: ReplaySource;
  /** The comparison with a stored baseline (--baseline); a regression makes the verdict fail. */
  baseline?: BaselineResult;
  /** A stop condition (abortWhen) held and ended the load early: the verdict is fail, the figures are of what ran. */
  aborted?: { offsetMs: number; condition: string; measured: number; unit: string; requests: number; text: string };
  verdict: 'pass' | 'fail' | 'untrusted';
  versions: Record<string, string>;
  /**
   * Per gateway, the access-log lines HAProxy dropped during the run (its `DroppedLogs`): its log,
   * kept in logs/, is short by as many requests. brownout's own figures come from k6, not from it.
   */
  gatewayDroppedLogLines?: Record<string, number>;
  /** Every configured wait from the client inward, its inversions, and for each class of failed requests the layer that gave up first. */
  ladder?: Ladder & { gaveUp: GaveUp[] };
  /** Per phase, how much CPU the machine had to give (see metrics/machine.ts). */
  machine?: MachineFigures[];
  /** Judged phases with less CPU left for the run than the limit (cores): the verdict is 'untrusted'. */
  machineTooBusy?: { limitCores: number; phases: { phase: string; freeCores: number; othersBusy: number }[] };
  /** Each part's resident memory through the load (its whole process tree), MB, ms from the load's start. */
  memory?: { tMs: number; mb: Record<string, number> }[];
  /** The stack's work per client request in the series' buckets (DB queries, cache misses, upstream calls): the HTML report's chart. */
  workSeries?: WorkLine[];
}

/** A stop condition that held (abortWhen): when, what it measured, and that the figures are of what ran. */
export function abortText(r: RunResult): string | undefined {
  const a = r.aborted;
  return a && `Aborted at +${(a.offsetMs / 1000).toFixed(1)} s: ${a.text}. The load stopped there, every fault was healed; the figures are of what ran.`;
}

/** load.warmUp, said where the load is: which requests no figure holds. */
export function warmUpText(r: RunResult): string | undefined {
  const w = r.judgement.warmUp;
  return (
    w &&
    `Warm-up: the load's first ${formatMs(w.ms)} (${w.requests} requests, p95 ${formatMs(w.all.p95Ms)}) is judged in no phase (\`load.warmUp\`); the baseline starts at its end.`
  );
}

/** 'at 40/s', or for arrivals per second 'in the arrivals of 2 request groups (at most 52/s)'. */
export function loadShape(r: RunResult): string {
  const g = r.load.arrivalGroups;
  return g ? `in the arrivals of ${g.length} request group${g.length === 1 ? '' : 's'} (at most ${r.load.rate}/s)` : `at ${r.load.rate}/s`;
}

export const pct = (x: number) => `${(x * 100).toFixed(x !== 0 && x < 0.001 ? 3 : 2)}%`;

export function formatMeasured(r: ExpectationResult): string {
  if (r.measured === undefined) return '—';
  if (r.unit === 'rate') return pct(r.measured);
  if (r.unit === 'count') return String(r.measured);
  if (r.unit === 'ratio') return r.measured.toFixed(2);
  return formatMs(r.measured);
}

/**
 * The figure with its 95% confidence interval, e.g. '480ms [452ms – 511ms]'; an end the data cannot
 * bound (too few requests for a p99) is '…'. Stored as null in result.json (JSON has no Infinity).
 */
export function formatFigure(r: ExpectationResult): string {
  const iv = r.interval;
  if (!iv || r.measured === undefined) return formatMeasured(r);
  const end = (v: number | null) => (v === null || !Number.isFinite(v) ? '…' : formatMeasured({ ...r, measured: v }));
  return `${formatMeasured(r)} [${end(iv.lo)} – ${end(iv.hi)}]`;
}

/** 'pass', 'FAIL', and ', borderline' when the limit lies inside the figure's interval. */
export function resultText(r: ExpectationResult, fail = 'FAIL'): string {
  return `${r.passed ? 'pass' : fail}${r.borderline ? ', borderline' : ''}`;
}

function rate(f: Figures, pred: (code: string) => boolean): string {
  const share = statusShare(f, pred);
  return share === null ? '—' : pct(share);
}

export const FIGURE_HEADERS = ['count', 'p50', 'p95', 'p99', '503', '502', '504', '5xx', 'no response'] as const;

/** One row of a phase's figures, in FIGURE_HEADERS order: the Markdown and the HTML tables share it. */
export function figureCells(f: Figures): string[] {
  const ms = (v: number | null) => (v === null || Number.isNaN(v) ? '—' : formatMs(v));
  return [
    String(f.count),
    ms(f.p50Ms),
    ms(f.p95Ms),
    ms(f.p99Ms),
    rate(f, (k) => k === '503'),
    rate(f, (k) => k === '502'),
    rate(f, (k) => k === '504'),
    rate(f, (k) => k.startsWith('5')),
    rate(f, (k) => k === 'no_response'),
  ];
}

export const WRITE_HEADERS = ['phase', 'writes', 'ok', 'lost', 'committed after failure', 'failed', 'duplicated'] as const;

/**
 * The keyed writes' classes per phase (rows in WRITE_HEADERS order; phases without a write left
 * out) and the first keys of each bad class: the Markdown and the HTML reports share them.
 */
export function writeTable(j: Judgement): { rows: string[][]; examples: string[] } | undefined {
  const a = j.writes?.attempts;
  if (!a) return undefined;
  const rows: string[][] = [];
  for (const [phase, c] of [...Object.entries(a.byPhase), ['whole run', a.counts] as const]) {
    const total = WRITE_CLASSES.reduce((n, k) => n + c[k], 0);
    if (total > 0) rows.push([phase, String(total), ...WRITE_CLASSES.map((k) => String(c[k]))]);
  }
  const examples = Object.entries(a.examples).map(([k, keys]) => `${k.replaceAll('_', ' ')}: first keys ${keys.join(', ')}`);
  const open = j.writes?.openTransactions;
  if (open) examples.push(`${open} transactions were still open 30 s after the load: what they commit later is not counted here`);
  return { rows, examples };
}

export const PARTS_HEADERS = ['phase', 'part', 'CPU', 'memory (max)', 'memory growth'] as const;

/** Each part per phase: the CPUs it used, the most memory it held, how fast that grew (the Markdown and the HTML reports share it). */
export function partsTable(j: Judgement): string[][] | undefined {
  if (!j.parts?.length) return undefined;
  return j.parts.map((m) => [
    m.phase,
    m.part,
    m.cores === undefined ? '—' : `${m.cores.toFixed(2)} cores`,
    `${m.maxMb.toFixed(1)} MB`,
    m.growthMbPerMin === undefined ? '—' : `${m.growthMbPerMin.toFixed(1)} MB/min`,
  ]);
}

export const CHECK_HEADERS = ['phase', 'check', 'failed', 'of', 'share failed'] as const;

/** Each k6 check that failed, by name, per phase: how often it failed of how many runs (the Markdown and the HTML reports share it). */
export function checkTable(j: Judgement): string[][] | undefined {
  if (!j.checks?.length) return undefined;
  return j.checks.map((c) => [c.phase, c.check, String(c.fails), String(c.passes + c.fails), `${((100 * c.fails) / (c.passes + c.fails)).toFixed(1)}%`]);
}

export const LADDER_HEADERS = ['layer', 'waits for', 'limit'] as const;
export const GAVE_UP_HEADERS = ['requests', 'status', 'count', 'median', 'gave up first'] as const;

/** The timeout ladder (outer to inner, indented by hop), its inversions, and who gave up: the Markdown and the HTML reports share them. */
export function ladderTable(r: RunResult): { rungs: string[][]; warnings: string[]; gaveUp: string[][] } | undefined {
  const l = r.ladder;
  if (!l) return undefined;
  return {
    rungs: l.rungs.map((g) => [`${'· '.repeat(g.depth)}${g.layer}`, g.wait, g.ms === undefined ? 'not declared' : formatMs(g.ms)]),
    warnings: l.warnings,
    gaveUp: l.gaveUp.map((g) => [g.name || '(untagged)', g.status === 0 ? 'no response' : String(g.status), String(g.count), formatMs(g.medianMs), g.who]),
  };
}

export const WORK_HEADERS = ['phase', 'part', 'requests', 'per request', 'totals'] as const;

/** What each database and cache did per client request, per phase: the Markdown and the HTML reports share it. */
export function workTable(j: Judgement): string[][] | undefined {
  if (!j.work?.length) return undefined;
  const n = (v: number | undefined, digits = 2) => (v === undefined ? '—' : v.toFixed(digits));
  const rows: string[][] = [];
  for (const w of j.work) {
    for (const p of w.parts) {
      const t = p.totals;
      const r = p.perRequest;
      const calls = t.calls === undefined ? '' : `${n(r.calls)} calls, `;
      const [per, totals] =
        p.kind === 'mariadb'
          ? [
              `${n(r.queries)} queries, ${n(r.connections)} new connections`,
              `${n(t.queries, 0)} queries, ${n(t.connections, 0)} connections, ${n(t.lock_waits, 0)} lock waits`,
            ]
          : p.kind === 'redis'
            ? [
                `${n(r.commands)} commands, miss rate ${p.missRate === undefined ? '—' : pct(p.missRate)}`,
                `${n(t.commands, 0)} commands, ${n(t.hits, 0)} hits, ${n(t.misses, 0)} misses`,
              ]
            : p.kind === 'link'
              ? [`${calls}${n(r.connections)} new connections`, `${t.calls === undefined ? '' : `${n(t.calls, 0)} calls, `}${n(t.connections, 0)} connections`]
              : [`${n(r.sessions)} sessions`, `${n(t.sessions, 0)} sessions, ${n(t.retries, 0)} retries, ${n(t.redispatches, 0)} redispatches`];
      // A link or server that carried nothing in the phase says nothing.
      if ((p.kind === 'link' && !t.connections && !t.calls) || (p.kind === 'server' && !t.sessions && !t.retries)) continue;
      rows.push([w.phase, p.part, String(w.requests), per, totals]);
    }
  }
  return rows;
}

export const MACHINE_HEADERS = ['phase', 'CPU busy', 'by other processes', 'CPU wait (PSI)', 'CPU left for the run (cores)', 'harness loop lag (max)'] as const;

/** Per phase, how much CPU the machine had to give: the Markdown and the HTML reports share it. */
export function machineTable(r: RunResult): string[][] | undefined {
  if (!r.machine?.length) return undefined;
  return r.machine.map((m) => [
    m.phase,
    pct(m.busy),
    pct(m.othersBusy),
    m.cpuWait === undefined ? '—' : pct(m.cpuWait),
    m.freeCores === undefined ? '—' : m.freeCores.toFixed(2),
    m.loopLagMaxMs === undefined ? '—' : formatMs(m.loopLagMaxMs),
  ]);
}

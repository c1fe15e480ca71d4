import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BaselineResult } from './baseline.ts';
import { renderHtml } from './html.ts';
import { renderJUnit } from './junit.ts';
import { formatMs } from '../core/duration.ts';
import { HarnessError } from '../core/errors.ts';
import type { ReplaySource } from '../scenario/index.ts';
import { statusShare, type ExpectationResult, type FaultWindow, type Figures, type Judgement, type Series } from '../metrics/index.ts';

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
  /** gateway: a server's state changed in a gateway's backend (its health checks at work). */
  kind: 'load-start' | 'apply' | 'heal' | 'gateway';
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
  verdict: 'pass' | 'fail' | 'untrusted';
  versions: Record<string, string>;
  /**
   * Per gateway, the access-log lines HAProxy dropped during the run (its `DroppedLogs`): its log,
   * kept in logs/, is short by as many requests. brownout's own figures come from k6, not from it.
   */
  gatewayDroppedLogLines?: Record<string, number>;
}

/** 'at 40/s', or for arrivals per second 'in the arrivals of 2 request groups (at most 52/s)'. */
export function loadShape(r: RunResult): string {
  const g = r.load.arrivalGroups;
  return g ? `in the arrivals of ${g.length} request group${g.length === 1 ? '' : 's'} (at most ${r.load.rate}/s)` : `at ${r.load.rate}/s`;
}

const pct = (x: number) => `${(x * 100).toFixed(x !== 0 && x < 0.001 ? 3 : 2)}%`;

export function formatMeasured(r: ExpectationResult): string {
  if (r.measured === undefined) return '—';
  if (r.unit === 'rate') return pct(r.measured);
  if (r.unit === 'count') return String(r.measured);
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

function figuresRow(label: string, f: Figures): string {
  return `| ${label} | ${figureCells(f).join(' | ')} |`;
}

/** The comparison with the baseline: every delta, regressions first in bold. */
export function renderBaseline(b: BaselineResult): string[] {
  const out = ['## Against the baseline', ''];
  if (b.note) return [...out, b.note, ''];
  out.push(
    `Baseline \`${b.file}\` (run \`${b.baselineRunId}\`, ${b.baselineMode}): ${b.regressions === 0 ? 'no regression beyond the margins' : `**${b.regressions} regression${b.regressions === 1 ? '' : 's'}**`}.`,
    '',
  );
  out.push('| phase | figure | baseline | this run | delta | allowed | result |', '|---|---|---|---|---|---|---|');
  for (const c of b.comparisons)
    out.push(
      `| ${c.phase} | ${c.figure} | ${c.baselineText} | ${c.currentText} | ${c.deltaText} | ${c.allowedText} | ${c.regressed ? '**REGRESSED**' : c.withinNoise ? 'ok (within noise)' : 'ok'} |`,
    );
  out.push('');
  return out;
}

/** The summary, as Markdown: the same text goes to summary.md and the terminal. */
export function renderSummary(r: RunResult): string {
  const out: string[] = [];
  const verdict = r.verdict === 'pass' ? 'PASS' : r.verdict === 'fail' ? 'FAIL' : 'UNTRUSTED (load generator saturated)';
  out.push(`# ${r.scenario.name} (${r.scenario.mode}): ${verdict}`, '', `> ${r.scenario.incident}`, '');
  out.push(
    `Run \`${r.runId}\`, ${r.load.requests} requests ${loadShape(r)} for ${formatMs(r.load.durationMs)} against \`${r.load.target}\`; dropped iterations ${r.load.droppedIterations} (${pct(r.load.droppedShare)})${r.load.perRunner ? `; ${r.load.perRunner.length} k6 runners: ${r.load.perRunner.map((p, i) => `k6-${i} ${p.requests} requests, ${pct(p.droppedShare)} dropped`).join('; ')}` : ''}.`,
    '',
  );
  out.push('## Timeline', '', '| t | event |', '|---|---|');
  for (const e of r.timeline) out.push(`| +${(e.offsetMs / 1000).toFixed(2)}s | ${eventText(e)} |`);
  out.push('');
  out.push('## Expectations', '', '| phase | expectation | measured | requests | result |', '|---|---|---|---|---|');
  for (const x of r.judgement.expectations) {
    out.push(`| ${x.phase} | \`${x.source}\` | ${formatFigure(x)}${x.note ? ` (${x.note})` : ''} | ${x.requests || '—'} | ${resultText(x, '**FAIL**')} |`);
  }
  if (r.judgement.writes) {
    const w = r.judgement.writes;
    out.push(
      '',
      `Acknowledged writes: ${w.acknowledged} acknowledged, ${w.found} found, ${w.lost} lost${w.lost ? ` (first ids: ${w.lostIds.join(', ')})` : ''}.`,
    );
  }
  if (r.judgement.recovery) {
    const rc = r.judgement.recovery;
    out.push(
      '',
      rc.recovered
        ? `Recovery: ${formatMs(rc.recoveryMs ?? 0)} after the last heal (stable for ${formatMs(rc.stableForMs)}, ${rc.windowMs} ms windows).`
        : `Recovery: never (no ${formatMs(rc.stableForMs)} stable span before the load ended).`,
    );
  }
  out.push('');
  if (r.baseline) out.push(...renderBaseline(r.baseline));
  for (const ph of r.judgement.phases) {
    // A phase without a request (no fault in the timeline, an instant fault's phase) says nothing.
    if (ph.all.count === 0) continue;
    out.push(
      `## Phase: ${ph.phase}${ph.fault ? ' (a fault of the timeline: the requests in flight while it was in place)' : ''}`,
      '',
      `| requests | ${FIGURE_HEADERS.join(' | ')} |`,
      `|---|${FIGURE_HEADERS.map(() => '---').join('|')}|`,
    );
    out.push(figuresRow('all', ph.all));
    for (const [name, f] of Object.entries(ph.byName)) out.push(figuresRow(`\`${name}\``, f));
    out.push('');
  }
  const dropped = Object.entries(r.gatewayDroppedLogLines ?? {}).filter(([, n]) => n > 0);
  if (dropped.length)
    out.push(
      `Gateway access logs: ${dropped.map(([g, n]) => `${g}'s HAProxy dropped ${n} line${n === 1 ? '' : 's'}`).join(', ')} (the logs in logs/ are short by as many requests; the figures above come from k6).`,
      '',
    );
  out.push(
    '## Versions',
    '',
    Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    '',
  );
  return out.join('\n');
}

export function renderError(error: Error, cleanupFailures: readonly string[]): string {
  const lines = ['# brownout: harness error', '', '```', error instanceof HarnessError ? error.describe() : (error.stack ?? error.message), '```', ''];
  if (cleanupFailures.length) lines.push('## Not cleaned up', '', ...cleanupFailures.map((c) => `- ${c}`), '');
  return lines.join('\n');
}

/** reports/<run-id>/result.json, summary.md, junit.xml and report.html. */
export async function writeReport(
  dir: string,
  result: RunResult | undefined,
  error: Error | undefined,
  cleanupFailures: readonly string[],
  scenarioFile = result?.scenario.file ?? '',
): Promise<void> {
  const json = {
    ...(result ?? {}),
    error: error
      ? {
          name: error.name,
          code: error instanceof HarnessError ? error.code : undefined,
          message: error.message,
          hint: error instanceof HarnessError ? error.hint : undefined,
        }
      : undefined,
    cleanupFailures,
  };
  writeFileSync(path.join(dir, 'result.json'), `${JSON.stringify(json, null, 2)}\n`);
  await renderFiles(dir, result, error, cleanupFailures, scenarioFile);
}

/** summary.md, junit.xml and report.html: what `brownout report` re-renders from result.json too. */
export async function renderFiles(
  dir: string,
  result: RunResult | undefined,
  error: Error | undefined,
  cleanupFailures: readonly string[],
  scenarioFile = result?.scenario.file ?? '',
): Promise<void> {
  const notCleaned = !error && cleanupFailures.length ? ['## Not cleaned up', '', ...cleanupFailures.map((c) => `- ${c}`), ''].join('\n') : '';
  const md = [result ? renderSummary(result) : '', error ? renderError(error, cleanupFailures) : '', notCleaned].filter(Boolean).join('\n');
  writeFileSync(path.join(dir, 'summary.md'), md);
  writeFileSync(path.join(dir, 'junit.xml'), renderJUnit([{ scenarioFile, result, error, cleanupFailures }]));
  writeFileSync(path.join(dir, 'report.html'), await renderHtml(result, error, cleanupFailures));
}
export { renderJUnit, type JUnitRun } from './junit.ts';
export { renderComment } from './comment.ts';
export {
  compareWithBaseline,
  DEFAULT_MARGINS,
  newBaseline,
  parseMargins,
  readBaseline,
  significantlyHigher,
  BaselineError,
  type Baseline,
  type BaselineResult,
  type Comparison,
  type Margin,
} from './baseline.ts';
export { summariseSoak, renderSoak, FAILING_MODES, type SoakRun, type SoakLine } from './soak.ts';

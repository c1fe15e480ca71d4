import { readFileSync } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { formatMs, parseDurationMs } from '../core/duration.ts';
import { HarnessError } from '../core/errors.ts';
import { statusShare, type Figures } from '../metrics/index.ts';
import type { RunResult } from './index.ts';

/**
 * The regression gate: a run's figures stored (--save-baseline) and a later run compared with
 * them (--baseline), each figure allowed to get worse only by its margin.
 */

/** Figures a baseline keeps per phase; rates are fractions of the phase's requests. */
const PHASE_FIGURES = ['p50', 'p95', 'p99', 'rate503', 'rate502', 'rate504', 'rate5xx', 'no_response'] as const;
export const FIGURES = [...PHASE_FIGURES, 'recovery', 'lost_writes'] as const;
export type Figure = (typeof FIGURES)[number];

const nn = z.number().nullable();
const phaseFiguresSchema = z
  .object({ count: z.number().int().nonnegative(), p50: nn, p95: nn, p99: nn, rate503: nn, rate502: nn, rate504: nn, rate5xx: nn, no_response: nn })
  .strict();
const scenarioSchema = z
  .object({
    mode: z.string(),
    runId: z.string(),
    file: z.string(),
    phases: z.record(z.string(), phaseFiguresSchema),
    /** ms; null: never recovered; absent: the scenario has no recovery. */
    recoveryMs: z.number().nullable().optional(),
    lostWrites: z.number().int().nonnegative().optional(),
  })
  .strict();
const baselineSchema = z
  .object({
    brownoutBaseline: z.literal(1),
    savedAt: z.string(),
    machine: z.string(),
    scenarios: z.record(z.string(), scenarioSchema),
  })
  .strict();
export type Baseline = z.infer<typeof baselineSchema>;
export type BaselineScenario = z.infer<typeof scenarioSchema>;

const num = (v: number) => (Number.isFinite(v) ? v : null);

function phaseFigures(f: Figures): z.infer<typeof phaseFiguresSchema> {
  return {
    count: f.count,
    p50: num(f.p50Ms),
    p95: num(f.p95Ms),
    p99: num(f.p99Ms),
    rate503: statusShare(f, (k) => k === '503'),
    rate502: statusShare(f, (k) => k === '502'),
    rate504: statusShare(f, (k) => k === '504'),
    rate5xx: statusShare(f, (k) => k.startsWith('5')),
    no_response: statusShare(f, (k) => k === 'no_response'),
  };
}

/** What a baseline keeps of one run. */
export function baselineOf(r: RunResult): BaselineScenario {
  const rc = r.judgement.recovery;
  return {
    mode: r.scenario.mode,
    runId: r.runId,
    file: r.scenario.file,
    phases: Object.fromEntries(r.judgement.phases.map((p) => [p.phase, phaseFigures(p.all)])),
    ...(rc ? { recoveryMs: rc.recovered ? (rc.recoveryMs ?? 0) : null } : {}),
    ...(r.judgement.writes ? { lostWrites: r.judgement.writes.lost } : {}),
  };
}

export function newBaseline(results: readonly RunResult[], previous?: Baseline): Baseline {
  const scenarios: Record<string, BaselineScenario> = { ...(previous?.scenarios ?? {}) };
  for (const r of results) scenarios[r.scenario.name] = baselineOf(r);
  return {
    brownoutBaseline: 1,
    savedAt: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    scenarios,
  };
}

export class BaselineError extends HarnessError {
  constructor(what: string, where: string, hint: string, cause?: unknown) {
    super('BO_BASELINE', what, where, hint, { cause });
  }
}

export function readBaseline(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BaselineError(
      `cannot read the baseline: ${(e as Error).message}`,
      file,
      'give a file written by `brownout run --save-baseline FILE`, or drop --baseline (make: BASELINE=)',
      e,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BaselineError(`the baseline is not JSON: ${(e as Error).message}`, file, 'write it again with `brownout run --save-baseline FILE`', e);
  }
  const parsed = baselineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw new BaselineError(
      `invalid baseline: ${field}: ${issue?.message ?? 'invalid'}`,
      `${file} › ${field}`,
      'write it again with `brownout run --save-baseline FILE` (a baseline is written by brownout, not by hand)',
    );
  }
  return parsed.data;
}

/** How much worse a figure may get: relative (+20%) or absolute (+5ms, +0.1pp, +1s, +0). */
export interface Margin {
  figure: Figure;
  kind: 'relative' | 'absolute';
  /** relative: a fraction (0.2); absolute: ms, a fraction of requests, or a count. */
  value: number;
  text: string;
}

export const DEFAULT_MARGINS = 'p95=+20%,p95=+5ms,rate503=+0.1pp,rate502=+0.1pp,rate504=+0.1pp,no_response=+0.1pp,recovery=+1s,lost_writes=+0';

const isTime = (f: Figure) => f === 'p50' || f === 'p95' || f === 'p99' || f === 'recovery';
const isRate = (f: Figure) => f.startsWith('rate') || f === 'no_response';

/** Parses `p95=+20%,rate503=+0.1pp,recovery=+1s`; one clear error names the item and the fix. */
export function parseMargins(text: string, where = '--max-regression'): Margin[] {
  const out: Margin[] = [];
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z_0-9]+)=\+?(.+)$/.exec(item);
    const figure = m?.[1] as Figure | undefined;
    const amount = m?.[2] ?? '';
    const fail = (why: string, fix: string) => new BaselineError(`bad margin "${item}": ${why}`, where, fix);
    if (!m || !figure) throw fail('not figure=+amount', `write e.g. ${DEFAULT_MARGINS}`);
    if (!FIGURES.includes(figure)) throw fail(`unknown figure "${figure}"`, `use one of ${FIGURES.join(', ')}`);
    let margin: Margin | undefined;
    const n = Number.parseFloat(amount);
    if (/^\d+(\.\d+)?%$/.test(amount)) margin = { figure, kind: 'relative', value: n / 100, text: `+${amount}` };
    else if (isRate(figure) && /^\d+(\.\d+)?pp$/.test(amount)) margin = { figure, kind: 'absolute', value: n / 100, text: `+${amount}` };
    else if (isTime(figure) && parseDurationMs(amount) !== undefined)
      margin = { figure, kind: 'absolute', value: parseDurationMs(amount) ?? 0, text: `+${amount}` };
    else if (figure === 'lost_writes' && /^\d+$/.test(amount)) margin = { figure, kind: 'absolute', value: n, text: `+${amount}` };
    if (!margin) {
      const units = isRate(figure)
        ? 'a percentage of the baseline (+50%) or percentage points (+0.1pp)'
        : isTime(figure)
          ? 'a percentage (+20%) or a duration (+5ms, +1s)'
          : 'a count (+0) or a percentage';
      throw fail(`"${amount}" is not an amount for ${figure}`, `give ${units}`);
    }
    out.push(margin);
  }
  return out;
}

export interface Comparison {
  phase: string;
  figure: Figure;
  baseline: number | null;
  current: number | null;
  regressed: boolean;
  baselineText: string;
  currentText: string;
  deltaText: string;
  allowedText: string;
  /** Worse beyond the margin, but by no more than sampling noise explains: not a regression. */
  withinNoise: boolean;
}

export interface BaselineResult {
  file: string;
  baselineRunId: string;
  baselineMode: string;
  comparisons: Comparison[];
  regressions: number;
  /** Why nothing was compared (the baseline has no run of this scenario). */
  note?: string;
}

function show(figure: Figure, v: number | null): string {
  if (v === null) return figure === 'recovery' ? 'never' : '—';
  if (isRate(figure)) return `${(v * 100).toFixed(2)}%`;
  if (isTime(figure)) return formatMs(v);
  return String(v);
}

function delta(figure: Figure, b: number, c: number): string {
  const d = c - b;
  const sign = d >= 0 ? '+' : '−';
  if (isRate(figure)) return `${sign}${Math.abs(d * 100).toFixed(2)}pp`;
  const rel = b !== 0 ? ` (${sign}${Math.abs((d / b) * 100).toFixed(0)}%)` : '';
  if (isTime(figure)) return `${sign}${formatMs(Math.abs(d))}${rel}`;
  return `${sign}${Math.abs(d)}`;
}

/** z of a one-sided test at the 1% level. */
const Z_ONE_SIDED_1PCT = 2.326;

/**
 * Is a share of n2 requests higher than a share of n1 beyond sampling noise? The one-sided
 * two-proportion z-test (pooled), at the 1% level. A rate margin alone flags noise: in a phase of
 * 120 requests one unlucky 503 is +0.83pp; measured on this machine, four of five fixed-mode
 * scenarios "regressed" against their own fixed baseline at +0.1pp without this test.
 */
export function significantlyHigher(p1: number, n1: number, p2: number, n2: number): boolean {
  if (n1 <= 0 || n2 <= 0) return false;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return p2 > p1;
  return (p2 - p1) / se > Z_ONE_SIDED_1PCT;
}

/** Worse beyond a margin: higher than the baseline by more than the margin allows. */
function beyond(m: Margin, b: number, c: number): boolean {
  return m.kind === 'relative' ? c > b * (1 + m.value) + 1e-12 : c - b > m.value + 1e-12;
}

/**
 * Every figure the baseline and the run both have, with its delta. A figure with margins regressed
 * when it is worse beyond every one of them (p95=+20% with p95=+5ms: 20% and 5 ms both, so a
 * 2 → 3 ms wobble is not a regression); a figure without a margin is shown, not gated.
 */
export function compareWithBaseline(r: RunResult, baseline: Baseline, file: string, margins: readonly Margin[]): BaselineResult {
  const b = baseline.scenarios[r.scenario.name];
  if (!b)
    return {
      file,
      baselineRunId: '—',
      baselineMode: '—',
      comparisons: [],
      regressions: 0,
      note: `the baseline has no run of ${r.scenario.name}: nothing compared`,
    };
  const cur = baselineOf(r);
  const comparisons: Comparison[] = [];
  const add = (phase: string, figure: Figure, bv: number | null, cv: number | null, counts?: [number, number]) => {
    const ms = margins.filter((m) => m.figure === figure);
    let regressed = false;
    let withinNoise = false;
    if (figure === 'recovery' && bv !== null && cv === null) regressed = ms.length > 0;
    else if (bv !== null && cv !== null) regressed = ms.length > 0 && ms.every((m) => beyond(m, bv, cv));
    if (regressed && counts && isRate(figure) && bv !== null && cv !== null && !significantlyHigher(bv, counts[0], cv, counts[1])) {
      regressed = false;
      withinNoise = true;
    }
    // A percentile: worse beyond the margin even at the low end of this run's 95% interval, or it is noise.
    const iv =
      figure === 'p50' || figure === 'p95' || figure === 'p99' ? r.judgement.phases.find((p) => p.phase === phase)?.all.intervals?.[figure] : undefined;
    if (regressed && iv && bv !== null && Number.isFinite(iv.lo) && !ms.every((m) => beyond(m, bv, iv.lo))) {
      regressed = false;
      withinNoise = true;
    }
    comparisons.push({
      phase,
      figure,
      baseline: bv,
      current: cv,
      regressed,
      baselineText: show(figure, bv),
      currentText: show(figure, cv),
      deltaText: bv !== null && cv !== null ? delta(figure, bv, cv) : bv !== cv ? `${show(figure, bv)} → ${show(figure, cv)}` : '',
      allowedText: ms.map((m) => m.text).join(' and ') || 'not gated',
      withinNoise,
    });
  };
  for (const [phase, bf] of Object.entries(b.phases)) {
    const cf = cur.phases[phase];
    if (!cf || bf.count === 0 || cf.count === 0) continue;
    for (const f of PHASE_FIGURES) add(phase, f, bf[f], cf[f], [bf.count, cf.count]);
  }
  if (b.recoveryMs !== undefined && cur.recoveryMs !== undefined) add('run', 'recovery', b.recoveryMs, cur.recoveryMs);
  if (b.lostWrites !== undefined && cur.lostWrites !== undefined) add('run', 'lost_writes', b.lostWrites, cur.lostWrites);
  return { file, baselineRunId: b.runId, baselineMode: b.mode, comparisons, regressions: comparisons.filter((c) => c.regressed).length };
}

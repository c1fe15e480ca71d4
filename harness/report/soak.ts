import { formatMs } from '../core/duration.ts';
import { parseExpectation, type ExpectationResult } from '../measures/index.ts';

/** Why a run's verdict was withheld (an untrusted run that left nothing behind). */
export type UntrustedReason = 'machine too busy' | 'load generator saturated';

/** One run of one scenario in one mode, as the soak keeps it. */
export interface SoakRun {
  scenario: string;
  mode: string;
  exitCode: 0 | 1 | 2;
  expectations: readonly ExpectationResult[];
  /** The run's report folder under the soak's runs/. */
  runId?: string;
  error?: string;
  /**
   * Why the run's verdict was withheld (exit 2 with a clean teardown): neither a pass nor a fail. A
   * soak on a busy machine counts these apart from harness errors.
   */
  untrusted?: UntrustedReason;
}

export interface SoakLine {
  scenario: string;
  mode: string;
  /** What the gate should say in this mode: fixed passes, broken fails. */
  expected: 'pass' | 'fail';
  runs: number;
  passed: number;
  failed: number;
  /** Runs with an untrusted verdict (machine too busy, load generator saturated): no verdict, no figures. */
  untrusted: number;
  /** The untrusted runs by reason. */
  untrustedWhy: Partial<Record<UntrustedReason, number>>;
  /** Other exit-2 runs: a harness error. */
  errors: number;
  /** No harness error, no verdict against the mode, and at least one trusted verdict. */
  asExpected: boolean;
  figures: {
    phase: string;
    source: string;
    unit: ExpectationResult['unit'];
    min: number;
    median: number;
    max: number;
    held: number;
    runs: number;
    /** How much of its limit the worst run used (absent where a share means nothing: `==`, a floor on a time). */
    used?: number;
  }[];
}

/** A figure this close to its limit on some run (half of it or more) is within 2× of failing. */
export const NEAR_LIMIT = 0.5;

/**
 * The share of the limit the worst run used: for `< L` the largest value over L; for a floor on a rate
 * (`rate(2xx) >= 99.9%`) the largest shortfall from 100% over the one allowed. None for a ratio of
 * work per request: its floor is what one request needs (one call, one query), not 0.
 */
export function limitUsed(source: string, unit: ExpectationResult['unit'], min: number, max: number): number | undefined {
  const p = parseExpectation(source);
  if (!p.ok || unit === 'ratio') return undefined;
  const { op, value } = p.expectation;
  if ((op === '<' || op === '<=') && value > 0 && Number.isFinite(max)) return max / value;
  if ((op === '>' || op === '>=') && unit === 'rate' && value < 1 && Number.isFinite(min)) return (1 - min) / (1 - value);
  return undefined;
}

/** Modes whose gate is expected to fail (the incident reproduced); every other mode must pass. */
export const FAILING_MODES = new Set(['broken', 'ack-early']);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

export function summariseSoak(runs: readonly SoakRun[]): SoakLine[] {
  const groups = new Map<string, SoakRun[]>();
  for (const r of runs) {
    const k = `${r.scenario}\u0000${r.mode}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const first = rs[0] as SoakRun;
    const expected = FAILING_MODES.has(first.mode) ? 'fail' : 'pass';
    const passed = rs.filter((r) => r.exitCode === 0).length;
    const failed = rs.filter((r) => r.exitCode === 1).length;
    const untrustedWhy: SoakLine['untrustedWhy'] = {};
    let untrusted = 0;
    for (const r of rs)
      if (r.exitCode === 2 && r.untrusted) {
        untrusted++;
        untrustedWhy[r.untrusted] = (untrustedWhy[r.untrusted] ?? 0) + 1;
      }
    const errors = rs.filter((r) => r.exitCode === 2).length - untrusted;
    // An untrusted run's figures were measured on a starved machine (or a saturated generator): its
    // verdict was withheld, so its figures stay out of the spread too.
    const byExp = new Map<string, ExpectationResult[]>();
    for (const r of rs.filter((x) => !x.untrusted))
      for (const e of r.expectations) byExp.set(`${e.phase}\u0000${e.source}`, [...(byExp.get(`${e.phase}\u0000${e.source}`) ?? []), e]);
    const figures = [...byExp.values()].map((es) => {
      const e0 = es[0] as ExpectationResult;
      const vals = es.flatMap((e) => (e.measured === undefined ? [] : [e.measured]));
      const min = Math.min(...vals);
      const max = Math.max(...vals);
      const used = limitUsed(e0.source, e0.unit, min, max);
      return {
        phase: e0.phase,
        source: e0.source,
        unit: e0.unit,
        min,
        median: median(vals),
        max,
        held: es.filter((e) => e.passed).length,
        runs: es.length,
        ...(used === undefined ? {} : { used }),
      };
    });
    return {
      scenario: first.scenario,
      mode: first.mode,
      expected,
      runs: rs.length,
      passed,
      failed,
      untrusted,
      untrustedWhy,
      errors,
      asExpected: errors === 0 && passed + failed > 0 && (expected === 'pass' ? failed === 0 : passed === 0),
      figures,
    };
  });
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

function fmt(v: number, unit: ExpectationResult['unit']): string {
  if (!Number.isFinite(v)) return '—';
  if (unit === 'rate') return `${(v * 100).toFixed(2)}%`;
  if (unit === 'count') return String(v);
  if (unit === 'ratio') return v.toFixed(2);
  return formatMs(v);
}

export function renderSoak(lines: readonly SoakLine[], meta: { date: string; machine: string }): string {
  const most = Math.max(0, ...lines.map((l) => l.runs));
  const out = [`# Soak: ${most} runs per scenario and mode`, '', `${meta.date}, ${meta.machine}.`, ''];
  out.push('| scenario | mode | gate should | runs | pass | fail | untrusted | harness error | as expected |', '|---|---|---|---|---|---|---|---|---|');
  for (const l of lines)
    out.push(
      `| ${l.scenario} | ${l.mode} | ${l.expected} | ${l.runs} | ${l.passed} | ${l.failed} | ${l.untrusted} | ${l.errors} | ${l.asExpected ? 'yes' : '**NO**'} |`,
    );
  const why = new Map<string, number>();
  for (const l of lines) for (const [k, n] of Object.entries(l.untrustedWhy)) why.set(k, (why.get(k) ?? 0) + n);
  if (why.size) out.push('', `Untrusted (no verdict, not counted as pass or fail): ${[...why].map(([k, n]) => `${n} ${k}`).join(', ')}.`);
  // The figures a passing mode holds with less than 2× to spare: where a busy machine or bad luck flips the gate.
  const near = lines
    .filter((l) => l.expected === 'pass')
    .flatMap((l) =>
      l.figures.filter((f) => (f.used ?? 0) >= NEAR_LIMIT).map((f) => `${l.scenario} (${l.mode}) ${f.phase} \`${f.source}\`: ${pct(f.used ?? 0)} of the limit`),
    );
  out.push('', `Within 2× of the limit on some run (modes that should pass): ${near.length ? '' : 'none.'}`);
  if (near.length) out.push('', ...near.map((n) => `- ${n}`));
  for (const l of lines) {
    out.push(
      '',
      `## ${l.scenario} (${l.mode}): spread of each figure`,
      '',
      '| phase | expectation | min | median | max | held | limit used (worst run) |',
      '|---|---|---|---|---|---|---|',
    );
    for (const f of l.figures)
      out.push(
        `| ${f.phase} | \`${f.source}\` | ${fmt(f.min, f.unit)} | ${fmt(f.median, f.unit)} | ${fmt(f.max, f.unit)} | ${f.held}/${f.runs} | ${f.used === undefined ? '—' : pct(f.used)} |`,
      );
  }
  return `${out.join('\n')}\n`;
}

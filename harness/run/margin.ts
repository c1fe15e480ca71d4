import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDurationMs } from '../core/duration.ts';
import { HarnessError } from '../core/errors.ts';
import { formatMagnitude, loadScenario, magnitudeOf, withMagnitude, type Magnitude, type ScenarioDefinition, type Variation } from '../scenario/index.ts';
import type { ImageSetName } from '../stack/index.ts';
import type { RunOptions, RunOutcome } from './index.ts';
import { newRunId } from './result.ts';

/**
 * `brownout margin`: the smallest magnitude of one fault that breaks the scenario's expectations,
 * found by bisection, each probe a whole run (its own stack: a probe's faults and load leave state
 * behind, so no stack is reused), and set beside the magnitude the scenario itself uses.
 */

/** One probe: a run with the fault at `value`. */
export interface MarginProbe {
  value: number;
  passed: boolean;
  exitCode: 0 | 1 | 2;
  runId: string | undefined;
  /** The expectations that failed ('phase: source'). */
  failed: string[];
}

export interface MarginSearch {
  /** The smallest magnitude seen to break the expectations (undefined: none in the range). */
  breaksAt: number | undefined;
  /** The largest magnitude seen to hold, below breaksAt (undefined: it broke at the range's start). */
  holdsAt: number | undefined;
  probes: MarginProbe[];
}

/**
 * Bisection for the smallest failing magnitude in [from, to], assuming a larger magnitude is no
 * kinder: `to` first (nothing breaks → done), then `from` (it breaks already → done), then halves
 * until the failing and the holding magnitudes are within `resolution`. A probe that cannot judge
 * (exit 2: a harness error, an untrusted run) ends the search with its error.
 */
export async function bisectMargin(
  probe: (value: number) => Promise<MarginProbe>,
  range: { from: number; to: number; resolution: number },
  /** How a probe's value is written (whole ms for a duration): the midpoint is rounded to it. */
  round: (v: number) => number = (v) => v,
): Promise<MarginSearch> {
  const probes: MarginProbe[] = [];
  const run = async (v: number) => {
    const p = await probe(v);
    probes.push(p);
    if (p.exitCode === 2) throw new MarginProbeError(p);
    return p.passed;
  };
  if (await run(range.to)) return { breaksAt: undefined, holdsAt: range.to, probes };
  if (!(await run(range.from))) return { breaksAt: range.from, holdsAt: undefined, probes };
  let lo = range.from;
  let hi = range.to;
  while (hi - lo > range.resolution) {
    const mid = round((lo + hi) / 2);
    // Rounded onto a bound: the two are as close as the values can be written.
    if (mid <= lo || mid >= hi) break;
    if (await run(mid)) lo = mid;
    else hi = mid;
  }
  return { breaksAt: hi, holdsAt: lo, probes };
}

export class MarginProbeError extends HarnessError {
  constructor(readonly probe: MarginProbe) {
    super(
      'BO_MARGIN',
      `a probe at ${probe.value} could not be judged (exit 2)`,
      `probe run ${probe.runId ?? '(no report)'}`,
      'fix what that run reports (its summary.md says why); a margin needs every probe judged',
    );
  }
}

export interface MarginResult {
  scenario: string;
  file: string;
  mode: string;
  fault: string;
  field: string;
  /** The phases whose expectations decided each probe (absent: every expectation). */
  judged?: string[];
  unit: Magnitude['unit'];
  /** The magnitude the scenario itself uses. */
  scenarioValue: number;
  from: number;
  to: number;
  resolution: number;
  breaksAt: number | undefined;
  holdsAt: number | undefined;
  /** breaksAt ÷ the scenario's value: below 1, the scenario's own fault already breaks it. */
  margin: number | undefined;
  probes: MarginProbe[];
  /** The stored margin this one was compared with (--baseline), and whether it got worse. */
  baseline?: { file: string; breaksAt: number | undefined; regressed: boolean; text: string };
  date: string;
}

export interface MarginOptions {
  scenarioFile: string;
  mode?: string;
  variation: Variation;
  /** The search's bounds and resolution as given (--from 500ms, --to 8s; plain numbers for a numeric field). */
  from?: string;
  to?: string;
  resolution?: string;
  reportsDir: string;
  /** Runs one probe: runScenario (passed in: the run module imports this one). */
  run: (opts: RunOptions) => Promise<RunOutcome>;
  /** Only these phases' expectations decide a probe (default: every expectation, as `brownout run`). */
  judge?: readonly string[];
  backend?: 'local' | 'containers';
  images?: ImageSetName;
  /** A probe the machine was too busy to trust runs again, at most this many more times (RunOptions.againIfBusy). */
  againIfBusy?: number;
  signal?: AbortSignal;
  onProbe?: (p: MarginProbe) => void;
}

/** Where the search goes by default: a tenth of the scenario's magnitude to four times it, in 32 steps. */
export function defaultRange(scenarioValue: number, o: { from?: number; to?: number; resolution?: number }): { from: number; to: number; resolution: number } {
  const from = o.from ?? scenarioValue / 10;
  const to = o.to ?? scenarioValue * 4;
  return { from, to, resolution: o.resolution ?? (to - from) / 32 };
}

/** The sentence of the result: 'breaks at 1.80s of album-lock's for; the scenario uses 5.00s; margin 0.36×'. */
export function marginText(r: MarginResult): string {
  const m = (v: number) => formatMagnitude({ value: v, unit: r.unit });
  const what = `${r.fault}'s ${r.field}`;
  if (r.breaksAt === undefined) return `holds through ${m(r.to)} of ${what} (the end of the search); the scenario uses ${m(r.scenarioValue)}`;
  if (r.holdsAt === undefined) return `breaks at ${m(r.from)} of ${what} already (the start of the search); the scenario uses ${m(r.scenarioValue)}`;
  return `breaks at ${m(r.breaksAt)} of ${what} (holds at ${m(r.holdsAt)}); the scenario uses ${m(r.scenarioValue)}; margin ${(r.margin ?? 0).toFixed(2)}×`;
}

/**
 * The stored margins: one per scenario, fault and field. Not per mode: a mode is a version of the
 * service (a team's change, our fixtures' fixed and broken), and comparing across it is the point.
 */
export interface MarginBaseline {
  version: 1;
  margins: Record<string, { breaksAt: number | null; resolution: number; unit: Magnitude['unit']; date: string; mode: string }>;
}

export const marginKey = (r: Pick<MarginResult, 'scenario' | 'fault' | 'field'>) => `${r.scenario}: ${r.fault}.${r.field}`;

/**
 * A margin got worse when it now breaks at a magnitude lower than before by more than the two
 * searches' resolutions (each bound is known only that closely), or breaks where it held throughout.
 */
export function compareMargin(now: MarginResult, before: MarginBaseline['margins'][string] | undefined, file: string): MarginResult['baseline'] {
  if (!before) return undefined;
  const m = (v: number) => formatMagnitude({ value: v, unit: now.unit });
  const was = before.breaksAt;
  const regressed = now.breaksAt !== undefined && (was === null || now.breaksAt < was - (before.resolution + now.resolution));
  const then = was === null ? 'held through the whole search before' : `breaks at ${m(was)} before`;
  const nowText = now.breaksAt === undefined ? 'holds through it now' : `${m(now.breaksAt)} now`;
  return { file, breaksAt: was ?? undefined, regressed, text: `${then}, ${nowText}${regressed ? ': the margin got smaller' : ''}` };
}

export function readMarginBaseline(file: string): MarginBaseline {
  if (!existsSync(file)) return { version: 1, margins: {} };
  try {
    const b = JSON.parse(readFileSync(file, 'utf8')) as MarginBaseline;
    if (b.version !== 1 || typeof b.margins !== 'object') throw new Error('not a margin baseline (version 1)');
    return b;
  } catch (e) {
    throw new HarnessError(
      'BO_MARGIN',
      `cannot read the margin baseline: ${(e as Error).message}`,
      file,
      'give a file written by brownout margin --save-baseline, or delete it',
    );
  }
}

export function saveMarginBaseline(file: string, r: MarginResult): void {
  const b = readMarginBaseline(file);
  b.margins[marginKey(r)] = { breaksAt: r.breaksAt ?? null, resolution: r.resolution, unit: r.unit, date: r.date, mode: r.mode };
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, `${JSON.stringify(b, null, 2)}\n`);
}

export function renderMargin(r: MarginResult): string {
  const m = (v: number) => formatMagnitude({ value: v, unit: r.unit });
  return [
    `# Margin to failure: ${r.scenario} (${r.mode})`,
    '',
    `**${marginText(r)}**`,
    ...(r.baseline ? ['', `Against ${r.baseline.file}: ${r.baseline.text}.`] : []),
    '',
    `Searched ${r.fault}'s ${r.field} from ${m(r.from)} to ${m(r.to)} by bisection, to within ${m(r.resolution)}; each probe a whole run of the scenario with only that value changed, judged on ${r.judged ? `the expectations of ${r.judged.join(', ')}` : 'every expectation'}.`,
    '',
    '| probe | value | verdict | failed expectations | run |',
    '|---|---|---|---|---|',
    ...r.probes.map(
      (p, i) => `| ${i + 1} | ${m(p.value)} | ${p.passed ? 'pass' : p.exitCode === 2 ? 'error' : 'FAIL'} | ${p.failed.join('; ') || '—'} | ${p.runId ?? '—'} |`,
    ),
    '',
  ].join('\n');
}

/** Runs the search and writes reports/<id>/margin.json and margin.md. */
export async function findMargin(o: MarginOptions, baseline: { compare?: string; save?: string } = {}): Promise<{ result: MarginResult; dir: string }> {
  // The scenario as it is, checked once: bad input (an unknown fault or field) stops here.
  let def: ScenarioDefinition | undefined;
  const sc = await loadScenario(o.scenarioFile, {
    ...(o.mode === undefined ? {} : { mode: o.mode }),
    // The definition as the file wrote it (what each probe changes), seen on its way to validation.
    definition: (d) => {
      def = d;
      return d;
    },
  });
  if (!def) throw new Error('loadScenario did not pass the definition through');
  const current = magnitudeOf(o.scenarioFile, def, o.variation);
  const given = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const v = current.unit === 'ms' ? parseDurationMs(text) : /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : undefined;
    if (v === undefined)
      throw new HarnessError(
        'BO_MARGIN',
        `${flag} '${text}' is not ${current.unit === 'ms' ? 'a duration' : 'a number'}`,
        `${flag} (${o.variation.fault}'s ${o.variation.field} is ${formatMagnitude(current)} in ${o.scenarioFile})`,
        current.unit === 'ms' ? "write it like '500ms' or '8s'" : 'write a plain number, like 0.5',
      );
    return v;
  };
  const phases = new Set(['baseline', 'fault', 'between', 'recovery', 'overall', ...sc.timeline.map((t) => t.phase)]);
  const unknown = (o.judge ?? []).filter((p) => !phases.has(p));
  if (unknown.length)
    throw new HarnessError(
      'BO_MARGIN',
      `--judge names no phase of ${sc.name}: ${unknown.join(', ')}`,
      '--judge',
      `name phases of the scenario: ${[...phases].join(', ')}`,
    );
  const range = defaultRange(current.value, { from: given('--from', o.from), to: given('--to', o.to), resolution: given('--resolution', o.resolution) });
  if (!(range.from < range.to) || !(range.resolution > 0))
    throw new HarnessError(
      'BO_MARGIN',
      `the search range ${range.from}–${range.to} (resolution ${range.resolution}) is empty`,
      '--from/--to',
      'give --from below --to, and a positive --resolution',
    );
  // A stored margin that cannot be read stops here, before any probe runs.
  if (baseline.compare) readMarginBaseline(baseline.compare);
  const id = newRunId(`${sc.name}-margin`);
  const dir = path.join(o.reportsDir, id);
  const probe = async (value: number): Promise<MarginProbe> => {
    const out: RunOutcome = await o.run({
      scenarioFile: o.scenarioFile,
      mode: sc.mode,
      reportsDir: path.join(dir, 'probes'),
      definition: (def) => withMagnitude(o.scenarioFile, def, o.variation, value),
      ...(o.backend ? { backend: o.backend } : {}),
      ...(o.images ? { images: o.images } : {}),
      ...(o.againIfBusy ? { againIfBusy: o.againIfBusy } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const failed = (out.result?.judgement.expectations ?? []).filter((x) => !x.passed && (!o.judge || o.judge.includes(x.phase)));
    const p: MarginProbe = {
      value,
      // Exit 1 with only other phases' expectations failed is a pass of the judged ones.
      passed: out.exitCode !== 2 && failed.length === 0 && (o.judge !== undefined || out.exitCode === 0),
      exitCode: out.exitCode,
      runId: out.runId,
      failed: failed.map((x) => `${x.phase}: ${x.source}`),
    };
    o.onProbe?.(p);
    return p;
  };
  const search = await bisectMargin(probe, range, current.unit === 'ms' ? Math.round : undefined);
  const result: MarginResult = {
    scenario: sc.name,
    file: o.scenarioFile,
    mode: sc.mode,
    fault: o.variation.fault,
    field: o.variation.field,
    ...(o.judge ? { judged: [...o.judge] } : {}),
    unit: current.unit,
    scenarioValue: current.value,
    ...range,
    breaksAt: search.breaksAt,
    holdsAt: search.holdsAt,
    margin: search.breaksAt === undefined ? undefined : search.breaksAt / current.value,
    probes: search.probes,
    date: new Date().toISOString(),
  };
  if (baseline.compare) {
    const cmp = compareMargin(result, readMarginBaseline(baseline.compare).margins[marginKey(result)], baseline.compare);
    if (cmp) result.baseline = cmp;
  }
  if (baseline.save) saveMarginBaseline(baseline.save, result);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'margin.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(dir, 'margin.md'), renderMargin(result));
  return { result, dir };
}

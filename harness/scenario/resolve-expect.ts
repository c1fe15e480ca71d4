import { parseDurationMs } from '../core/duration.ts';
import { measureOf, parseExpectation, type Expectation, type ScenarioFacts, type Scope } from '../measures/index.ts';
import { PHASES } from '../metrics/index.ts';
import type { Problem } from './problems.ts';
import { DEFAULTS } from './resolved.ts';
import type { ScenarioInput } from './schema.ts';

/** The keys of `expect` that are not a timeline entry's phase. */
export const EXPECT_KEYS = new Set(['baseline', 'fault', 'between', 'recovery', 'overall', 'steadyState', 'stableFor']);
/** Names a timeline entry's phase cannot take. */
export const RESERVED_SCOPES = EXPECT_KEYS;

/**
 * One expectation read by its measure (harness/measures/), then checked where it stands: the one
 * scope its measure is judged in, a timeline entry's own phase (`entry`), a 100 ms window of the
 * steady state (`window`); then against the scenario (a write check, a checked gateway, a part of
 * the right kind). undefined, with its problem added, when it cannot be judged there.
 */
function readExpectation(
  text: string,
  at: { field: string; scope: string; where: 'scope' | 'entry' | 'window' },
  facts: ScenarioFacts,
  problems: Problem[],
): Expectation | undefined {
  const r = parseExpectation(text);
  if (!r.ok) {
    problems.push({ field: at.field, message: r.message, fix: r.fix });
    return undefined;
  }
  const e = r.expectation;
  const m = measureOf(e.metric.kind);
  const misplaced =
    at.where === 'window'
      ? m.perWindow
        ? undefined
        : { message: `'${text}' cannot be judged per 100 ms window`, fix: 'use percentiles and rates here' }
      : at.where === 'entry'
        ? m.perEntry
          ? undefined
          : { message: `'${e.metric.kind}' is not measured per fault`, fix: `move it to expect.${m.only?.scope ?? 'overall'}` }
        : m.only && m.only.scope !== at.scope
          ? { message: m.only.why, fix: `move it to expect.${m.only.scope}` }
          : undefined;
  const problem = misplaced ?? m.problem?.(e, facts);
  if (problem) {
    problems.push({ field: at.field, ...problem });
    return undefined;
  }
  return e;
}

/** The expectations section: each per scope, per timeline entry's own phase and for the steady state, read and placed through its measure. */
export function resolveExpectations(
  def: Pick<ScenarioInput, 'expect'>,
  facts: ScenarioFacts,
  timelinePhases: ReadonlySet<string>,
  problems: Problem[],
): {
  expect: Record<Scope, Expectation[]>;
  faultExpect: Record<string, Expectation[]>;
  steady: Expectation[];
  stableForMs: number | undefined;
} {
  const scopes: Scope[] = [...PHASES, 'overall'];
  const expect = Object.fromEntries(scopes.map((p) => [p, [] as Expectation[]])) as Record<Scope, Expectation[]>;
  for (const scope of scopes)
    (def.expect[scope] ?? []).forEach((text, i) => {
      const e = readExpectation(text, { field: `expect.${scope}[${i}]`, scope, where: 'scope' }, facts, problems);
      if (e) expect[scope].push(e);
    });
  // A timeline entry's own phase: the requests in flight while that fault was in place.
  const faultExpect: Record<string, Expectation[]> = {};
  for (const [key, list] of Object.entries(def.expect)) {
    if (EXPECT_KEYS.has(key) || !Array.isArray(list)) continue;
    if (!timelinePhases.has(key)) {
      problems.push({
        field: `expect.${key}`,
        message: `'${key}' is neither a phase nor the name of a timeline entry`,
        fix: `use baseline, fault, between, recovery, overall${timelinePhases.size ? `, or an entry's phase: ${[...timelinePhases].join(', ')}` : ''} (name an entry with at(when, fault, { name: '${key}' }))`,
      });
      continue;
    }
    const into: Expectation[] = [];
    faultExpect[key] = into;
    list.forEach((text, i) => {
      const e = readExpectation(text, { field: `expect.${key}[${i}]`, scope: key, where: 'entry' }, facts, problems);
      if (e) into.push(e);
    });
  }
  // The steady state recovery's windows are judged by: the baseline's per-window expectations, or steadyState's.
  let steady: Expectation[] = expect.baseline.filter((e) => measureOf(e.metric.kind).perWindow);
  if (def.expect.steadyState) {
    steady = [];
    def.expect.steadyState.forEach((text, i) => {
      const e = readExpectation(text, { field: `expect.steadyState[${i}]`, scope: 'steadyState', where: 'window' }, facts, problems);
      if (e) steady.push(e);
    });
  }
  const stableForMs = def.expect.stableFor === undefined ? DEFAULTS.stableForMs : parseDurationMs(def.expect.stableFor);
  if (!stableForMs)
    problems.push({ field: 'expect.stableFor', message: `'${def.expect.stableFor ?? ''}' is not a positive duration`, fix: "write it like '2s'" });
  if (expect.recovery.some((e) => e.metric.kind === 'recovery') && steady.length === 0) {
    problems.push({
      field: 'expect.steadyState',
      message: "'recovery' needs steady-state expectations to judge windows by",
      fix: 'add expect.baseline or expect.steadyState entries',
    });
  }

  return { expect, faultExpect, steady, stableForMs };
}

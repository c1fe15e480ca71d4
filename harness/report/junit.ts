import { HarnessError } from '../core/errors.ts';
import { formatFigure, type RunResult } from './result.ts';

/** One scenario run as CI sees it: its result, or the harness error that stopped it. */
export interface JUnitRun {
  scenarioFile: string;
  result: RunResult | undefined;
  error: Error | undefined;
  /** What teardown could not release, or found still alive or bound afterwards: an error in CI. */
  cleanupFailures?: readonly string[];
}

const xml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // Control characters are not allowed in XML 1.0 (a log tail may hold them).
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

function suite(run: JUnitRun): { text: string; tests: number; failures: number; errors: number } {
  const r = run.result;
  const name = r ? `${r.scenario.name} (${r.scenario.mode})` : run.scenarioFile;
  const seconds = r ? (r.load.durationMs / 1000).toFixed(3) : '0';
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  for (const x of r?.judgement.expectations ?? []) {
    const head = `    <testcase classname="${xml(`brownout.${r?.scenario.name ?? ''}.${x.phase}`)}" name="${xml(`${x.phase}: ${x.source}`)}" time="0">`;
    if (x.passed) {
      cases.push(
        `${head}<system-out>${xml(`measured ${formatFigure(x)}${x.borderline ? ' (borderline: the limit is inside the 95% interval)' : ''}`)}</system-out></testcase>`,
      );
    } else {
      failures++;
      const msg = `measured ${formatFigure(x)}${x.note ? ` (${x.note})` : ''}; expected ${x.source}${x.borderline ? ' (borderline: the limit is inside the 95% interval)' : ''}`;
      cases.push(`${head}\n      <failure message="${xml(msg)}" type="expectation">${xml(msg)}</failure>\n    </testcase>`);
    }
  }
  // The regression gate: one testcase per gated figure (the ungated ones are in the summary).
  for (const c of r?.baseline?.comparisons.filter((c) => c.allowedText !== 'not gated') ?? []) {
    const head = `    <testcase classname="${xml(`brownout.${r?.scenario.name ?? ''}.baseline`)}" name="${xml(`baseline: ${c.phase} ${c.figure}`)}" time="0">`;
    const msg = `${c.figure} ${c.currentText}, baseline ${c.baselineText} (${c.deltaText}); allowed ${c.allowedText}`;
    if (!c.regressed) cases.push(`${head}<system-out>${xml(msg)}</system-out></testcase>`);
    else {
      failures++;
      cases.push(`${head}\n      <failure message="${xml(`regressed: ${msg}`)}" type="regression">${xml(msg)}</failure>\n    </testcase>`);
    }
  }
  if (r?.verdict === 'untrusted' || run.error) {
    // A harness error is not an expectation that failed: CI shows it as an error.
    errors++;
    const e = run.error;
    // One line CI can show: what failed, where, and the fix.
    const msg =
      e instanceof HarnessError ? `${e.message} (${e.where.split('\n')[0] ?? ''}); fix: ${e.hint}` : e ? e.message : 'the load generator was saturated';
    const detail = e instanceof HarnessError ? e.describe() : (e?.stack ?? msg);
    cases.push(
      `    <testcase classname="brownout.${xml(r?.scenario.name ?? 'harness')}" name="run" time="${seconds}">\n      <error message="${xml(msg)}" type="${xml(e instanceof HarnessError ? e.code : 'error')}">${xml(detail)}</error>\n    </testcase>`,
    );
  }
  if (run.cleanupFailures?.length) {
    errors++;
    const msg = `not cleaned up: ${run.cleanupFailures.join('; ')}`;
    cases.push(
      `    <testcase classname="brownout.${xml(r?.scenario.name ?? 'harness')}" name="teardown" time="0">\n      <error message="${xml(msg)}" type="cleanup">${xml(run.cleanupFailures.join('\n'))}</error>\n    </testcase>`,
    );
  }
  const stamp = r ? ` timestamp="${xml(r.startedAt.replace(/\.\d+Z$/, ''))}"` : '';
  const text = [
    `  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds}"${stamp}>`,
    ...cases,
    '  </testsuite>',
  ].join('\n');
  return { text, tests: cases.length, failures, errors };
}

/** JUnit XML: one testsuite per scenario run, one testcase per expectation (failure: measured vs expected). */
export function renderJUnit(runs: readonly JUnitRun[]): string {
  const suites = runs.map(suite);
  const sum = (k: 'tests' | 'failures' | 'errors') => suites.reduce((n, s) => n + s[k], 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="brownout" tests="${sum('tests')}" failures="${sum('failures')}" errors="${sum('errors')}">`,
    ...suites.map((s) => s.text),
    '</testsuites>',
    '',
  ].join('\n');
}

import { HarnessError } from '../core/errors.ts';
import { formatMeasured } from './result.ts';
import type { JUnitRun } from './junit.ts';

/** GitHub refuses a comment longer than 65 536 characters; the details are cut before that. */
const MAX_CHARS = 60_000;

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * reports/comment.md: what a pull-request comment needs. One table, one line per scenario run, with
 * what failed in words; the expectations and baseline deltas of each run folded below.
 */
export function renderComment(runs: readonly JUnitRun[]): string {
  const verdicts = runs.map((r) => (r.error && !r.result ? 'error' : (r.result?.verdict ?? 'error')));
  const count = (v: string) => verdicts.filter((x) => x === v).length;
  const head = [
    `### brownout: ${count('pass')} passed, ${count('fail')} failed${count('error') + count('untrusted') ? `, ${count('error') + count('untrusted')} harness error` : ''}`,
    '',
  ];
  head.push('| scenario | mode | result | requests | what failed |', '|---|---|---|---|---|');
  const details: string[] = [];
  runs.forEach((run, i) => {
    const r = run.result;
    const v = verdicts[i] ?? 'error';
    const icon = v === 'pass' ? '✅ pass' : v === 'fail' ? '❌ fail' : '⚠️ error';
    const failed = [
      ...(r?.judgement.expectations.filter((x) => !x.passed).map((x) => `\`${x.source}\` (${x.phase}): measured ${formatMeasured(x)}`) ?? []),
      ...(r?.baseline?.comparisons
        .filter((c) => c.regressed)
        .map((c) => `${c.phase} ${c.figure} ${c.baselineText} → ${c.currentText} (${c.deltaText}, allowed ${c.allowedText})`) ?? []),
    ];
    const err = run.error ? (run.error instanceof HarnessError ? `${run.error.message}; fix: ${run.error.hint}` : run.error.message) : '';
    const what = [...failed, ...(err ? [err] : [])].join('<br>') || '—';
    head.push(`| ${cell(r?.scenario.name ?? run.scenarioFile)} | ${cell(r?.scenario.mode ?? '—')} | ${icon} | ${r?.load.requests ?? '—'} | ${cell(what)} |`);
    if (!r) return;
    details.push(
      '<details>',
      `<summary>${r.scenario.name} (${r.scenario.mode}): ${r.scenario.incident}</summary>`,
      '',
      '| phase | expectation | measured | result |',
      '|---|---|---|---|',
    );
    for (const x of r.judgement.expectations)
      details.push(`| ${x.phase} | \`${cell(x.source)}\` | ${cell(formatMeasured(x))} | ${x.passed ? 'pass' : '**FAIL**'} |`);
    if (r.baseline?.comparisons.length) {
      details.push(
        '',
        `Against the baseline (run \`${r.baseline.baselineRunId}\`, ${r.baseline.baselineMode}):`,
        '',
        '| phase | figure | baseline | this run | delta | allowed |',
        '|---|---|---|---|---|---|',
      );
      for (const c of r.baseline.comparisons.filter((c) => c.allowedText !== 'not gated'))
        details.push(
          `| ${c.phase} | ${c.regressed ? `**${c.figure}**` : c.figure} | ${c.baselineText} | ${c.currentText} | ${c.deltaText} | ${c.allowedText} |`,
        );
    }
    details.push('', '</details>', '');
  });
  const text = [...head, '', ...details].join('\n');
  if (text.length <= MAX_CHARS) return text;
  const short = [...head, '', '_Details left out: the comment would be longer than GitHub allows; see summary.md in each run folder._', ''].join('\n');
  return short.slice(0, MAX_CHARS);
}

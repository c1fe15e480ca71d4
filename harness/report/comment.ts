import { HarnessError } from '../core/errors.ts';
import { mdCode, mdText } from '../core/text.ts';
import { formatMeasured } from './result.ts';
import type { JUnitRun } from './junit.ts';

/** GitHub refuses a comment longer than 65 536 characters; the details are cut before that. */
const MAX_CHARS = 60_000;

// Posted as a pull-request comment: every text of the run is escaped (mdText), no markup, no @mention.

/**
 * The comment's first line: a workflow finds its earlier comment on the pull request by it and
 * updates that one in place (README, "In CI"), one comment per pull request.
 */
export const COMMENT_MARKER = '<!-- brownout -->';

/**
 * reports/comment.md: what a pull-request comment needs. One table, one line per scenario run, with
 * what failed in words; the expectations and baseline deltas of each run folded below.
 */
export function renderComment(runs: readonly JUnitRun[]): string {
  const verdicts = runs.map((r) => (r.error && !r.result ? 'error' : (r.result?.verdict ?? 'error')));
  const count = (v: string) => verdicts.filter((x) => x === v).length;
  const head = [
    COMMENT_MARKER,
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
      ...(r?.judgement.expectations.filter((x) => !x.passed).map((x) => `${mdCode(x.source)} (${mdText(x.phase)}): measured ${mdText(formatMeasured(x))}`) ??
        []),
      ...(r?.baseline?.comparisons
        .filter((c) => c.regressed)
        .map((c) => mdText(`${c.phase} ${c.figure} ${c.baselineText} → ${c.currentText} (${c.deltaText}, allowed ${c.allowedText})`)) ?? []),
    ];
    const err = run.error ? mdText(run.error instanceof HarnessError ? `${run.error.message}; fix: ${run.error.hint}` : run.error.message) : '';
    const what = [...failed, ...(err ? [err] : [])].join('<br>') || '—';
    head.push(`| ${mdText(r?.scenario.name ?? run.scenarioFile)} | ${mdText(r?.scenario.mode ?? '—')} | ${icon} | ${r?.load.requests ?? '—'} | ${what} |`);
    if (!r) return;
    details.push(
      '<details>',
      `<summary>${mdText(`${r.scenario.name} (${r.scenario.mode}): ${r.scenario.incident}`)}</summary>`,
      '',
      '| phase | expectation | measured | result |',
      '|---|---|---|---|',
    );
    for (const x of r.judgement.expectations)
      details.push(`| ${mdText(x.phase)} | ${mdCode(x.source)} | ${mdText(formatMeasured(x))} | ${x.passed ? 'pass' : '**FAIL**'} |`);
    if (r.baseline?.comparisons.length) {
      details.push(
        '',
        `Against the baseline (run ${mdCode(r.baseline.baselineRunId)}, ${mdText(r.baseline.baselineMode)}):`,
        '',
        '| phase | figure | baseline | this run | delta | allowed |',
        '|---|---|---|---|---|---|',
      );
      for (const c of r.baseline.comparisons.filter((c) => c.allowedText !== 'not gated'))
        details.push(
          `| ${mdText(c.phase)} | ${c.regressed ? `**${mdText(c.figure)}**` : mdText(c.figure)} | ${mdText(c.baselineText)} | ${mdText(c.currentText)} | ${mdText(c.deltaText)} | ${mdText(c.allowedText)} |`,
        );
    }
    details.push('', '</details>', '');
  });
  const text = [...head, '', ...details].join('\n');
  if (text.length <= MAX_CHARS) return text;
  const short = [...head, '', '_Details left out: the comment would be longer than GitHub allows; see summary.md in each run folder._', ''].join('\n');
  return short.slice(0, MAX_CHARS);
}

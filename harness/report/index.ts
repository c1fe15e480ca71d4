import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BaselineResult } from './baseline.ts';
import { renderHtml } from './html.ts';
import { renderJUnit } from './junit.ts';
import { formatMs } from '../core/duration.ts';
import { HarnessError } from '../core/errors.ts';
import { mdBlock, mdCell, mdCode, printable } from '../core/text.ts';
import type { Figures } from '../metrics/index.ts';
import { describeShed } from '../measures/index.ts';

export * from './result.ts';
import {
  pct,
  figureCells,
  FIGURE_HEADERS,
  formatFigure,
  loadShape,
  warmUpText,
  resultText,
  eventText,
  GAVE_UP_HEADERS,
  LADDER_HEADERS,
  ladderTable,
  writeTable,
  abortText,
  checkTable,
  partsTable,
  PARTS_HEADERS,
  CHECK_HEADERS,
  WRITE_HEADERS,
  type RunResult,
  MACHINE_HEADERS,
  machineTable,
  WORK_HEADERS,
  workTable,
} from './result.ts';

/** A Markdown table. */
function mdTable(headers: readonly string[], rows: readonly string[][]): string[] {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** A Markdown section: its heading, one line saying what it shows, and its table. */
function mdSection(title: string, intro: string, headers: readonly string[], rows: readonly string[][]): string[] {
  return ['', `## ${title}`, '', intro, '', ...mdTable(headers, rows)];
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

/** The summary's tables of what the run read besides the requests: the parts' CPU and memory, failing checks, the timeout ladder, the stack's work, the machine, the writes. */
function tablesMarkdown(r: RunResult): string[] {
  const out: string[] = [];
  const pt = partsTable(r.judgement);
  if (pt)
    out.push(
      ...mdSection(
        'Parts',
        'Each part’s whole process tree, read twice a second: the CPUs it used on average in each phase, the most memory (RSS) it held and how fast that grew (least squares).',
        PARTS_HEADERS,
        pt.map((row) => row.map(mdCell)),
      ),
    );
  const ct = checkTable(r.judgement);
  if (ct)
    out.push(
      ...mdSection(
        'Failing checks',
        'Each k6 check of the load script that failed, by name, per phase (a check answers whether the client got what it should: a body, not only a status).',
        CHECK_HEADERS,
        ct.map((row) => row.map(mdCell)),
      ),
    );
  const lt = ladderTable(r);
  if (lt) {
    out.push(...mdSection('Timeout ladder', 'Every configured wait along a request’s path, from the client inward.', LADDER_HEADERS, lt.rungs));
    if (lt.warnings.length) out.push('', ...lt.warnings.map((w) => `- **inverted:** ${w}`));
    if (lt.gaveUp.length) out.push('', 'Failed requests, by the wait their median duration matches:', '', ...mdTable(GAVE_UP_HEADERS, lt.gaveUp));
  }
  const work = workTable(r.judgement);
  if (work) {
    out.push(
      ...mdSection(
        'Inside the stack',
        'The stack’s own counters over each phase (read every second: databases, caches, each link’s new connections and HTTP calls, each gateway server), and per client request of the phase.',
        WORK_HEADERS,
        work,
      ),
    );
  }
  const mt = machineTable(r);
  if (mt) {
    const starved = r.machineTooBusy
      ? ` **Too busy:** CPU left for the run in ${r.machineTooBusy.phases.map((p) => `${p.phase} ${p.freeCores.toFixed(2)} core`).join(', ')}, under the limit of ${r.machineTooBusy.limitCores.toFixed(2)}: this run's figures are not trusted.`
      : '';
    out.push(...mdSection('Machine', `How much CPU this machine had to give during each phase (all cores).${starved}`, MACHINE_HEADERS, mt));
  }
  const wt = writeTable(r.judgement);
  if (wt) {
    out.push(...mdSection('Writes', 'Each keyed write, by what the client last heard against the rows carrying its key afterwards.', WRITE_HEADERS, wt.rows));
    if (wt.examples.length) out.push('', ...wt.examples.map((e) => `- ${e}`));
  }
  return out;
}

/** The summary, as Markdown: the same text goes to summary.md and the terminal. */
export function renderSummary(r: RunResult): string {
  const out: string[] = [];
  const verdict =
    r.verdict === 'pass' ? 'PASS' : r.verdict === 'fail' ? 'FAIL' : `UNTRUSTED (${r.load.saturated ? 'load generator saturated' : 'machine too busy'})`;
  out.push(`# ${mdCell(r.scenario.name)} (${mdCell(r.scenario.mode)}): ${verdict}`, '', `> ${mdCell(r.scenario.incident)}`, '');
  const aborted = abortText(r);
  if (aborted) out.push(`**${mdCell(aborted)}**`, '');
  out.push(
    `Run \`${r.runId}\`, ${r.load.requests} requests ${loadShape(r)} for ${formatMs(r.load.durationMs)} against \`${r.load.target}\`; dropped iterations ${r.load.droppedIterations} (${pct(r.load.droppedShare)})${r.load.perRunner ? `; ${r.load.perRunner.length} k6 runners: ${r.load.perRunner.map((p, i) => `k6-${i} ${p.requests} requests, ${pct(p.droppedShare)} dropped`).join('; ')}` : ''}.`,
    '',
  );
  const wu = warmUpText(r);
  if (wu) out.push(wu, '');
  out.push('## Timeline', '', '| t | event |', '|---|---|');
  for (const e of r.timeline) out.push(`| +${(e.offsetMs / 1000).toFixed(2)}s | ${mdCell(eventText(e))} |`);
  out.push('');
  out.push('## Expectations', '', '| phase | expectation | measured | requests | result |', '|---|---|---|---|---|');
  for (const x of r.judgement.expectations) {
    out.push(
      `| ${mdCell(x.phase)} | ${mdCode(x.source)} | ${mdCell(`${formatFigure(x)}${x.note ? ` (${x.note})` : ''}`)} | ${x.requests || '—'} | ${resultText(x, '**FAIL**')} |`,
    );
  }
  if (r.judgement.writes) {
    const w = r.judgement.writes;
    out.push(
      '',
      `Acknowledged writes: ${w.acknowledged} acknowledged, ${w.found} found, ${w.lost} lost${w.lost ? ` (first ids: ${w.lostIds.join(', ')})` : ''}.${w.openTransactions && !w.attempts ? ` ${w.openTransactions} transactions were still open 30 s after the load: what they commit later is not counted.` : ''}`,
    );
  }
  out.push(...tablesMarkdown(r));
  if (r.judgement.recovery) {
    const rc = r.judgement.recovery;
    out.push(
      '',
      rc.recovered
        ? `Recovery: ${formatMs(rc.recoveryMs ?? 0)} after the last heal (stable for ${formatMs(rc.stableForMs)}, ${rc.windowMs} ms windows).`
        : `Recovery: never (no ${formatMs(rc.stableForMs)} stable span before the load ended).`,
      ...(rc.shed ? [`Load shed: ${describeShed(rc)}.`] : []),
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
    for (const [name, f] of Object.entries(ph.byName)) out.push(figuresRow(mdCode(name), f));
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
  // Every line of it is shown in a terminal too.
  return printable(out.join('\n'));
}

export function renderError(error: Error, cleanupFailures: readonly string[]): string {
  const lines = ['# brownout: harness error', '', ...mdBlock(error instanceof HarnessError ? error.describe() : (error.stack ?? error.message)), ''];
  if (cleanupFailures.length) lines.push('## Not cleaned up', '', ...cleanupFailures.map((c) => `- ${mdCell(c)}`), '');
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
  const notCleaned = !error && cleanupFailures.length ? ['## Not cleaned up', '', ...cleanupFailures.map((c) => `- ${mdCell(c)}`), ''].join('\n') : '';
  const md = [result ? renderSummary(result) : '', error ? renderError(error, cleanupFailures) : '', notCleaned].filter(Boolean).join('\n');
  writeFileSync(path.join(dir, 'summary.md'), md);
  writeFileSync(path.join(dir, 'junit.xml'), renderJUnit([{ scenarioFile, result, error, cleanupFailures }]));
  writeFileSync(path.join(dir, 'report.html'), await renderHtml(result, error, cleanupFailures));
}
export { renderJUnit, type JUnitRun } from './junit.ts';
export { renderComment, COMMENT_MARKER } from './comment.ts';
export { escapeData, escapeProperty, githubAnnotations } from './github.ts';
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
export { summariseSoak, renderSoak, FAILING_MODES, type SoakRun, type SoakLine, type UntrustedReason } from './soak.ts';

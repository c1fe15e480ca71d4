import { HarnessError } from '../core/errors.ts';
import type { JUnitRun } from './junit.ts';
import { formatMeasured } from './result.ts';

/**
 * What a run says to GitHub Actions, where a team looks: one `::error` annotation per failed
 * expectation (on the scenario's file, titled with the phase and the expectation), per regression
 * and per harness error. A workflow command is a line the runner parses, so every value is escaped
 * as actions/toolkit escapes it: text from a scenario or the system under test cannot end the line
 * and start a command of its own (::add-mask::, ::stop-commands::…).
 */

/** A command's message: %, CR and LF encoded (actions/toolkit core's escapeData). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A command's property value (file=, title=): also ':' and ',', which separate properties (escapeProperty). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const annotation = (file: string, title: string, message: string) =>
  `::error file=${escapeProperty(file)},title=${escapeProperty(title)}::${escapeData(message)}`;

/** The annotations of an invocation's runs, one line each. */
export function githubAnnotations(runs: readonly JUnitRun[]): string[] {
  const lines: string[] = [];
  for (const run of runs) {
    const r = run.result;
    const who = r ? `${r.scenario.name} (${r.scenario.mode})` : run.scenarioFile;
    for (const x of r?.judgement.expectations.filter((e) => !e.passed) ?? [])
      lines.push(annotation(run.scenarioFile, `${x.phase}: ${x.source}`, `${who}: ${x.phase} ${x.source} failed: measured ${formatMeasured(x)}`));
    for (const c of r?.baseline?.comparisons.filter((e) => e.regressed) ?? [])
      lines.push(
        annotation(
          run.scenarioFile,
          `${c.phase}: ${c.figure} regressed`,
          `${who}: ${c.phase} ${c.figure} ${c.baselineText} → ${c.currentText} (${c.deltaText}, allowed ${c.allowedText})`,
        ),
      );
    if (run.error)
      lines.push(
        annotation(
          run.scenarioFile,
          'brownout: the run could not be made',
          run.error instanceof HarnessError ? `${run.error.message}\nfix: ${run.error.hint}` : run.error.message,
        ),
      );
    for (const c of run.cleanupFailures ?? []) lines.push(annotation(run.scenarioFile, 'brownout: left behind', c));
  }
  return lines;
}

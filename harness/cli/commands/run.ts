import { againIfBusyOption, againIfBusyOf, type RunCliOptions } from '../options.ts';
import { type Command, Option } from 'commander';
import type { CleanupList } from '../../core/cleanup.ts';
import { abortOnSignals } from '../../core/signals.ts';
import { errorMessage } from '../../core/errors.ts';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  githubAnnotations,
  DEFAULT_MARGINS,
  newBaseline,
  parseMargins,
  readBaseline,
  renderComment,
  renderJUnit,
  type Baseline,
  type Margin,
  renderSummary,
  type JUnitRun,
  type RunResult,
} from '../../report/index.ts';
import { progressFor } from '../progress.ts';
import { runScenario } from '../../run/index.ts';
import { findContainerEngine, IMAGE_SETS, noEngineMessage } from '../../stack/index.ts';

/**
 * On GitHub Actions: the verdict table in the job's summary (every run, pass or fail, fork or not:
 * nothing to write to but a file of the runner's) and one annotation per failed expectation,
 * regression or harness error, on the scenario's file.
 */
function githubActions(junit: readonly JUnitRun[], comment: string): void {
  const summary = process.env['GITHUB_STEP_SUMMARY'];
  if (summary) {
    // A gate that compares with nothing says so (the first run, or a baseline the cache evicted).
    const compared = junit.some((j) => j.result?.baseline);
    try {
      appendFileSync(summary, `${comment}\n${compared ? '' : 'brownout: no baseline: each scenario judged by its own expectations only.\n'}`);
    } catch (e) {
      process.stderr.write(`brownout: could not write the job summary ${summary}: ${(e as Error).message}\n`);
    }
  }
  if (process.env['GITHUB_ACTIONS'] === 'true') for (const line of githubAnnotations(junit)) process.stdout.write(`${line}\n`);
}

async function run(files: string[], opts: RunCliOptions): Promise<number> {
  if (opts.stack === 'containers') {
    const engine = await findContainerEngine();
    if (!engine.found) {
      process.stderr.write(`${noEngineMessage(engine.reason)}\n`);
      return 2;
    }
    process.stderr.write(`brownout: stack on containers (${engine.description})\n`);
  }
  // The gate's inputs are checked before anything starts: a bad baseline or margin is one clear error.
  let baseline: { data: Baseline; file: string; margins: Margin[] } | undefined;
  let previous: Baseline | undefined;
  try {
    if (opts.baseline) baseline = { data: readBaseline(opts.baseline), file: opts.baseline, margins: parseMargins(opts.maxRegression) };
    // Saving into an existing baseline keeps its other scenarios; an unreadable one is not overwritten.
    if (opts.saveBaseline && existsSync(opts.saveBaseline)) previous = readBaseline(opts.saveBaseline);
  } catch (e) {
    process.stderr.write(`${errorMessage(e)}\n`);
    return 2;
  }
  const runners = Number(opts.runners);
  if (!Number.isInteger(runners) || runners < 1 || runners > 64) {
    process.stderr.write(
      `brownout: --runners ${opts.runners}: not a whole number from 1 to 64\nfix: give how many k6 processes share the load, e.g. --runners 3\n`,
    );
    return 2;
  }
  const againIfBusy = againIfBusyOf(opts.againIfBusy);
  if (againIfBusy === undefined) return 2;
  const controller = new AbortController();
  let cleanup: CleanupList | undefined;
  abortOnSignals(controller, { doing: 'stopping the load, healing faults, tearing down', pending: () => cleanup?.pending() ?? [] });

  let worst = 0;
  const junit: JUnitRun[] = [];
  const progress = progressFor(process.stderr);
  for (const file of files) {
    if (controller.signal.aborted) break;
    const outcome = await runScenario({
      scenarioFile: file,
      ...(opts.mode ? { mode: opts.mode } : {}),
      reportsDir: opts.reports,
      allowHosts: opts.allowHost,
      ...(opts.loopbackOnly ? { loopbackOnly: true } : {}),
      ...(baseline ? { baseline } : {}),
      runners,
      againIfBusy,
      backend: opts.stack === 'containers' ? 'containers' : 'local',
      images: opts.images,
      signal: controller.signal,
      onCleanupList: (list) => {
        cleanup = list;
      },
      onProgress: (line) => {
        // The live block ends with the load: judging and teardown are plain steps.
        if (line === 'judging' || line === 'teardown') progress.done();
        progress.step(line);
      },
      onLive: (s) => progress.live(s),
    });
    progress.done();
    if (outcome.result) process.stdout.write(`\n${renderSummary(outcome.result)}\n`);
    if (outcome.error) process.stderr.write(`\n${errorMessage(outcome.error)}\n`);
    if (outcome.cleanupFailures.length) process.stderr.write(`\nbrownout: could not clean up:\n${outcome.cleanupFailures.map((c) => `  - ${c}`).join('\n')}\n`);
    if (outcome.reportDir) process.stderr.write(`brownout: report in ${outcome.reportDir}\n`);
    if (outcome.busyBefore.length)
      process.stderr.write(
        `brownout: this was run ${outcome.busyBefore.length + 1}; the machine was too busy to trust ${outcome.busyBefore.join(', ')} (reports kept)\n`,
      );
    // Each run's code is decided in one place (exitCodeOf); the invocation exits with the worst.
    worst = Math.max(worst, outcome.exitCode);
    junit.push({ scenarioFile: file, result: outcome.result, error: outcome.error, cleanupFailures: outcome.cleanupFailures });
  }
  // One file for CI to pick up: every scenario of this invocation (each run dir has its own too).
  mkdirSync(opts.reports, { recursive: true });
  writeFileSync(path.join(opts.reports, 'junit.xml'), renderJUnit(junit));
  // For a pull-request comment (e.g. `gh pr comment --body-file reports/comment.md`).
  const comment = renderComment(junit);
  writeFileSync(path.join(opts.reports, 'comment.md'), comment);
  githubActions(junit, comment);
  if (opts.saveBaseline && !controller.signal.aborted) {
    // An untrusted or broken-off run is no reference to compare with.
    const usable = junit.flatMap((j) => (j.result && !j.error && j.result.verdict !== 'untrusted' ? [j.result] : []));
    const skipped = junit.filter((j) => !usable.includes(j.result as RunResult)).map((j) => j.scenarioFile);
    if (usable.length) {
      mkdirSync(path.dirname(path.resolve(opts.saveBaseline)), { recursive: true });
      writeFileSync(opts.saveBaseline, `${JSON.stringify(newBaseline(usable, previous), null, 2)}\n`);
      process.stderr.write(`brownout: baseline of ${usable.map((r) => `${r.scenario.name} (${r.scenario.mode})`).join(', ')} saved to ${opts.saveBaseline}\n`);
    }
    if (skipped.length) process.stderr.write(`brownout: not saved to the baseline (harness error or untrusted run): ${skipped.join(', ')}\n`);
  }
  if (controller.signal.aborted) worst = 2;
  return worst;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run scenario files; exit 0 pass, 1 expectation failed, 2 harness error')
    .argument('<scenarios...>', 'scenario files (scenarios/*.ts)')
    .addOption(new Option('--mode <mode>', "the scenario's mode (e.g. broken or fixed); default: its first"))
    .addOption(new Option('--reports <dir>', 'where run reports go').default('reports'))
    .addOption(new Option('--allow-host <host...>', 'a non-loopback host load may be sent to (repeatable)').default([]))
    .addOption(new Option('--loopback-only', 'a part of the stack listening beyond 127.0.0.1 ends the run (exit 2) instead of a warning'))
    .addOption(new Option('--baseline <file>', 'compare with a stored baseline: worse beyond a margin fails the run (exit 1)'))
    .addOption(
      new Option('--max-regression <margins>', 'how much worse each figure may get than the baseline; a figure given twice must exceed both').default(
        DEFAULT_MARGINS,
      ),
    )
    .addOption(
      new Option('--stack <backend>', 'where the stack runs: local processes, or containers (needs a Docker engine)')
        .choices(['local', 'containers'])
        .default('local'),
    )
    .addOption(
      new Option(
        '--images <set>',
        'with --stack containers: images built here by make setup-containers (local), or the official ones from their registries (upstream)',
      )
        .choices(Object.keys(IMAGE_SETS))
        .default('local'),
    )
    .addOption(new Option('--runners <n>', 'k6 processes sharing the load, each its execution segment; figures are judged on the merged samples').default('1'))
    .addOption(againIfBusyOption())
    .addOption(new Option('--save-baseline <file>', "store this run's figures as the baseline (kept: other scenarios already in the file)"))
    .action(async (files: string[], opts: RunCliOptions) => {
      process.exitCode = await run(files, opts);
    });
}

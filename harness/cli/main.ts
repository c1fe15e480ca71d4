import { Command, Option } from 'commander';
import { errorMessage } from '../core/errors.ts';
import { renderSummary } from '../report/index.ts';
import { runScenario } from '../run/index.ts';

/** Exit codes: 0 every expectation held, 1 an expectation failed, 2 harness error (or untrusted run). */
async function run(files: string[], opts: { mode?: string; reports: string }): Promise<number> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\nbrownout: ${sig}: stopping the load and tearing down (again to force exit)\n`);
      controller.abort(sig);
    } else {
      process.stderr.write(`brownout: ${sig} again: exiting now; processes of this run may remain (see reports/ for the run's logs)\n`);
      process.exit(2);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let worst = 0;
  for (const file of files) {
    if (controller.signal.aborted) break;
    const outcome = await runScenario({
      scenarioFile: file,
      ...(opts.mode ? { mode: opts.mode } : {}),
      reportsDir: opts.reports,
      signal: controller.signal,
      onProgress: (line) => process.stderr.write(`brownout: ${line}\n`),
    });
    if (outcome.result) process.stdout.write(`\n${renderSummary(outcome.result)}\n`);
    if (outcome.error) process.stderr.write(`\n${errorMessage(outcome.error)}\n`);
    if (outcome.cleanupFailures.length) process.stderr.write(`\nbrownout: could not clean up:\n${outcome.cleanupFailures.map((c) => `  - ${c}`).join('\n')}\n`);
    if (outcome.reportDir) process.stderr.write(`brownout: report in ${outcome.reportDir}\n`);
    worst = Math.max(worst, outcome.exitCode, outcome.cleanupFailures.length ? 2 : 0);
  }
  if (controller.signal.aborted) worst = 2;
  return worst;
}

const program = new Command()
  .name('brownout')
  .description('Reproduce backend incidents on a real stack under load, and prove their fixes.')
  .showHelpAfterError();

program
  .command('run')
  .description('run scenario files; exit 0 pass, 1 expectation failed, 2 harness error')
  .argument('<scenarios...>', 'scenario files (scenarios/*.ts)')
  .addOption(new Option('--mode <mode>', "the scenario's mode (e.g. broken or fixed); default: its first"))
  .addOption(new Option('--reports <dir>', 'where run reports go').default('reports'))
  .action(async (files: string[], opts: { mode?: string; reports: string }) => {
    process.exitCode = await run(files, opts);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`${errorMessage(e)}\n`);
  process.exitCode = 2;
});

import { Command, Option } from 'commander';
import type { CleanupList } from '../core/cleanup.ts';
import { errorMessage } from '../core/errors.ts';
import { renderSummary } from '../report/index.ts';
import { runScenario } from '../run/index.ts';

/** Exit codes: 0 every expectation held, 1 an expectation failed, 2 harness error (or untrusted run). */
/** How long teardown may take after a second signal before the CLI exits anyway. */
const FORCED_EXIT_GRACE_MS = 5_000;

async function run(files: string[], opts: { mode?: string; reports: string; allowHost: string[] }): Promise<number> {
  const controller = new AbortController();
  let cleanup: CleanupList | undefined;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\nbrownout: ${sig}: stopping the load, healing faults, tearing down (again to force exit)\n`);
      controller.abort(sig);
    } else if (signals === 2) {
      // Teardown gets a bounded time; what is still pending then is named, not silently left.
      process.stderr.write(`brownout: ${sig} again: exiting in ${FORCED_EXIT_GRACE_MS / 1000} s whether or not teardown has finished\n`);
      setTimeout(() => {
        const left = cleanup?.pending() ?? [];
        process.stderr.write(left.length ? `brownout: forced exit; could not clean up:\n${left.map((l) => `  - ${l}`).join('\n')}\n` : 'brownout: forced exit; nothing was left to clean up\n');
        process.exit(2);
      }, FORCED_EXIT_GRACE_MS).unref();
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
      allowHosts: opts.allowHost,
      signal: controller.signal,
      onCleanupList: (list) => {
        cleanup = list;
      },
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
  .addOption(new Option('--allow-host <host...>', 'a non-loopback host load may be sent to (repeatable)').default([]))
  .action(async (files: string[], opts: { mode?: string; reports: string; allowHost: string[] }) => {
    process.exitCode = await run(files, opts);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`${errorMessage(e)}\n`);
  process.exitCode = 2;
});

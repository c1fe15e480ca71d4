import type { Command } from 'commander';
import { sweepDeadRuns } from '../../core/ledger.ts';
import { printable } from '../../core/text.ts';
import { findContainerEngine, noEngineMessage, sweepContainerRuns } from '../../stack/index.ts';

async function clean(all: boolean): Promise<number> {
  // Local runs: the processes and temp dirs of runs whose harness is gone (core/ledger.ts).
  const local = await sweepDeadRuns();
  const engine = await findContainerEngine();
  const lines: string[] = [];
  if (engine.found) {
    const removed = await sweepContainerRuns({ all });
    const runs = [...new Set([...removed.containers, ...removed.networks].map((x) => x.run))];
    if (runs.length)
      lines.push(`removed ${removed.containers.length} containers and ${removed.networks.length} networks of ${runs.length} runs: ${runs.join(', ')}`);
  } else process.stderr.write(`brownout: containers not looked for: ${noEngineMessage(engine.reason).split('\n')[0]}\n`);
  lines.push(...local.map((l) => `removed ${l}`));
  process.stdout.write(`${printable(lines.length ? lines.join('\n') : 'nothing to remove')}\n`);
  return 0;
}

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description(
      'remove what brownout runs that ended without teardown (killed outright) left: processes, temp dirs, containers and networks; --all: the containers of every run',
    )
    .option('--all', "every brownout run's, also of runs still going")
    .action(async (opts: { all?: boolean }) => {
      process.exitCode = await clean(opts.all === true);
    });
}

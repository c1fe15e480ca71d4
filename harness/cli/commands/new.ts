import { type Command, Option } from 'commander';
import { newScenario } from '../new.ts';

export function registerNew(program: Command): void {
  program
    .command('new')
    .description('write a commented scenario (and its load script) to fill in from an incident write-up')
    .argument('<name>', 'the scenario name: lower case words joined by -, e.g. checkout-timeout')
    .addOption(new Option('--dir <dir>', 'the scenarios folder').default('scenarios'))
    .action((name: string, opts: { dir: string }) => {
      process.exitCode = newScenario(name, opts.dir);
    });
}

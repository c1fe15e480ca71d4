import { type Command, Option } from 'commander';
import { doctor } from '../doctor.ts';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'what a run needs (Node, k6, the Toxiproxy server, MariaDB, HAProxy, Redis; Docker for containers): present or missing, and installs what is missing',
    )
    .addOption(new Option('--check', 'only report; exit 2 when something is missing'))
    .action((opts: { check?: boolean }) => {
      process.exitCode = doctor({ check: opts.check === true }, (t) => process.stdout.write(t));
    });
}

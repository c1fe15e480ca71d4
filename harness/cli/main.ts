import { Command, CommanderError } from 'commander';
import { register } from 'node:module';
import { errorMessage } from '../core/errors.ts';
import { registerRun } from './commands/run.ts';
import { registerMargin } from './commands/margin.ts';
import { registerClean } from './commands/clean.ts';
import { registerInit } from './commands/init.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerBuild } from './commands/build.ts';
import { registerList } from './commands/list.ts';
import { registerReport } from './commands/report.ts';
import { registerNew } from './commands/new.ts';
import { registerReplay } from './commands/replay.ts';
import { registerExport } from './commands/export.ts';
import { registerJudge } from './commands/judge.ts';
import { registerSoak } from './commands/soak.ts';

// Scenario files are ES modules whatever the user's package.json says (see esm-hooks.mjs).
register('./esm-hooks.mjs', import.meta.url);

/** Exit codes: 0 every expectation held, 1 an expectation failed, 2 harness error (or untrusted run). */

const program = new Command()
  .name('brownout')
  .description('Reproduce backend incidents on a real stack under load, and prove their fixes.')
  .showHelpAfterError()
  // Usage errors are harness errors (exit 2): commander's own exit 1 would read as "expectation failed".
  .exitOverride();

// Each command is its own file (commands/), registered here in the order `brownout --help` lists them.
registerRun(program);
registerMargin(program);
registerClean(program);
registerInit(program);
registerDoctor(program);
registerBuild(program);
registerList(program);
registerReport(program);
registerNew(program);
registerReplay(program);
registerExport(program);
registerJudge(program);
registerSoak(program);

// Every exit is decided: a command that finishes sets its code. Should the process end before that
// (its event loop drained with a promise that never settles, e.g. a scenario's top-level await),
// it exits 2, never 0 by accident, and says so.
process.exitCode = 2;
// An exception nothing caught ends the process with Node's own 1, which would read as "an
// expectation failed": it is a harness error (what the run started is removed by its reaper).
let finished = false;
process.on('uncaughtException', (e) => {
  finished = true; // said here; the line below would only repeat it
  process.stderr.write(`brownout: internal error: ${errorMessage(e)}\n`);
  process.exit(2);
});
process.on('exit', (code) => {
  if (!finished && code === 2)
    process.stderr.write(
      'brownout: the command ended before it finished (nothing was left to wait for: a promise that never settles, such as a top-level await in a scenario or what it imports); exit 2\n',
    );
});

program
  .parseAsync(process.argv)
  .then(() => {
    finished = true;
  })
  .catch((e: unknown) => {
    finished = true;
    if (e instanceof CommanderError) {
      // Commander has printed the message (and the help); --help and --version exit 0.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`${errorMessage(e)}\n`);
    process.exitCode = 2;
  });

#!/usr/bin/env node
// The installed command. It runs the TypeScript CLI in this same process, through tsx's loader
// (scenarios are TypeScript too): a signal sent to this process (`timeout`, a CI job's cancel, a
// supervisor, Ctrl-C) is the run's own, and the exit status is the run's. tsx is resolved from
// this file, never from the current directory: the CLI runs from anywhere in a user's project.
let tsx;
try {
  tsx = import.meta.resolve('tsx');
} catch (e) {
  process.stderr.write(
    `brownout: cannot find tsx, which brownout runs on (${e instanceof Error ? e.message.split('\n')[0] : String(e)})\nfix: reinstall brownout (npm install -D brownout) so that its dependencies are installed with it\n`,
  );
  process.exit(2);
}
// What `node --import tsx` does before a program: register its module hooks.
try {
  await import(tsx);
  await import(new URL('./main.ts', import.meta.url).href);
} catch (e) {
  // A CLI that could not even start is a harness error, never "expectation failed" (Node's own 1).
  process.stderr.write(`brownout: could not start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
}

#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (scenarios are TypeScript too). tsx is resolved from this
// file, never from the current directory: the CLI runs from anywhere in a user's project.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.ts');
let tsx;
try {
  tsx = import.meta.resolve('tsx');
} catch (e) {
  process.stderr.write(
    `brownout: cannot find tsx, which brownout runs on (${e instanceof Error ? e.message.split('\n')[0] : String(e)})\nfix: reinstall brownout (npm install -D brownout) so that its dependencies are installed with it\n`,
  );
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--import', tsx, main, ...process.argv.slice(2)], { stdio: 'inherit' });
// A CLI killed by a signal (or not started) is a harness error, never "expectation failed".
process.exit(r.status ?? 2);

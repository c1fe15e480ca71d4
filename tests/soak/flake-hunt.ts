/**
 * `make flake-hunt`: integration test files run RUNS times each (default 5) on a busy machine, one
 * core kept busy by a CPU burner, one file at a time; every failure's first lines kept. Written to
 * reports/flake-hunt.md and .json. FILES (space-separated) picks the files; default: every
 * integration file that starts processes and fits in a few minutes (the incidents' and containers'
 * files run in every `make test`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const RUNS = Number(process.env['RUNS'] || 5);
const LONG = ['incidents', 'incidents-containers', 'containers', 'slow-transaction', 'replay', 'gate', 'own-project'];
const FILES = process.env['FILES']
  ? process.env['FILES'].split(/\s+/).filter(Boolean)
  : readdirSync('tests/integration')
      .filter((f) => f.endsWith('.test.ts') && !['bad-input.test.ts', 'k8s-export.test.ts'].includes(f) && !LONG.includes(f.replace('.test.ts', '')))
      .map((f) => `tests/integration/${f}`);
const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

interface Outcome {
  file: string;
  run: number;
  passed: number;
  failed: number;
  failures: string[];
  seconds: number;
}

// One core kept busy for the whole hunt. Each file runs in a child awaited (never spawnSync: a
// blocked event loop would hold back SIGINT and SIGTERM until the hunt's end); on either, the
// file's vitest gets the same signal (its runs heal and tear down), then the burner goes.
const burner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
let current: ChildProcess | undefined;
const stop = () => burner.kill('SIGKILL');
process.on('exit', stop);
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    stop();
    if (!current || current.exitCode !== null) process.exit(2);
    current.once('exit', () => process.exit(2));
    current.kill(sig);
  });
const runFile = (args: string[]) =>
  new Promise<number | null>((resolve) => {
    current = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    current.once('exit', (code) => resolve(code));
  });

const outcomes: Outcome[] = [];
const out = 'reports/flake-hunt';
mkdirSync(out, { recursive: true });
for (let run = 1; run <= RUNS; run++) {
  for (const file of FILES) {
    const json = path.join(out, 'last.json');
    rmSync(json, { force: true });
    const t0 = Date.now();
    const code = await runFile([vitest, 'run', file, '--reporter=dot', '--reporter=json', `--outputFile.json=${json}`]);
    let report: { testResults?: { assertionResults: { status: string; fullName: string; failureMessages: string[] }[] }[] } = {};
    try {
      report = JSON.parse(readFileSync(json, 'utf8')) as typeof report;
    } catch {
      // vitest ended before its reporter wrote: the file failed to run at all
    }
    const tests = (report.testResults ?? []).flatMap((r) => r.assertionResults);
    const failed = tests.filter((t) => t.status === 'failed');
    const o: Outcome = {
      file,
      run,
      passed: tests.filter((t) => t.status === 'passed').length,
      // Every test green and vitest still exiting non-zero (an unhandled error: CI fails on it too) counts as one failure.
      failed: failed.length + (tests.length ? 0 : 1) + (tests.length && !failed.length && code !== 0 ? 1 : 0),
      failures: tests.length
        ? [
            ...failed.map((t) => `${t.fullName}: ${(t.failureMessages[0] ?? '').split('\n')[0]}`),
            ...(!failed.length && code !== 0 ? [`vitest exited ${code} with every test passed (an unhandled error: see its output)`] : []),
          ]
        : ['(the file did not run)'],
      seconds: (Date.now() - t0) / 1000,
    };
    outcomes.push(o);
    process.stderr.write(`flake-hunt ${run}/${RUNS} ${file}: ${o.passed} passed, ${o.failed} failed (${o.seconds.toFixed(0)} s)\n`);
    writeFileSync(`${out}.json`, `${JSON.stringify(outcomes, null, 2)}\n`);
  }
}
stop();
const lines = [
  `# Flake hunt: ${RUNS} runs per file, one core kept busy`,
  '',
  '| file | runs | runs with a failure | tests passed | tests failed |',
  '|---|---|---|---|---|',
];
for (const file of FILES) {
  const os = outcomes.filter((o) => o.file === file);
  lines.push(
    `| \`${file}\` | ${os.length} | ${os.filter((o) => o.failed).length} | ${os.reduce((n, o) => n + o.passed, 0)} | ${os.reduce((n, o) => n + o.failed, 0)} |`,
  );
}
const failures = outcomes.flatMap((o) => o.failures.map((f) => `- run ${o.run}, \`${o.file}\`: ${f}`));
lines.push('', failures.length ? '## Failures' : 'No failure.', ...failures, '');
writeFileSync(`${out}.md`, lines.join('\n'));
process.stdout.write(lines.join('\n'));
process.exitCode = outcomes.some((o) => o.failed) ? 1 : 0;

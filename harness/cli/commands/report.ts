import type { Command } from 'commander';
import { HarnessError, type ErrorCode } from '../../core/errors.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderFiles, type RunResult } from '../../report/index.ts';

async function report(dir: string): Promise<number> {
  const file = path.join(dir, 'result.json');
  let json: Partial<RunResult> & { error?: { name?: string; code?: ErrorCode; message?: string; hint?: string }; cleanupFailures?: string[] };
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as typeof json;
    if (typeof json !== 'object' || json === null || (!json.judgement && !json.error)) throw new Error('neither a judgement nor an error in it');
  } catch (e) {
    process.stderr.write(
      `brownout: cannot re-render ${file}: ${(e as Error).message}\nfix: give a run folder written by \`brownout run\` (reports/<run-id>, holding result.json)\n`,
    );
    return 2;
  }
  const { error: err, cleanupFailures = [], ...rest } = json;
  const result = rest.judgement ? (rest as RunResult) : undefined;
  // The stored error keeps what, code and fix; where was in the message shown at the time.
  const error = err
    ? Object.assign(err.code ? new HarnessError(err.code, err.message ?? '', '', err.hint ?? '') : new Error(err.message ?? ''), { name: err.name ?? 'Error' })
    : undefined;
  await renderFiles(dir, result, error, cleanupFailures);
  process.stdout.write(`${['summary.md', 'junit.xml', 'report.html'].map((f) => path.join(dir, f)).join('\n')}\n`);
  return 0;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("re-render a run's summary.md, junit.xml and report.html from its result.json")
    .argument('<run-dir>', 'a run folder: reports/<run-id>')
    .action(async (dir: string) => {
      process.exitCode = await report(dir);
    });
}

import type { Command } from 'commander';
import { errorMessage, ScenarioError } from '../../core/errors.ts';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadScenario } from '../../scenario/index.ts';

/**
 * Where a project keeps its scenarios: the folder of the scenario its package.json's `chaos` script
 * runs (what `brownout init` writes), else chaos/ (init's default), else scenarios/.
 */
function scenarioFolder(cwd: string): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    const file = /\bbrownout\s+run\s+(\S+\.[cm]?[tj]s)\b/.exec(pkg.scripts?.['chaos'] ?? '')?.[1];
    if (file) return path.dirname(file);
  } catch {
    // No package.json, or not JSON: the folders below.
  }
  return existsSync(path.join(cwd, 'chaos')) ? 'chaos' : 'scenarios';
}

/** A k6 load script (by its name, or its imports of k6): never a scenario, never loaded to find out. */
function isLoadScript(file: string, text: string): boolean {
  return /\.k6\.[cm]?[tj]s$/.test(file) || /\bfrom\s+['"]k6(?:\/[^'"]*)?['"]|\brequire\(\s*['"]k6(?:\/[^'"]*)?['"]\s*\)/.test(text);
}

async function list(target: string): Promise<number> {
  let files: string[];
  try {
    files = statSync(target).isDirectory()
      ? readdirSync(target)
          .filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.startsWith('_'))
          .filter((f) => !isLoadScript(f, readFileSync(path.join(target, f), 'utf8')))
          .sort()
          .map((f) => path.join(target, f))
      : [target];
  } catch (e) {
    process.stderr.write(
      `brownout: cannot read ${target}: ${(e as Error).message}\nfix: give a folder of scenario files or one scenario file (with none: the folder of package.json's chaos script's scenario, else chaos/, else scenarios/)\n`,
    );
    return 2;
  }
  let invalid = 0;
  const rows: string[][] = [];
  for (const file of files) {
    const base = path.basename(file).replace(/\.\w+$/, '');
    // Loading runs a file's code: one without a default export cannot be a scenario (a helper
    // beside the scenarios, such as a mock upstream), so it is named and never loaded.
    if (!/\bexport\s+default\b|\bas\s+default\b/.test(readFileSync(file, 'utf8'))) {
      rows.push([base, '-', file, 'not a scenario (no default export): not loaded']);
      continue;
    }
    try {
      // Bounded in time (SCENARIO_LOAD_TIMEOUT_MS), a busy loop included: the row says so and listing goes on.
      const sc = await loadScenario(file);
      rows.push([sc.name, sc.modes.join('|'), file, sc.incident]);
    } catch (e) {
      invalid++;
      const first = e instanceof ScenarioError ? e.problems[0] : undefined;
      const what = first
        ? `${first.field || 'file'}: ${first.message}${e instanceof ScenarioError && e.problems.length > 1 ? ` (+${e.problems.length - 1} more)` : ''}`
        : (errorMessage(e).split('\n')[0] ?? '');
      rows.push([base, '-', file, `INVALID: ${what}; brownout run ${file} shows every problem and its fix`]);
    }
  }
  const width = (i: number) => Math.max(...rows.map((r) => r[i]?.length ?? 0));
  for (const r of rows) process.stdout.write(`${[0, 1, 2].map((i) => (r[i] ?? '').padEnd(width(i))).join('  ')}  ${r[3] ?? ''}\n`);
  if (rows.length === 0) process.stdout.write(`no scenario files in ${target}\n`);
  return invalid ? 2 : 0;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('the scenarios in a folder (or one file), one line each on the incident; exit 2 when one is invalid')
    .argument('[path]', "a folder of scenario files, or one file (default: the folder of package.json's chaos script's scenario, else chaos/, else scenarios/)")
    .action(async (given: string | undefined) => {
      const target = given ?? scenarioFolder(process.cwd());
      if (!given) process.stderr.write(`brownout: scenarios in ${target}/\n`);
      const code = await list(target);
      // A scenario may start something at load time (a mock upstream it imports) that would keep
      // this process alive: listing always ends here, once the output is written.
      process.stdout.write('', () => process.exit(code));
    });
}

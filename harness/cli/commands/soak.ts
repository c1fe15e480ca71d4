import { againIfBusyOption, againIfBusyOf } from '../options.ts';
import { type Command, Option } from 'commander';
import { abortOnSignals } from '../../core/signals.ts';
import { HarnessError } from '../../core/errors.ts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderSoak, summariseSoak, type SoakLine, type SoakRun } from '../../report/index.ts';
import { runScenario, untrustedReason } from '../../run/index.ts';
import { scenarioModes } from '../../scenario/index.ts';

async function soak(files: string[], opts: { runs: number; modes: string[]; reports: string; continue: boolean; againIfBusy: number }): Promise<number> {
  const controller = new AbortController();
  abortOnSignals(controller, { doing: 'stopping this run of the soak and tearing down' });
  const soakFile = path.join(opts.reports, 'soak.json');
  if (opts.continue && !existsSync(soakFile))
    throw new HarnessError(
      'BO_SOAK',
      'there is no soak to continue',
      soakFile,
      'drop --continue to start a soak, or give the --reports folder of the soak to add to',
    );
  const runs: SoakRun[] = opts.continue ? [...(JSON.parse(readFileSync(soakFile, 'utf8')) as { runs: SoakRun[] }).runs] : [];
  // Written after every run: an interrupted or crashed soak keeps what it measured.
  const write = (): { lines: SoakLine[]; md: string } => {
    const lines = summariseSoak(runs);
    const md = renderSoak(lines, {
      date: new Date().toISOString().slice(0, 10),
      machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    });
    mkdirSync(opts.reports, { recursive: true });
    writeFileSync(path.join(opts.reports, 'soak.md'), md);
    writeFileSync(soakFile, `${JSON.stringify({ lines, runs }, null, 2)}\n`);
    return { lines, md };
  };
  for (let i = 1; i <= opts.runs && !controller.signal.aborted; i++) {
    for (const file of files) {
      const offered = await scenarioModes(file);
      for (const mode of opts.modes.filter((m) => offered.includes(m))) {
        if (controller.signal.aborted) break;
        const o = await runScenario({
          scenarioFile: file,
          mode,
          reportsDir: path.join(opts.reports, 'runs'),
          signal: controller.signal,
          againIfBusy: opts.againIfBusy,
        });
        // A run cut short by the soak's own interruption measured nothing: it is not one of the soak's runs.
        if (controller.signal.aborted) break;
        // The runs the machine was too busy to trust before this one (--again-if-busy): counted apart, as untrusted.
        for (const runId of o.busyBefore)
          runs.push({ scenario: o.result?.scenario.name ?? file, mode, exitCode: 2, expectations: [], runId, untrusted: 'machine too busy' });
        const untrusted = untrustedReason(o);
        runs.push({
          scenario: o.result?.scenario.name ?? file,
          mode,
          exitCode: o.exitCode,
          expectations: o.result?.judgement.expectations ?? [],
          ...(o.result ? { runId: o.result.runId } : {}),
          ...(o.error ? { error: o.error.message } : {}),
          ...(untrusted ? { untrusted } : {}),
        });
        write();
        process.stderr.write(`soak ${i}/${opts.runs}: ${file} (${mode}) → exit ${o.exitCode}${o.error ? `: ${o.error.message}` : ''}\n`);
      }
    }
  }
  const { lines, md } = write();
  process.stdout.write(md);
  // An untrusted run withheld its verdict (a busy machine): no harness error, and no verdict to count.
  if (controller.signal.aborted || runs.some((r) => r.exitCode === 2 && !r.untrusted)) return 2;
  return lines.every((l) => l.asExpected) ? 0 : 1;
}

// Every exit is decided: a command that finishes sets its code. Should the process end before that

export function registerSoak(program: Command): void {
  program
    .command('soak')
    .description('run scenarios N times per mode; report pass/fail and the spread of each figure; exit 0 when fixed always passes and broken always fails')
    .argument('<scenarios...>', 'scenario files')
    .addOption(new Option('--runs <n>', 'runs per scenario and mode').default('10'))
    .addOption(new Option('--modes <modes>', 'comma-separated modes (skipped where a scenario lacks one)').default('fixed,broken'))
    .addOption(new Option('--reports <dir>', 'where the soak report goes').default('reports/soak'))
    .addOption(new Option('--continue', 'add to the soak already in --reports (its soak.json): a long soak split over several jobs'))
    .addOption(againIfBusyOption())
    .action(async (files: string[], opts: { runs: string; modes: string; reports: string; continue?: boolean; againIfBusy: string }) => {
      const againIfBusy = againIfBusyOf(opts.againIfBusy);
      if (againIfBusy === undefined) {
        process.exitCode = 2;
        return;
      }
      process.exitCode = await soak(files, {
        runs: Number(opts.runs),
        modes: opts.modes.split(',').filter(Boolean),
        reports: opts.reports,
        continue: opts.continue === true,
        againIfBusy,
      });
    });
}

import { type Command, Option } from 'commander';
import { errorMessage } from '../../core/errors.ts';
import { renderSummary } from '../../report/index.ts';
import { judgeSamples } from '../../run/index.ts';

export function registerJudge(program: Command): void {
  program
    .command('judge')
    .description("judge k6 samples written elsewhere (one JSON results file per runner) against a scenario's baseline and overall expectations, merged")
    .argument('<samples-dir>', 'the folder of k6 JSON results (k6 --out json=FILE), one file per runner')
    .argument('<scenario>', 'the scenario whose expectations apply')
    .addOption(new Option('--reports <dir>', 'where the report goes').default('reports'))
    .action(async (dir: string, file: string, opts: { reports: string }) => {
      const j = await judgeSamples(dir, file, opts.reports);
      if (j.result) process.stdout.write(`\n${renderSummary(j.result)}\n`);
      if (j.skipped.length) process.stdout.write(`Not judged here:\n${j.skipped.map((s) => `- ${s}`).join('\n')}\n`);
      if (j.error) process.stderr.write(`\n${errorMessage(j.error)}\n`);
      if (j.reportDir) process.stderr.write(`brownout: report in ${j.reportDir}\n`);
      process.exitCode = j.exitCode;
    });
}

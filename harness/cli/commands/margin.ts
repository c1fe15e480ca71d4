import { againIfBusyOption, againIfBusyOf } from '../options.ts';
import { type Command, Option } from 'commander';
import { abortOnSignals } from '../../core/signals.ts';
import { errorMessage } from '../../core/errors.ts';
import { findMargin, marginText, runScenario } from '../../run/index.ts';

interface MarginCliOptions {
  fault: string;
  vary: string;
  from?: string;
  to?: string;
  resolution?: string;
  mode?: string;
  judge?: string;
  reports: string;
  baseline?: string;
  saveBaseline?: string;
  stack: 'local' | 'containers';
  againIfBusy: string;
}

async function margin(file: string, opts: MarginCliOptions): Promise<number> {
  const againIfBusy = againIfBusyOf(opts.againIfBusy);
  if (againIfBusy === undefined) return 2;
  const controller = new AbortController();
  const uninstall = abortOnSignals(controller, { doing: 'stopping this probe and tearing down' });
  try {
    const { result, dir } = await findMargin(
      {
        scenarioFile: file,
        ...(opts.mode ? { mode: opts.mode } : {}),
        variation: { fault: opts.fault, field: opts.vary },
        ...(opts.from ? { from: opts.from } : {}),
        ...(opts.to ? { to: opts.to } : {}),
        ...(opts.resolution ? { resolution: opts.resolution } : {}),
        reportsDir: opts.reports,
        run: runScenario,
        ...(opts.judge
          ? {
              judge: opts.judge
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        backend: opts.stack,
        againIfBusy,
        signal: controller.signal,
        onProbe: (p) =>
          process.stderr.write(
            `brownout: probe ${opts.vary} = ${p.value}: ${p.passed ? 'pass' : p.exitCode === 2 ? 'error' : `FAIL (${p.failed.slice(0, 3).join('; ')})`}\n`,
          ),
      },
      { ...(opts.baseline ? { compare: opts.baseline } : {}), ...(opts.saveBaseline ? { save: opts.saveBaseline } : {}) },
    );
    process.stdout.write(`${marginText(result)}\n`);
    if (result.baseline) process.stdout.write(`against ${result.baseline.file}: ${result.baseline.text}\n`);
    process.stderr.write(`brownout: margin report in ${dir}\n`);
    if (controller.signal.aborted) return 2;
    return result.baseline?.regressed ? 1 : 0;
  } catch (e) {
    process.stderr.write(`${errorMessage(e)}\n`);
    return 2;
  } finally {
    uninstall();
  }
}

export function registerMargin(program: Command): void {
  program
    .command('margin')
    .description(
      "find the smallest magnitude of one fault that breaks the scenario's expectations (bisection, each probe a run); exit 0 found, 1 the margin got smaller than the baseline's, 2 harness error",
    )
    .argument('<scenario>', 'a scenario file')
    .requiredOption('--fault <name or index>', 'the timeline entry: its phase name (e.g. album-lock) or its index (0 is the first)')
    .requiredOption('--vary <field>', "what grows: 'for' (how long it stays applied) or a numeric or duration option of the fault (latency, share…)")
    .addOption(new Option('--from <value>', "the search's start (default: a tenth of the scenario's value)"))
    .addOption(new Option('--to <value>', "the search's end (default: four times the scenario's value)"))
    .addOption(new Option('--resolution <value>', 'stop when the failing and holding values are this close (default: the range / 32)'))
    .addOption(new Option('--mode <mode>', "the scenario's mode; default: its first"))
    .addOption(new Option('--judge <phases>', "only these phases' expectations decide a probe, comma-separated (default: every expectation)"))
    .addOption(new Option('--reports <dir>', 'where the margin report and its probes go').default('reports'))
    .addOption(new Option('--baseline <file>', 'compare with a stored margin: breaking at a smaller magnitude fails (exit 1)'))
    .addOption(new Option('--save-baseline <file>', 'store this margin (kept: the others in the file)'))
    .addOption(new Option('--stack <backend>', 'where the stack runs').choices(['local', 'containers']).default('local'))
    .addOption(againIfBusyOption())
    .action(async (file: string, opts: MarginCliOptions) => {
      process.exitCode = await margin(file, opts);
    });
}

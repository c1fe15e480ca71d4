import { Command, CommanderError, Option } from 'commander';
import type { CleanupList } from '../core/cleanup.ts';
import { sweepDeadRuns } from '../core/ledger.ts';
import { abortOnSignals } from '../core/signals.ts';
import { printable } from '../core/text.ts';
import { errorMessage, HarnessError, ReplayError, ScenarioError, type ErrorCode } from '../core/errors.ts';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_MARGINS,
  newBaseline,
  parseMargins,
  readBaseline,
  renderComment,
  renderFiles,
  renderJUnit,
  type Baseline,
  type Margin,
  renderSoak,
  renderSummary,
  summariseSoak,
  type JUnitRun,
  type RunResult,
  type SoakLine,
  type SoakRun,
} from '../report/index.ts';
import { buildImages } from './build.ts';
import { doctor } from './doctor.ts';
import { initProject, type InitOptions } from './init.ts';
import { newScenario } from './new.ts';
import { progressFor } from './progress.ts';

import { bundleLoadScript, k6Version, k8sManifests } from '../load/index.ts';
import { findMargin, judgeSamples, marginText, runScenario, untrustedReason } from '../run/index.ts';
import { findContainerEngine, IMAGE_SETS, noEngineMessage, sweepContainerRuns, type ImageSetName } from '../stack/index.ts';
import { loadScenario, scenarioModes } from '../scenario/index.ts';
import { JSON_FIELD_KEYS, LOG_FORMATS, replay, type LogFormat } from '../replay/index.ts';

// Scenario files are ES modules whatever the user's package.json says (see esm-hooks.mjs).
register('./esm-hooks.mjs', import.meta.url);

/** Exit codes: 0 every expectation held, 1 an expectation failed, 2 harness error (or untrusted run). */

interface RunCliOptions {
  mode?: string;
  reports: string;
  allowHost: string[];
  loopbackOnly?: boolean;
  baseline?: string;
  maxRegression: string;
  saveBaseline?: string;
  runners: string;
  againIfBusy: string;
  stack: string;
  images: ImageSetName;
}

/** `--again-if-busy` (run and margin): how many more runs a starved run may have; undefined after saying what is wrong. */
const againIfBusyOption = () =>
  new Option('--again-if-busy <n>', 'run a scenario again, up to n more times, when the machine was too busy to trust its verdict (exit 2, machine too busy)')
    .env('BROWNOUT_AGAIN_IF_BUSY')
    .default('0');
function againIfBusyOf(text: string): number | undefined {
  const n = Number(text);
  if (Number.isInteger(n) && n >= 0 && n <= 10) return n;
  process.stderr.write(
    `brownout: --again-if-busy ${text} (or BROWNOUT_AGAIN_IF_BUSY): not a whole number from 0 to 10\nfix: give how many more runs a scenario may have when the machine was too busy to trust one, e.g. --again-if-busy 2\n`,
  );
  return undefined;
}

async function run(files: string[], opts: RunCliOptions): Promise<number> {
  if (opts.stack === 'containers') {
    const engine = await findContainerEngine();
    if (!engine.found) {
      process.stderr.write(`${noEngineMessage(engine.reason)}\n`);
      return 2;
    }
    process.stderr.write(`brownout: stack on containers (${engine.description})\n`);
  }
  // The gate's inputs are checked before anything starts: a bad baseline or margin is one clear error.
  let baseline: { data: Baseline; file: string; margins: Margin[] } | undefined;
  let previous: Baseline | undefined;
  try {
    if (opts.baseline) baseline = { data: readBaseline(opts.baseline), file: opts.baseline, margins: parseMargins(opts.maxRegression) };
    // Saving into an existing baseline keeps its other scenarios; an unreadable one is not overwritten.
    if (opts.saveBaseline && existsSync(opts.saveBaseline)) previous = readBaseline(opts.saveBaseline);
  } catch (e) {
    process.stderr.write(`${errorMessage(e)}\n`);
    return 2;
  }
  const runners = Number(opts.runners);
  if (!Number.isInteger(runners) || runners < 1 || runners > 64) {
    process.stderr.write(
      `brownout: --runners ${opts.runners}: not a whole number from 1 to 64\nfix: give how many k6 processes share the load, e.g. --runners 3\n`,
    );
    return 2;
  }
  const againIfBusy = againIfBusyOf(opts.againIfBusy);
  if (againIfBusy === undefined) return 2;
  const controller = new AbortController();
  let cleanup: CleanupList | undefined;
  abortOnSignals(controller, { doing: 'stopping the load, healing faults, tearing down', pending: () => cleanup?.pending() ?? [] });

  let worst = 0;
  const junit: JUnitRun[] = [];
  const progress = progressFor(process.stderr);
  for (const file of files) {
    if (controller.signal.aborted) break;
    const outcome = await runScenario({
      scenarioFile: file,
      ...(opts.mode ? { mode: opts.mode } : {}),
      reportsDir: opts.reports,
      allowHosts: opts.allowHost,
      ...(opts.loopbackOnly ? { loopbackOnly: true } : {}),
      ...(baseline ? { baseline } : {}),
      runners,
      againIfBusy,
      backend: opts.stack === 'containers' ? 'containers' : 'local',
      images: opts.images,
      signal: controller.signal,
      onCleanupList: (list) => {
        cleanup = list;
      },
      onProgress: (line) => {
        // The live block ends with the load: judging and teardown are plain steps.
        if (line === 'judging' || line === 'teardown') progress.done();
        progress.step(line);
      },
      onLive: (s) => progress.live(s),
    });
    progress.done();
    if (outcome.result) process.stdout.write(`\n${renderSummary(outcome.result)}\n`);
    if (outcome.error) process.stderr.write(`\n${errorMessage(outcome.error)}\n`);
    if (outcome.cleanupFailures.length) process.stderr.write(`\nbrownout: could not clean up:\n${outcome.cleanupFailures.map((c) => `  - ${c}`).join('\n')}\n`);
    if (outcome.reportDir) process.stderr.write(`brownout: report in ${outcome.reportDir}\n`);
    if (outcome.busyBefore.length)
      process.stderr.write(
        `brownout: this was run ${outcome.busyBefore.length + 1}; the machine was too busy to trust ${outcome.busyBefore.join(', ')} (reports kept)\n`,
      );
    // Each run's code is decided in one place (exitCodeOf); the invocation exits with the worst.
    worst = Math.max(worst, outcome.exitCode);
    junit.push({ scenarioFile: file, result: outcome.result, error: outcome.error, cleanupFailures: outcome.cleanupFailures });
  }
  // One file for CI to pick up: every scenario of this invocation (each run dir has its own too).
  mkdirSync(opts.reports, { recursive: true });
  writeFileSync(path.join(opts.reports, 'junit.xml'), renderJUnit(junit));
  // For a pull-request comment (e.g. `gh pr comment --body-file reports/comment.md`).
  writeFileSync(path.join(opts.reports, 'comment.md'), renderComment(junit));
  if (opts.saveBaseline && !controller.signal.aborted) {
    // An untrusted or broken-off run is no reference to compare with.
    const usable = junit.flatMap((j) => (j.result && !j.error && j.result.verdict !== 'untrusted' ? [j.result] : []));
    const skipped = junit.filter((j) => !usable.includes(j.result as RunResult)).map((j) => j.scenarioFile);
    if (usable.length) {
      mkdirSync(path.dirname(path.resolve(opts.saveBaseline)), { recursive: true });
      writeFileSync(opts.saveBaseline, `${JSON.stringify(newBaseline(usable, previous), null, 2)}\n`);
      process.stderr.write(`brownout: baseline of ${usable.map((r) => `${r.scenario.name} (${r.scenario.mode})`).join(', ')} saved to ${opts.saveBaseline}\n`);
    }
    if (skipped.length) process.stderr.write(`brownout: not saved to the baseline (harness error or untrusted run): ${skipped.join(', ')}\n`);
  }
  if (controller.signal.aborted) worst = 2;
  return worst;
}

const program = new Command()
  .name('brownout')
  .description('Reproduce backend incidents on a real stack under load, and prove their fixes.')
  .showHelpAfterError()
  // Usage errors are harness errors (exit 2): commander's own exit 1 would read as "expectation failed".
  .exitOverride();

program
  .command('run')
  .description('run scenario files; exit 0 pass, 1 expectation failed, 2 harness error')
  .argument('<scenarios...>', 'scenario files (scenarios/*.ts)')
  .addOption(new Option('--mode <mode>', "the scenario's mode (e.g. broken or fixed); default: its first"))
  .addOption(new Option('--reports <dir>', 'where run reports go').default('reports'))
  .addOption(new Option('--allow-host <host...>', 'a non-loopback host load may be sent to (repeatable)').default([]))
  .addOption(new Option('--loopback-only', 'a part of the stack listening beyond 127.0.0.1 ends the run (exit 2) instead of a warning'))
  .addOption(new Option('--baseline <file>', 'compare with a stored baseline: worse beyond a margin fails the run (exit 1)'))
  .addOption(
    new Option('--max-regression <margins>', 'how much worse each figure may get than the baseline; a figure given twice must exceed both').default(
      DEFAULT_MARGINS,
    ),
  )
  .addOption(
    new Option('--stack <backend>', 'where the stack runs: local processes, or containers (needs a Docker engine)')
      .choices(['local', 'containers'])
      .default('local'),
  )
  .addOption(
    new Option(
      '--images <set>',
      'with --stack containers: images built here by make setup-containers (local), or the official ones from their registries (upstream)',
    )
      .choices(Object.keys(IMAGE_SETS))
      .default('local'),
  )
  .addOption(new Option('--runners <n>', 'k6 processes sharing the load, each its execution segment; figures are judged on the merged samples').default('1'))
  .addOption(againIfBusyOption())
  .addOption(new Option('--save-baseline <file>', "store this run's figures as the baseline (kept: other scenarios already in the file)"))
  .action(async (files: string[], opts: RunCliOptions) => {
    process.exitCode = await run(files, opts);
  });

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

program
  .command('clean')
  .description(
    'remove what brownout runs that ended without teardown (killed outright) left: processes, temp dirs, containers and networks; --all: the containers of every run',
  )
  .option('--all', "every brownout run's, also of runs still going")
  .action(async (opts: { all?: boolean }) => {
    process.exitCode = await clean(opts.all === true);
  });

async function clean(all: boolean): Promise<number> {
  // Local runs: the processes and temp dirs of runs whose harness is gone (core/ledger.ts).
  const local = await sweepDeadRuns();
  const engine = await findContainerEngine();
  const lines: string[] = [];
  if (engine.found) {
    const removed = await sweepContainerRuns({ all });
    const runs = [...new Set([...removed.containers, ...removed.networks].map((x) => x.run))];
    if (runs.length)
      lines.push(`removed ${removed.containers.length} containers and ${removed.networks.length} networks of ${runs.length} runs: ${runs.join(', ')}`);
  } else process.stderr.write(`brownout: containers not looked for: ${noEngineMessage(engine.reason).split('\n')[0]}\n`);
  lines.push(...local.map((l) => `removed ${l}`));
  process.stdout.write(`${printable(lines.length ? lines.join('\n') : 'nothing to remove')}\n`);
  return 0;
}

program
  .command('init')
  .description('write a chaos folder into this project (a scenario and load script for your service) and a chaos script in package.json; never overwrites')
  .addOption(new Option('--dir <folder>', 'the folder to write').default('chaos'))
  .addOption(
    new Option(
      '--command <command>',
      'the command that starts your service, split on spaces (default: npm start when package.json has a start script); ${PORT} is the port it should listen on',
    ),
  )
  .addOption(new Option('--health <path>', 'the path your service answers 200 on when ready').default('/health'))
  .addOption(new Option('--port <port>', 'a fixed port, for a service that cannot take $PORT'))
  .addOption(new Option('--database <kind>', 'a database the service depends on').choices(['none', 'mariadb']).default('none'))
  .addOption(new Option('--schema <file>', 'with --database mariadb: a SQL schema run at start'))
  .addOption(new Option('--compose <file>', "your docker-compose.yml: the scenario's stack is read from it (on --stack containers)"))
  .action((opts: InitOptions) => {
    process.exitCode = initProject(
      process.cwd(),
      opts,
      (l) => process.stdout.write(`${l}\n`),
      (l) => process.stderr.write(`${l}\n`),
    );
  });

program
  .command('doctor')
  .description(
    'what a run needs (Node, k6, the Toxiproxy server, MariaDB, HAProxy, Redis; Docker for containers): present or missing, and installs what is missing',
  )
  .addOption(new Option('--check', 'only report; exit 2 when something is missing'))
  .action((opts: { check?: boolean }) => {
    process.exitCode = doctor({ check: opts.check === true }, (t) => process.stdout.write(t));
  });

program
  .command('build')
  .description("build the images the scenarios' services declare (build: { context, dockerfile }), as a run on --stack containers would: before the first run")
  .argument('<scenarios...>', 'scenario files')
  .addOption(new Option('--images <set>', 'the image set whose NODE_IMAGE the builds get').choices(Object.keys(IMAGE_SETS)).default('local'))
  .action(async (files: string[], opts: { images: ImageSetName }) => {
    process.exitCode = await buildImages(files, opts.images, (l) => process.stdout.write(`${printable(l)}\n`));
  });

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

program
  .command('report')
  .description("re-render a run's summary.md, junit.xml and report.html from its result.json")
  .argument('<run-dir>', 'a run folder: reports/<run-id>')
  .action(async (dir: string) => {
    process.exitCode = await report(dir);
  });

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

program
  .command('new')
  .description('write a commented scenario (and its load script) to fill in from an incident write-up')
  .argument('<name>', 'the scenario name: lower case words joined by -, e.g. checkout-timeout')
  .addOption(new Option('--dir <dir>', 'the scenarios folder').default('scenarios'))
  .action((name: string, opts: { dir: string }) => {
    process.exitCode = newScenario(name, opts.dir);
  });

program
  .command('replay')
  .description("turn an incident's access log into a scenario that replays its arrivals per endpoint, and its k6 load script")
  .requiredOption('--log <file>', 'the access log of the incident window')
  .addOption(new Option('--format <format>', 'the log format').choices([...LOG_FORMATS]).makeOptionMandatory())
  .requiredOption('--out <file>', 'the scenario to write, e.g. scenarios/upload-outage.ts (the load script goes to scenarios/load/NAME.k6.ts)')
  .option('--stack-of <scenario>', 'replay against the stack of this scenario (its parts, modes and load target)')
  .option('--target-url <url>', 'or: replay against a service already running on loopback')
  .option('--from <time>', "start of the window: ISO time, or HH:MM:SS on the log's first day (no zone = UTC)")
  .option('--to <time>', 'end of the window (exclusive)')
  .addOption(new Option('--speed <n>', 'log seconds per replay second (10: an hour in six minutes)').default('1'))
  .option('--map <fields>', `jsonl: which field holds what, e.g. time=ts,path=req.url,status=res.status (keys: ${JSON_FIELD_KEYS.join(', ')})`)
  .addOption(
    new Option('--duration-unit <unit>', 'jsonl: unit of the duration field (default: s for request_time and *_s fields, else ms)').choices(['ms', 's']),
  )
  .addOption(new Option('--time-at <when>', "jsonl: the line's time is the request's arrival or its response").choices(['start', 'end']).default('start'))
  .option('--force', 'overwrite the scenario and load script if they exist')
  .action(async (opts: ReplayCliOptions) => {
    process.exitCode = await replayCommand(opts);
  });

interface ReplayCliOptions {
  log: string;
  format: LogFormat;
  out: string;
  stackOf?: string;
  targetUrl?: string;
  from?: string;
  to?: string;
  speed: string;
  map?: string;
  durationUnit?: 'ms' | 's';
  timeAt: 'start' | 'end';
  force?: boolean;
}

async function replayCommand(opts: ReplayCliOptions): Promise<number> {
  try {
    const map: Partial<Record<(typeof JSON_FIELD_KEYS)[number], string>> = {};
    for (const pair of (opts.map ?? '').split(',').filter(Boolean)) {
      const [k, v] = pair.split('=');
      if (!k || !v || !(JSON_FIELD_KEYS as readonly string[]).includes(k)) {
        throw new ReplayError(
          `--map ${opts.map}: cannot read '${pair}'`,
          '--map',
          `write key=field pairs with keys ${JSON_FIELD_KEYS.join(', ')}, e.g. --map time=ts,path=req.url`,
        );
      }
      map[k as (typeof JSON_FIELD_KEYS)[number]] = v;
    }
    const w = await replay({
      log: opts.log,
      format: opts.format,
      out: opts.out,
      speed: Number(opts.speed),
      map,
      timeAt: opts.timeAt,
      ...(opts.durationUnit ? { durationUnit: opts.durationUnit } : {}),
      ...(opts.stackOf ? { stackOf: opts.stackOf } : {}),
      ...(opts.targetUrl ? { targetUrl: opts.targetUrl } : {}),
      ...(opts.from ? { from: opts.from } : {}),
      ...(opts.to ? { to: opts.to } : {}),
      ...(opts.force ? { force: true } : {}),
    });
    const p = w.profile;
    const out = [`${w.scenarioFile}`, `${w.loadFile}`, ''];
    out.push(
      `${opts.log}: ${w.lines} lines, ${p.endpoints.reduce((n, e) => n + e.count, 0)} requests in the window${p.outside ? ` (${p.outside} outside it)` : ''}, ${w.unparsed} line${w.unparsed === 1 ? '' : 's'} not parsed; ${p.seconds} s of load at ${p.speed}× speed.`,
    );
    for (const u of w.firstUnparsed) out.push(`  not parsed: line ${u.line}: ${u.text} (${u.why})`);
    for (const e of p.endpoints) out.push(`  ${e.key}: ${e.count} requests, at most ${Math.max(...e.perSecond)}/s`);
    for (const b of p.bursts) out.push(`  5xx burst: ${b.fromS} s – ${b.toS} s of the replay, ${b.errors} of ${b.requests} requests`);
    out.push(`next: fill in the TODOs (the faults of the write-up, request bodies), then: npx brownout run ${w.scenarioFile}`);
    // The log's own text (paths, unparsed lines) is in it: no control character reaches the terminal.
    process.stdout.write(`${printable(out.join('\n'))}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${errorMessage(e)}\n`);
    return 2;
  }
}

const exporter = program.command('export').description('write what runs the load elsewhere');
exporter
  .command('k8s')
  .description('k6-operator manifests: the bundled load script as a ConfigMap, a TestRun with N runners, a volume for their samples')
  .argument('<scenario>', 'a scenario file')
  .requiredOption('--target-url <url>', 'where the load goes in the cluster (faults are not exported)')
  .addOption(new Option('--parallelism <n>', 'k6 runners (each its execution segment)').default('4'))
  .addOption(new Option('--out <dir>', 'where the manifests go').default('k8s'))
  .addOption(new Option('--mode <mode>', "the scenario's mode"))
  .addOption(new Option('--image <image>', 'the k6 runner image; default: grafana/k6 at the k6 version brownout runs'))
  .addOption(new Option('--namespace <ns>', 'the namespace of every resource'))
  .action(async (file: string, opts: { targetUrl: string; parallelism: string; out: string; mode?: string; image?: string; namespace?: string }) => {
    process.exitCode = await exportK8s(file, opts);
  });

async function exportK8s(
  file: string,
  opts: { targetUrl: string; parallelism: string; out: string; mode?: string; image?: string; namespace?: string },
): Promise<number> {
  const n = Number(opts.parallelism);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    process.stderr.write(
      `brownout export k8s: --parallelism ${opts.parallelism}: not a whole number from 1 to 1000\nfix: give how many k6 runners, e.g. --parallelism 4\n`,
    );
    return 2;
  }
  if (!/^https?:\/\/[^\s/]+/.test(opts.targetUrl)) {
    process.stderr.write(
      `brownout export k8s: --target-url ${opts.targetUrl}: not an http(s) URL\nfix: give the URL the runners send load to, e.g. http://photos.staging.svc:8080\n`,
    );
    return 2;
  }
  const sc = await loadScenario(file, opts.mode ? { mode: opts.mode } : {});
  const bundle = await bundleLoadScript(sc.load.scriptPath);
  const image = opts.image ?? `grafana/k6:${(await k6Version()).replace(/^v/, '')}`;
  const files = k8sManifests({
    name: sc.name,
    bundle,
    parallelism: n,
    targetUrl: opts.targetUrl,
    rate: sc.load.rate,
    durationMs: sc.load.durationMs,
    requestTimeoutMs: sc.load.requestTimeoutMs,
    preAllocatedVUs: sc.load.preAllocatedVUs,
    maxVUs: sc.load.maxVUs,
    ...(sc.load.arrivals ? { arrivals: sc.load.arrivals } : {}),
    ...(sc.load.shed ? { shed: sc.load.shed } : {}),
    image,
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
  });
  mkdirSync(opts.out, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(opts.out, name), text);
  process.stdout.write(
    `${Object.keys(files)
      .map((f) => path.join(opts.out, f))
      .join('\n')}\n`,
  );
  return 0;
}

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

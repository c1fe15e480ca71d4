import { type Command, Option } from 'commander';
import { printable } from '../../core/text.ts';
import { errorMessage, ReplayError } from '../../core/errors.ts';
import { JSON_FIELD_KEYS, LOG_FORMATS, replay, type LogFormat } from '../../replay/index.ts';

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

export function registerReplay(program: Command): void {
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
}

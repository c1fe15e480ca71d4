// `brownout replay`: an incident's access log → a scenario that replays its arrivals, and its k6 script.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brownoutImport, HARNESS_INDEX, importPath } from '../core/paths.ts';
import { ReplayError } from '../core/errors.ts';
import { loadScenario } from '../scenario/index.ts';
import { profileOf, type ReplayProfile } from './profile.ts';
import { readLog, type ReadOptions } from './read.ts';
import { loadScriptText, scenarioText } from './write.ts';

export { LOG_FORMATS, JSON_FIELD_KEYS, parseHaproxy, parseNginx, parseJsonLine, resolveJsonMap, type LogFormat, type LogRequest } from './parse.ts';
export { routeOf, profileOf, type ReplayProfile, type EndpointProfile } from './profile.ts';
export { readLog, parseWhen } from './read.ts';

export interface ReplayOptions extends ReadOptions {
  log: string;
  /** Log seconds per replay second: 10 plays an hour in six minutes. */
  speed: number;
  /** scenarios/NAME.ts; the load script goes to scenarios/load/NAME.k6.ts. */
  out: string;
  /** A scenario whose stack (and modes, and load target) the replay uses. */
  stackOf?: string;
  /** Or: a service already running (loopback). */
  targetUrl?: string;
  force?: boolean;
}

export interface ReplayWritten {
  scenarioFile: string;
  loadFile: string;
  profile: ReplayProfile;
  lines: number;
  unparsed: number;
  firstUnparsed: { line: number; text: string; why: string }[];
}

export async function replay(o: ReplayOptions): Promise<ReplayWritten> {
  if (!(o.speed > 0) || !Number.isFinite(o.speed))
    throw new ReplayError(
      `--speed ${o.speed} is not a positive number`,
      '--speed',
      'give log seconds per replay second, e.g. --speed 10 (an hour in six minutes); 1 replays in real time',
    );
  if (!o.out.endsWith('.ts'))
    throw new ReplayError(`--out ${o.out} is not a .ts file`, '--out', 'give the scenario file to write, e.g. --out scenarios/upload-outage.ts');
  const name = path.basename(o.out, '.ts');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
    throw new ReplayError(
      `'${name}' is not a scenario name`,
      `--out ${o.out}`,
      'name the file in lower case words joined by -, e.g. scenarios/upload-outage.ts',
    );
  if (!o.stackOf === !o.targetUrl)
    throw new ReplayError(
      'the replay needs a stack to send the load to',
      '--stack-of / --target-url',
      'give --stack-of scenarios/X.ts (replay against the stack that scenario starts) or --target-url http://127.0.0.1:PORT (a service already running)',
    );
  const loadFile = path.join(path.dirname(o.out), 'load', `${name}.k6.ts`);
  const taken = [o.out, loadFile].filter((f) => existsSync(f));
  if (taken.length && !o.force)
    throw new ReplayError(
      `${taken.join(' and ')} already exist${taken.length === 1 ? 's' : ''}`,
      `--out ${o.out}`,
      'pick another name, or add --force to overwrite',
    );

  // The stack's scenario is checked first: a replay into a broken scenario is no use.
  let stack: { from: string; target: string } | { url: string };
  if (o.stackOf) {
    const base = await loadScenario(o.stackOf);
    stack = { from: importPath(o.out, o.stackOf), target: base.load.target };
  } else {
    const url = o.targetUrl ?? '';
    if (!/^https?:\/\/[^\s/]+/.test(url))
      throw new ReplayError(`--target-url ${url} is not an http(s) URL`, '--target-url', 'give the running service, e.g. --target-url http://127.0.0.1:8080');
    stack = { url: url.replace(/\/$/, '') };
  }

  const read = await readLog(o.log, o);
  const firstArrival = read.firstArrivalMs;
  const fromMs = read.fromMs;
  const toMs = read.toMs;
  const profile = profileOf(read.requests, { speed: o.speed, ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) });
  profile.outside += read.outside;
  if (profile.endpoints.length === 0) {
    throw new ReplayError(
      `no request of ${o.log} falls in the window`,
      `--from ${o.from ?? '(first request)'} --to ${o.to ?? '(last request)'}`,
      `the log runs from ${new Date(firstArrival).toISOString()}; widen the window`,
    );
  }
  const input = {
    name,
    profile,
    log: { file: o.log, format: o.format, lines: read.lines, parsed: read.requests.length, unparsed: read.unparsed },
    harnessImport: brownoutImport(o.out, HARNESS_INDEX),
    // From the scenario's folder, as every path in a scenario.
    loadScript: importPath(o.out, loadFile),
    stack,
  };
  mkdirSync(path.dirname(loadFile), { recursive: true });
  writeFileSync(o.out, scenarioText(input));
  writeFileSync(loadFile, loadScriptText(input));
  return { scenarioFile: o.out, loadFile, profile, lines: read.lines, unparsed: read.unparsed, firstUnparsed: read.firstUnparsed };
}

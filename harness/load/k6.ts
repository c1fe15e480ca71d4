import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { LoadError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import { ManagedProcess } from '../core/process.ts';
import { freePort, waitUntil } from '../core/ports.ts';
import { INSTALL_TOOLS_FIX, toolPath } from '../core/tools.ts';

const log = debug('load:k6');
export const K6_BIN = toolPath('k6');

export interface K6Options {
  bundlePath: string;
  dir: string;
  baseUrl: string;
  rate: number;
  durationMs: number;
  requestTimeoutMs: number;
  preAllocatedVUs: number;
  maxVUs: number;
  /** Arrivals per second per group, each a k6 scenario of its own; instead of the constant rate. */
  arrivals?: readonly LoadArrivals[];
  /** The constant rate stepped down to `rate` from fromMs to toMs (load.shed). */
  shed?: LoadShedStep;
  env?: Readonly<Record<string, string>>;
  /** This runner's share of the test when the load is split across k6 processes (--runners). */
  segment?: { index: number; of: number };
}

/** k6's exit code after its test was stopped through the REST API (end()): measured, k6 v2.2.0 ("test run stopped from REST API"). */
export const K6_STOPPED = 103;

export interface K6Run {
  readonly process: ManagedProcess;
  readonly resultsFile: string;
  readonly summaryFile: string;
  /** The loopback port of k6's REST API. */
  readonly apiPort: number;
  /** Starts the load; returns the wall-clock ms of t = 0. */
  resume(): Promise<number>;
  /** Ends the load early (a stop condition held): k6 stops its VUs, writes its results, exits. */
  end(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * k6's own way to split one test: runner i of n takes the segment i/n:(i+1)/n of the sequence
 * 0,1/n,...,1 (the k6-operator passes the same flags to its runners). k6 divides the arrival rate and
 * the VUs between the segments, so n runners together send what one would.
 */
export function segmentArgs(index: number, of: number): string[] {
  const frac = (i: number) => (i === 0 ? '0' : i === of ? '1' : `${i}/${of}`);
  return [
    '--execution-segment',
    `${frac(index)}:${frac(index + 1)}`,
    '--execution-segment-sequence',
    Array.from({ length: of + 1 }, (_, i) => frac(i)).join(','),
  ];
}

export interface LoadArrivals {
  /** The script's export this group calls; also the k6 scenario's name. */
  exec: string;
  perSecond: readonly number[];
  preAllocatedVUs: number;
  maxVUs: number;
}

export interface LoadShedStep {
  fromMs: number;
  toMs: number;
  rate: number;
}

/**
 * Arrivals per second as ramping-arrival-rate stages: a 0 s stage jumps to the second's rate and a
 * 1 s stage holds it (k6 ramps linearly within a stage; a step keeps each second's count its own).
 * Runs of equal seconds share one hold.
 */
export function arrivalStages(perSecond: readonly number[]): { duration: string; target: number }[] {
  const stages: { duration: string; target: number }[] = [];
  for (let s = 0; s < perSecond.length; ) {
    const rate = perSecond[s] ?? 0;
    let n = 1;
    while (perSecond[s + n] === rate) n++;
    stages.push({ duration: '0s', target: rate }, { duration: `${n}s`, target: rate });
    s += n;
  }
  return stages;
}

/** The open-model executors: arrivals do not wait for slow responses, so slowness cannot hide load. */
export function k6Config(
  o: Pick<K6Options, 'rate' | 'durationMs' | 'requestTimeoutMs' | 'preAllocatedVUs' | 'maxVUs' | 'arrivals' | 'shed'>,
): Record<string, unknown> {
  // Requests still in flight at the end may finish (they are bounded by the request timeout).
  const gracefulStop = `${o.requestTimeoutMs + 1000}ms`;
  const scenarios = o.shed
    ? {
        // The same open model, stepped: a 0 s stage jumps to a rate, the next holds it.
        load: {
          executor: 'ramping-arrival-rate',
          startRate: o.rate,
          timeUnit: '1s',
          stages: [
            { duration: `${o.shed.fromMs}ms`, target: o.rate },
            { duration: '0s', target: o.shed.rate },
            { duration: `${o.shed.toMs - o.shed.fromMs}ms`, target: o.shed.rate },
            { duration: '0s', target: o.rate },
            { duration: `${o.durationMs - o.shed.toMs}ms`, target: o.rate },
          ],
          preAllocatedVUs: o.preAllocatedVUs,
          maxVUs: o.maxVUs,
          gracefulStop,
        },
      }
    : o.arrivals
      ? Object.fromEntries(
          o.arrivals.map((a) => [
            a.exec,
            {
              executor: 'ramping-arrival-rate',
              exec: a.exec,
              startRate: 0,
              timeUnit: '1s',
              stages: arrivalStages(a.perSecond),
              preAllocatedVUs: a.preAllocatedVUs,
              maxVUs: a.maxVUs,
              gracefulStop,
            },
          ]),
        )
      : {
          load: {
            executor: 'constant-arrival-rate',
            rate: o.rate,
            timeUnit: '1s',
            duration: `${o.durationMs}ms`,
            preAllocatedVUs: o.preAllocatedVUs,
            maxVUs: o.maxVUs,
            gracefulStop,
          },
        };
  return { scenarios, summaryTrendStats: ['count', 'min', 'med', 'avg', 'p(95)', 'p(99)', 'max'] };
}

export async function k6Version(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(K6_BIN, ['version']);
    return /k6 (v\S+)/.exec(stdout)?.[1] ?? stdout.trim();
  } catch (e) {
    throw new LoadError('k6 is not installed', K6_BIN, INSTALL_TOOLS_FIX, e);
  }
}

/**
 * Starts k6 paused (VUs initialised, no request sent) with its REST API on a loopback port; resume()
 * starts the load, so the fault timeline and the load share one t = 0.
 */
export async function startK6(o: K6Options): Promise<K6Run> {
  const configFile = path.join(o.dir, 'k6-config.json');
  writeFileSync(configFile, JSON.stringify(k6Config(o), null, 2));
  // One runner keeps the plain names; runners of a split test are numbered.
  const suffix = o.segment && o.segment.of > 1 ? `-${o.segment.index}` : '';
  const resultsFile = path.join(o.dir, `k6-results${suffix}.json`);
  const summaryFile = path.join(o.dir, `k6-summary${suffix}.json`);
  const apiPort = await freePort();
  // The harness's own values last: load.env cannot move the target (the scenario check says so too).
  const env = { ...o.env, BASE_URL: o.baseUrl, REQUEST_TIMEOUT: `${o.requestTimeoutMs}ms` };
  const args = [
    'run',
    '--paused',
    '--address',
    `127.0.0.1:${apiPort}`,
    '--config',
    configFile,
    '--out',
    `json=${resultsFile}`,
    '--summary-export',
    summaryFile,
    '--no-usage-report',
    '--no-color',
    '--quiet',
    ...(o.segment && o.segment.of > 1 ? segmentArgs(o.segment.index, o.segment.of) : []),
    o.bundlePath,
  ];
  // load.env reaches __ENV through k6's environment (k6 reads it), never its command line, which
  // every local user can read in /proc and which an error shows.
  const proc = new ManagedProcess({
    name: `k6${suffix}`,
    command: K6_BIN,
    args,
    env: { ...env, K6_NO_USAGE_REPORT: 'true' },
    logFile: path.join(o.dir, `k6${suffix}.log`),
  });
  const api = `http://127.0.0.1:${apiPort}/v1/status`;
  const ready = await waitUntil(async () => (await fetch(api, { signal: AbortSignal.timeout(1000) })).ok, {
    timeoutMs: 30_000,
    intervalMs: 50,
    abort: () => (proc.hasExited ? proc.exitDescription : undefined),
  });
  if (!ready) {
    await proc.stop();
    throw new LoadError(
      `k6 did not start (${proc.hasExited ? proc.exitDescription : 'no REST API after 30 s'})`,
      `${proc.commandLine()}\nlast log lines:\n${proc.tail()}`,
      'fix the load script error shown (k6 evaluates it at start)',
    );
  }
  log(`k6 ready (paused), API ${api}`);
  return {
    process: proc,
    resultsFile,
    summaryFile,
    apiPort,
    resume: async () => {
      const r = await fetch(api, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } }),
      });
      const t0 = Date.now();
      if (!r.ok) throw new LoadError(`k6 did not resume: ${r.status} ${await r.text()}`, api, 'this is a k6 REST API change; check the k6 version');
      return t0;
    },
    end: async () => {
      // k6's REST API stops the test as its end would: VUs stop, the outputs are flushed, k6 exits.
      const r = await fetch(api, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ data: { type: 'status', id: 'default', attributes: { stopped: true } } }),
      }).catch(() => undefined);
      if (!r?.ok) await proc.stop(5000);
    },
    stop: () => proc.stop(5000),
  };
}

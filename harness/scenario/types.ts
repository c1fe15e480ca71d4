/**
 * The scenario DSL as a user writes it. Stack parts and faults are plain data, validated once
 * (validate.ts) into a ResolvedScenario before anything starts.
 */

// The stack parts and the faults: each kind's documented type lives with its kind (the DSL re-exports them).
import type { StackPart } from '../stack/public.ts';

import type { Fault } from '../faults/public.ts';

export interface TimelineEntry {
  /** When the fault is applied, from the start of the load. */
  at: string;
  /** How long it stays applied before it is healed; not given for instant faults (kill, restart). */
  for?: string;
  fault: Fault;
  /**
   * The entry's own phase, usable as a key of `expect` (e.g. 'album-lock': [...]): the requests in
   * flight while this fault was in place. Default: the fault's type ('lockWait'), numbered when
   * the timeline has several of it ('latency-1', 'latency-2').
   */
  name?: string;
}

export interface LoadProfile {
  /** A k6 load script in TypeScript (or JS), bundled with esbuild. */
  script: string;
  /**
   * The part the load is sent to, or the URL of a service the harness did not start (its host must
   * be loopback, or allowed with --allow-host). The script reads it from __ENV.BASE_URL.
   */
  target: string;
  /** Requests (iterations) per second, open model (constant-arrival-rate). Not given with `arrivals`. */
  rate?: number;
  /** How long the load runs. With `arrivals`, their length (one number per second) is the duration. */
  duration?: string;
  /**
   * Instead of one constant rate: arrivals second by second, per request group (open model). Each
   * group is a k6 scenario (ramping-arrival-rate) that calls the load script's export of that name,
   * e.g. `{ get_photos_id: [12, 14, 9], post_photos: [3, 0, 5] }`. `brownout replay` writes these
   * from an access log.
   */
  arrivals?: Readonly<Record<string, readonly number[]>>;
  /**
   * A load step after the last heal, to tell a slow recovery from a metastable one: `{ after: '8s',
   * to: '25%', for: '10s' }` sheds the constant rate to 25% from 8 s after the last heal for 10 s,
   * then brings it back. Recovery is then judged as recovered at load (before the shed), recovered
   * only after the load was shed, or never; `recovery < 2s` passes only at load.
   */
  shed?: LoadShed;
  /** Per-request timeout the script should use (__ENV.REQUEST_TIMEOUT). Default '10s'. */
  requestTimeout?: string;
  /**
   * The load's first stretch, sent but judged in no phase: a service's cold start (a JIT compiling,
   * pools connecting, caches filling) is not its baseline. A request that starts in it is in no
   * figure (baseline, overall, the HTML's tables); a write acknowledged in it is still checked for
   * loss. Must end before the first fault. Not for a scenario whose incident is the cold start.
   * Default none.
   */
  warmUp?: string;
  /**
   * VUs allocated before the start. Default rate × 4 (4 s of responses; at most maxVUs, at most
   * 2000): k6 drops arrivals while it starts VUs mid-run, so a target that slows down must find them
   * ready. About 110 KB each.
   */
  preAllocatedVUs?: number;
  /**
   * Upper bound of VUs: requests in flight at once. Default rate × (request timeout in s + 1), enough
   * for every request to run into the timeout (with arrivals: per group, from its busiest second).
   */
  maxVUs?: number;
  /**
   * Values for the load script, read there as __ENV.NAME (e.g. a token, a base path). The harness
   * adds BASE_URL (the target) and REQUEST_TIMEOUT; these cannot be overridden here.
   */
  env?: Readonly<Record<string, string>>;
}

export interface LoadShed {
  /** From the last heal (the end of the timeline's last `for`, or its last instant fault). */
  after: string;
  /** The share of the rate sent while shed, e.g. '25%'. */
  to: string;
  /** How long the load stays shed before it comes back to the full rate. */
  for: string;
}

export interface Expectations {
  /** A timeline entry's own phase, by its name: `'album-lock': ['rate(503){name:upload} < 5%']`. */
  [faultPhase: string]: readonly string[] | string | undefined;
  /** Before the first fault. e.g. ['p95{name:upload} < 200ms', 'rate(5xx) == 0'] */
  baseline?: readonly string[];
  /** While any fault is active. */
  fault?: readonly string[];
  /** Between two faults (none active, more to come). */
  between?: readonly string[];
  /** After the last heal. 'recovery < 3s' is measured here. */
  recovery?: readonly string[];
  /** Over the whole run, e.g. ['rate(failed) < 1%', 'lost_writes == 0']. */
  overall?: readonly string[];
  /** What every 100 ms window must meet to count as recovered. Default: the baseline list. */
  steadyState?: readonly string[];
  /** How long the steady state must hold to count as recovered. Default '2s'. */
  stableFor?: string;
}

/**
 * The lost-write check: every write the load acknowledged (harness/load/k6/acknowledge.ts) is
 * looked up after the run as `SELECT key FROM table WHERE key IN (...)`.
 */
export interface WriteCheck {
  /** The mariadb part holding the writes. */
  db: string;
  table: string;
  /** The column the acknowledged ids are in. Default 'id'. */
  key?: string;
  /**
   * The column the service stores each write's key in (the key the load script made with writeKey()
   * and sent, e.g. as an Idempotency-Key header). With it every keyed write is classed: ok, lost,
   * committed after a failure, failed, duplicated.
   */
  attemptKey?: string;
}

export interface StackContext {
  /** The --mode given on the command line (or the scenario's first mode). */
  mode: string;
}

export interface ScenarioDefinition {
  name: string;
  /** One line on the incident this reproduces. */
  incident: string;
  /** Allowed values of --mode; the first is the default. Default ['default']. */
  modes?: readonly string[];
  stack: (ctx: StackContext) => Readonly<Record<string, StackPart>>;
  load: LoadProfile;
  timeline: readonly TimelineEntry[];
  expect: Expectations;
  /**
   * Stop conditions: when one holds, the load stops, every fault is healed and the run fails
   * (exit 1, "aborted at +Ns: …"), its report covering what ran. Each is an expectation of the
   * requests and the window it is judged over: `'rate(5xx) > 50% for 10s'`, `'p95 > 3s for 5s'`.
   */
  abortWhen?: readonly string[];
  writes?: WriteCheck;
  /** The access log a replayed scenario was made from (written by `brownout replay`). */
  replayOf?: ReplaySource;
}

/** What `brownout replay` read; the HTML report draws the log's curves over the run's. */
export interface ReplaySource {
  log: string;
  format: 'haproxy' | 'nginx' | 'jsonl';
  /** The log's window, ISO times. */
  from: string;
  to: string;
  /** Log seconds per replay second. */
  speed: number;
  /** The log's requests in each replay second. */
  requests: readonly number[];
  /** Of those, the failed ones by status ('503', '502', ..., '0' for no response). */
  statuses: Readonly<Record<string, readonly number[]>>;
}

import { formatMs, parseDurationMs } from '../core/duration.ts';
import type { StackPart } from '../stack/index.ts';
import type { Problem, ScenarioPaths } from './problems.ts';
import { DEFAULTS, type ResolvedArrivals, type ResolvedShed, type ResolvedTimelineEntry } from './resolved.ts';
import type { ScenarioInput } from './schema.ts';

/** The most VUs a default pre-allocates (about 220 MB of k6); preAllocatedVUs can say more. */
const MAX_DEFAULT_PREALLOCATED_VUS = 2000;
/** Seconds of responses at the rate the default pre-allocation covers. */
const PREALLOCATED_SECONDS = 4;

/** 127.0.0.1 and the rest of 127/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The load section resolved (warm-up and shed come after the timeline: they are placed against its faults). */
export interface LoadSection {
  requestTimeoutMs: number | undefined;
  durationMs: number | undefined;
  /** The constant rate; with arrivals, their busiest second (all groups together). */
  rate: number;
  arrivals: ResolvedArrivals[] | undefined;
  targetUrl: string | undefined;
  scriptPath: string;
  preAllocatedVUs: number;
  maxVUs: number;
}

/** The load: a constant rate for a duration or arrivals per second, its target (a part, or a URL on loopback or an allowed host), its script and VUs. */
export function resolveLoad(
  L: ScenarioInput['load'],
  stack: { rawStack: Readonly<Record<string, StackPart>>; names: readonly string[] },
  paths: ScenarioPaths,
  allowHosts: readonly string[],
  problems: Problem[],
): LoadSection {
  const requestTimeoutMs = L.requestTimeout === undefined ? DEFAULTS.requestTimeoutMs : parseDurationMs(L.requestTimeout);
  if (!requestTimeoutMs)
    problems.push({ field: 'load.requestTimeout', message: `'${L.requestTimeout ?? ''}' is not a positive duration`, fix: "write it like '10s'" });
  // At most enough VUs for every request to run into the request timeout (and a second more).
  // Allocated before the start: enough for 4 s of responses at the rate (k6 drops arrivals while it
  // starts VUs mid-run, so a target that slows to a few seconds must find them ready). Not all of
  // them: k6 is late to start many on a busy machine (measured, one core kept busy: 600 VUs, the
  // first request 464 ms after the resume; 240 VUs, 74 ms). A VU costs about 110 KB (k6 v2).
  const vusFor = (rate: number) => {
    const timeoutS = (requestTimeoutMs ?? DEFAULTS.requestTimeoutMs) / 1000;
    const maxVUs = L.maxVUs ?? Math.max(1, L.preAllocatedVUs ?? 0, Math.ceil(rate * (timeoutS + 1)));
    const preAllocatedVUs =
      L.preAllocatedVUs ?? Math.min(maxVUs, MAX_DEFAULT_PREALLOCATED_VUS, Math.max(1, Math.ceil(rate * Math.min(PREALLOCATED_SECONDS, timeoutS + 1))));
    return { preAllocatedVUs, maxVUs };
  };
  let durationMs: number | undefined;
  let rate = L.rate ?? 0;
  let arrivals: ResolvedArrivals[] | undefined;
  if ((L.rate === undefined) === (L.arrivals === undefined)) {
    problems.push({
      field: 'load',
      message: L.rate === undefined ? 'neither rate nor arrivals is given' : 'both rate and arrivals are given',
      fix: "give rate: 40 and duration: '45s' for a constant rate, or arrivals: { groupName: [requests in second 1, second 2, ...] }",
    });
  } else if (L.arrivals !== undefined) {
    const groups = Object.entries(L.arrivals);
    const seconds = Math.max(0, ...groups.map(([, xs]) => xs.length));
    if (groups.length === 0)
      problems.push({
        field: 'load.arrivals',
        message: 'no group in it',
        fix: 'name at least one export of the load script, e.g. arrivals: { get_photos_id: [10, 12, 9] }',
      });
    for (const [g, xs] of groups) {
      if (!/^[A-Za-z_$][\w$]*$/.test(g) || g === 'default')
        problems.push({
          field: `load.arrivals.${g}`,
          message: `'${g}' cannot name an export of the load script`,
          fix: 'name the group after the function the script exports for it, e.g. get_photos_id',
        });
      if (xs.length !== seconds)
        problems.push({
          field: `load.arrivals.${g}`,
          message: `${xs.length} seconds, where another group has ${seconds}`,
          fix: 'give every group one number per second of the same load (0 where none arrive)',
        });
    }
    const totals = Array.from({ length: seconds }, (_, s) => groups.reduce((n, [, xs]) => n + (xs[s] ?? 0), 0));
    if (groups.length && totals.every((n) => n === 0))
      problems.push({ field: 'load.arrivals', message: 'no request arrives in any second', fix: 'give the number of requests per second, e.g. [10, 12, 9]' });
    durationMs = seconds * 1000;
    if (L.duration !== undefined && parseDurationMs(L.duration) !== durationMs) {
      problems.push({
        field: 'load.duration',
        message: `'${L.duration}' does not match the ${seconds} seconds of arrivals`,
        fix: 'drop duration: with arrivals, their length is the duration',
      });
    }
    rate = Math.max(0, ...totals);
    // Each group its own pool (it cannot borrow another's idle VUs), sized by its busiest second.
    arrivals = groups.map(([exec, xs]) => ({ exec, perSecond: xs, ...vusFor(Math.max(...xs)) }));
  } else {
    durationMs = L.duration === undefined ? undefined : parseDurationMs(L.duration);
    if (!durationMs)
      problems.push({
        field: 'load.duration',
        message: L.duration === undefined ? 'no duration for the constant rate' : `'${L.duration}' is not a positive duration`,
        fix: "write it like '40s'",
      });
  }
  const targetUrl = resolveTarget(L.target, stack, allowHosts, problems);
  const scriptPath = paths.file('load.script', L.script) ?? '';
  for (const k of Object.keys(L.env ?? {})) {
    if (k === 'BASE_URL' || k === 'REQUEST_TIMEOUT')
      problems.push({
        field: `load.env.${k}`,
        message: `${k} is set by the harness`,
        fix: k === 'BASE_URL' ? 'remove it: the script gets the target as BASE_URL (set load.target)' : 'remove it and set load.requestTimeout',
      });
  }
  const { preAllocatedVUs, maxVUs } = arrivals
    ? { preAllocatedVUs: arrivals.reduce((n, a) => n + a.preAllocatedVUs, 0), maxVUs: arrivals.reduce((n, a) => n + a.maxVUs, 0) }
    : vusFor(rate);
  if (maxVUs < preAllocatedVUs)
    problems.push({
      field: 'load.maxVUs',
      message: `maxVUs (${maxVUs}) is below preAllocatedVUs (${preAllocatedVUs})`,
      fix: 'raise maxVUs or lower preAllocatedVUs',
    });

  return { requestTimeoutMs, durationMs, rate, arrivals, targetUrl, scriptPath, preAllocatedVUs, maxVUs };
}

/**
 * The load's target: a service or gateway of the stack, or a URL (load, and only load, may go to a
 * service the harness did not start: on loopback, or on a host the user allows with --allow-host).
 */
function resolveTarget(
  target: string,
  stack: { rawStack: Readonly<Record<string, StackPart>>; names: readonly string[] },
  allowHosts: readonly string[],
  problems: Problem[],
): string | undefined {
  const { rawStack, names } = stack;
  const targetKind = rawStack[target]?.kind;
  if (/^https?:\/\//.test(target)) {
    let host = '';
    try {
      host = new URL(target).hostname.replace(/^\[|\]$/g, '');
    } catch {
      problems.push({ field: 'load.target', message: `'${target}' is not a URL`, fix: "write it like 'http://127.0.0.1:8080'" });
    }
    if (host && !isLoopback(host) && !allowHosts.includes(host)) {
      problems.push({
        field: 'load.target',
        message: `host '${host}' is not on loopback`,
        fix: `brownout sends load only to 127.0.0.1/localhost, or to a host you allow with --allow-host ${host}`,
      });
    }
    return target.replace(/\/$/, '');
  }
  if (targetKind !== 'service' && targetKind !== 'gateway') {
    problems.push({
      field: 'load.target',
      message: `'${target}' is not a service or gateway of the stack`,
      fix: `use one of ${names.filter((n) => rawStack[n]?.kind !== 'mariadb').join(', ') || '(none defined)'}`,
    });
  }
  return undefined;
}

/** load.warmUp: its ms (0: none); it must end before the first fault and before the load does. */
export function resolveWarmUp(
  L: ScenarioInput['load'],
  durationMs: number | undefined,
  timeline: readonly ResolvedTimelineEntry[],
  problems: Problem[],
): number {
  // A warm-up ends before anything is judged against a fault: the first fault comes after it.
  const warmUpMs = L.warmUp === undefined ? 0 : parseDurationMs(L.warmUp);
  const firstAtMs = Math.min(...timeline.map((t) => t.atMs));
  if (!warmUpMs && L.warmUp !== undefined)
    problems.push({ field: 'load.warmUp', message: `'${L.warmUp}' is not a positive duration`, fix: "write it like '3s', or drop it for no warm-up" });
  else if (warmUpMs && durationMs !== undefined && warmUpMs >= Math.min(durationMs, firstAtMs))
    problems.push({
      field: 'load.warmUp',
      message:
        firstAtMs < durationMs
          ? `the warm-up (${formatMs(warmUpMs)}) does not end before the first fault (at ${formatMs(firstAtMs)})`
          : `the warm-up (${formatMs(warmUpMs)}) lasts the whole load (${formatMs(durationMs)})`,
      fix: 'shorten it: the baseline is judged between its end and the first fault',
    });
  return warmUpMs ?? 0;
}

/**
 * load.shed against the resolved timeline: the step starts `after` the last heal (an instant
 * fault's moment counts as its heal) and must end before the load does, so the full rate comes back.
 */
export function resolveShed(
  shed: { after: string; to: string; for: string } | undefined,
  o: {
    timeline: readonly ResolvedTimelineEntry[];
    rate: number;
    durationMs: number | undefined;
    arrivals: boolean;
    problem: (field: string, message: string, fix: string) => void;
  },
): ResolvedShed | undefined {
  if (!shed) return undefined;
  if (o.arrivals) {
    o.problem(
      'load.shed',
      'shedding steps a constant rate; this load is given as arrivals',
      'drop load.shed and lower the arrivals of the seconds to shed instead',
    );
    return undefined;
  }
  if (o.timeline.length === 0) {
    o.problem('load.shed', 'there is no fault to recover from, so nothing to shed after', 'add a timeline entry, or drop load.shed');
    return undefined;
  }
  const afterMs = parseDurationMs(shed.after);
  const forMs = parseDurationMs(shed.for);
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(shed.to.trim());
  const share = pct ? Number(pct[1]) / 100 : NaN;
  const shareOk = share > 0 && share < 1;
  if (afterMs === undefined) o.problem('load.shed.after', `'${shed.after}' is not a duration`, "write it like '8s' (from the last heal)");
  if (!forMs) o.problem('load.shed.for', `'${shed.for}' is not a positive duration`, "write it like '10s'");
  if (!shareOk) o.problem('load.shed.to', `'${shed.to}' is not a share between 0% and 100%`, "write the share of the rate kept while shed, like '25%'");
  if (afterMs === undefined || !forMs || !shareOk || !o.durationMs) return undefined;
  const lastHealMs = Math.max(...o.timeline.map((t) => t.atMs + t.forMs));
  const fromMs = lastHealMs + afterMs;
  const toMs = fromMs + forMs;
  if (toMs >= o.durationMs) {
    o.problem(
      'load.shed',
      `the shed ends ${formatMs(toMs)} into the load, at or after its end (${formatMs(o.durationMs)})`,
      `lengthen load.duration to at least ${formatMs(toMs + 5000)}: the full rate must come back to show the recovery holds`,
    );
    return undefined;
  }
  // k6 takes whole arrivals per second.
  return { fromMs, toMs, share, rate: Math.max(1, Math.round(o.rate * share)) };
}

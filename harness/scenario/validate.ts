import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { formatMs, parseDurationMs } from '../core/duration.ts';
import { ScenarioError } from '../core/errors.ts';
import { portFree } from '../core/ports.ts';
import { PHASES, timeoutLadder, type Ladder, type LadderPart } from '../metrics/index.ts';
import { measureOf, parseExpectation, type Expectation, type ScenarioFacts, type Scope } from '../measures/index.ts';
import { stackFolder } from './dsl.ts';
import { importScenarioFile } from './import.ts';
import { FAULT_KINDS, FAULT_TYPES, faultKind, httpRuleOf, partHit, type FaultResolveContext, type ResolvedFault } from '../faults/index.ts';
import { PART_KIND_NAMES, PART_KINDS, partKind, type HttpRule, type PartResolveContext, type ResolvedPart, type StackPart } from '../stack/index.ts';
import type { ReplaySource, ScenarioDefinition } from './types.ts';
import { phaseNames } from './vary.ts';

// ---- the schema: one place that says what a scenario may contain -------------------------------

const duration = z.string().min(1);
// A part's own options are checked by its kind's schema (harness/stack/parts/), once its kind is known.
const stackSchema = z.record(z.string(), z.looseObject({ kind: z.string() }));

// A fault's own options are checked by its kind's schema (harness/faults/kinds/), once its type is known.
const faultEntrySchema = z.looseObject({ type: z.string() });
const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  incident: z.string().min(1),
  modes: z
    .array(z.string().regex(/^[a-z0-9-]+$/))
    .min(1)
    .optional(),
  stack: z.custom<ScenarioDefinition['stack']>((v) => typeof v === 'function', { message: 'expected a function ({ mode }) => ({ part: ... })' }),
  load: z.strictObject({
    script: z.string().min(1),
    target: z.string(),
    rate: z.number().positive().optional(),
    duration: duration.optional(),
    arrivals: z.record(z.string(), z.array(z.number().int().nonnegative()).min(1)).optional(),
    requestTimeout: duration.optional(),
    warmUp: duration.optional(),
    shed: z.strictObject({ after: duration, to: z.string(), for: duration }).optional(),
    preAllocatedVUs: z.number().int().positive().optional(),
    maxVUs: z.number().int().positive().optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
  }),
  timeline: z.array(
    z.strictObject({
      at: duration,
      for: duration.optional(),
      fault: faultEntrySchema,
      name: z
        .string()
        .regex(/^[a-z][a-zA-Z0-9-]*$/)
        .optional(),
    }),
  ),
  // Other keys: a timeline entry's own phase, by its name (checked against the timeline below).
  expect: z
    .object({
      baseline: z.array(z.string()).optional(),
      fault: z.array(z.string()).optional(),
      between: z.array(z.string()).optional(),
      recovery: z.array(z.string()).optional(),
      overall: z.array(z.string()).optional(),
      steadyState: z.array(z.string()).optional(),
      stableFor: duration.optional(),
    })
    .catchall(z.array(z.string())),
  writes: z
    .strictObject({
      db: z.string(),
      table: z.string().regex(/^\w+$/),
      key: z.string().regex(/^\w+$/).optional(),
      attemptKey: z.string().regex(/^\w+$/).optional(),
    })
    .optional(),
  replayOf: z
    .strictObject({
      log: z.string(),
      format: z.enum(['haproxy', 'nginx', 'jsonl']),
      from: z.string(),
      to: z.string(),
      speed: z.number().positive(),
      requests: z.array(z.number().nonnegative()),
      statuses: z.record(z.string(), z.array(z.number().nonnegative())),
    })
    .optional(),
});

/**
 * Every option name the schema accepts, at any depth (stack parts and faults included): the README
 * must document each one (harness/scenario/readme.test.ts).
 */
export function scenarioOptionNames(): string[] {
  const names = new Set<string>();
  const walk = (s: z.core.$ZodType): void => {
    const def = s._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      innerType?: z.core.$ZodType;
      options?: z.core.$ZodType[];
      element?: z.core.$ZodType;
      valueType?: z.core.$ZodType;
    };
    if (def.type === 'object' && def.shape) {
      for (const [k, v] of Object.entries(def.shape)) {
        names.add(k);
        walk(v);
      }
    }
    for (const inner of [def.innerType, def.element, def.valueType, ...(def.options ?? [])]) if (inner) walk(inner);
  };
  walk(scenarioSchema);
  for (const k of PART_KINDS) walk(k.schema);
  for (const k of FAULT_KINDS) walk(k.schema);
  return [...names].sort();
}

// ---- the resolved scenario: what the run works from ----------------------------------------------

export type { ResolvedPart };

export interface ResolvedLink {
  /** 'from→to' */
  name: string;
  from: string;
  to: string;
  /** The rules of the HTTP faults on this link: when any, the link goes through an HTTP fault proxy. */
  http: readonly HttpRule[];
}

export type { ResolvedFault } from '../faults/index.ts';

export interface ResolvedTimelineEntry {
  index: number;
  /** Its own phase's name (given, or the fault's type, numbered when several). */
  phase: string;
  label: string;
  atMs: number;
  forMs: number;
  fault: ResolvedFault;
}

/** One group of `load.arrivals`: a k6 scenario of its own. */
export interface ResolvedArrivals {
  /** The load script's export it calls (and the k6 scenario's name). */
  exec: string;
  perSecond: readonly number[];
  preAllocatedVUs: number;
  maxVUs: number;
}

/** load.shed resolved: ms from the start of the load, and the rate sent meanwhile. */
export interface ResolvedShed {
  fromMs: number;
  toMs: number;
  /** Of the full rate, 0 < share < 1. */
  share: number;
  /** rate × share, to a whole number (at least 1): k6 sends whole arrivals per second. */
  rate: number;
}

export interface ResolvedLoad {
  scriptPath: string;
  target: string;
  targetUrl?: string;
  /** The constant rate; with arrivals, their busiest second (all groups together). */
  rate: number;
  durationMs: number;
  requestTimeoutMs: number;
  /** load.warmUp: the load's first ms, judged in no phase (0: none). */
  warmUpMs: number;
  /** Of the constant rate (with arrivals, the sum over the groups). */
  preAllocatedVUs: number;
  maxVUs: number;
  arrivals?: readonly ResolvedArrivals[];
  shed?: ResolvedShed;
  /** load.env: handed to the script as __ENV (besides BASE_URL and REQUEST_TIMEOUT). */
  env: Readonly<Record<string, string>>;
}

export interface ResolvedScenario {
  file: string;
  name: string;
  incident: string;
  mode: string;
  /** In start order: every part after the parts it depends on. */
  parts: readonly ResolvedPart[];
  links: readonly ResolvedLink[];
  /** targetUrl is set when the load goes to a URL outside the stack. */
  load: ResolvedLoad;
  timeline: readonly ResolvedTimelineEntry[];
  expect: Readonly<Record<Scope, readonly Expectation[]>>;
  /** Expectations of a timeline entry's own phase, by its name. */
  faultExpect: Readonly<Record<string, readonly Expectation[]>>;
  writes: { db: string; table: string; key: string; attemptKey: string | undefined } | undefined;
  steady: readonly Expectation[];
  stableForMs: number;
  replayOf: ReplaySource | undefined;
  /** Every mode the scenario offers, the default first. */
  modes: readonly string[];
  /** Every configured wait from the client inward, and where an inner one outlasts an outer one. */
  ladder: Ladder;
}

/** The scenario's own defaults (a part's are its kind's, in harness/stack/parts/). */
export const DEFAULTS = {
  requestTimeoutMs: 10_000,
  stableForMs: 2_000,
} as const;

/** The most VUs a default pre-allocates (about 220 MB of k6); preAllocatedVUs can say more. */
const MAX_DEFAULT_PREALLOCATED_VUS = 2000;
/** Seconds of responses at the rate the default pre-allocation covers. */
const PREALLOCATED_SECONDS = 4;

type Problem = { field: string; message: string; fix: string };

/**
 * One expectation read by its measure (metrics/measures/), then checked where it stands: the one
 * scope its measure is judged in, a timeline entry's own phase (`entry`), a 100 ms window of the
 * steady state (`window`); then against the scenario (a write check, a checked gateway, a part of
 * the right kind). undefined, with its problem added, when it cannot be judged there.
 */
function readExpectation(
  text: string,
  at: { field: string; scope: string; where: 'scope' | 'entry' | 'window' },
  facts: ScenarioFacts,
  problems: Problem[],
): Expectation | undefined {
  const r = parseExpectation(text);
  if (!r.ok) {
    problems.push({ field: at.field, message: r.message, fix: r.fix });
    return undefined;
  }
  const e = r.expectation;
  const m = measureOf(e.metric.kind);
  const misplaced =
    at.where === 'window'
      ? m.perWindow
        ? undefined
        : { message: `'${text}' cannot be judged per 100 ms window`, fix: 'use percentiles and rates here' }
      : at.where === 'entry'
        ? m.perEntry
          ? undefined
          : { message: `'${e.metric.kind}' is not measured per fault`, fix: `move it to expect.${m.only?.scope ?? 'overall'}` }
        : m.only && m.only.scope !== at.scope
          ? { message: m.only.why, fix: `move it to expect.${m.only.scope}` }
          : undefined;
  const problem = misplaced ?? m.problem?.(e, facts);
  if (problem) {
    problems.push({ field: at.field, ...problem });
    return undefined;
  }
  return e;
}

function zodFix(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `remove ${issue.keys.map((k) => `'${k}'`).join(', ')} (a misspelt option?)`;
    case 'invalid_type':
      return `give a ${issue.expected}`;
    case 'invalid_value':
      return `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return `use one of the documented kinds (stack parts: mariadb, redis, service, gateway; faults: ${FAULT_TYPES.join(', ')})`;
    case 'invalid_format':
      return issue.format === 'regex' ? `match the pattern ${issue.pattern ?? ''}` : `use the ${issue.format} format`;
    case 'too_small':
      return 'give a larger value (or a non-empty one)';
    default:
      return 'see the scenario section of the README';
  }
}

function pathOf(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** The keys of `expect` that are not a timeline entry's phase. */
const EXPECT_KEYS = new Set(['baseline', 'fault', 'between', 'recovery', 'overall', 'steadyState', 'stableFor']);
/** Names a timeline entry's phase cannot take. */
const RESERVED_SCOPES = EXPECT_KEYS;

export function normaliseLink(text: string): { from: string; to: string } | undefined {
  const m = /^\s*([a-z][a-z0-9_]*)\s*(?:→|->)\s*([a-z][a-z0-9_]*)\s*$/.exec(text);
  return m?.[1] && m[2] ? { from: m[1], to: m[2] } : undefined;
}

/** Validates a loaded scenario module into a ResolvedScenario; throws one ScenarioError listing every problem. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface ResolveOptions {
  mode?: string;
  cwd?: string;
  /** Hosts besides loopback that load may be sent to (--allow-host). */
  allowHosts?: readonly string[];
  /** Changes the file's definition before it is checked (`brownout margin`: one fault's magnitude). */
  definition?: (def: ScenarioDefinition) => ScenarioDefinition;
}

export function resolveScenario(file: string, loaded: unknown, opts: ResolveOptions = {}): ResolvedScenario {
  const cwd = opts.cwd ?? process.cwd();
  const problems: Problem[] = [];
  const parsed = scenarioSchema.safeParse(loaded);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ field: pathOf(issue.path), message: issue.message, fix: zodFix(issue) });
    throw new ScenarioError(file, problems);
  }
  const def = parsed.data;
  const modes = def.modes ?? ['default'];
  const mode = opts.mode ?? modes[0] ?? 'default';
  if (!modes.includes(mode))
    problems.push({ field: 'modes', message: `mode '${mode}' is not one this scenario offers`, fix: `run with --mode ${modes.join(' or --mode ')}` });

  // The stack function is the user's code: call it once, here, and check what it gives.
  const rawStack: Record<string, StackPart> = {};
  try {
    const out = stackSchema.safeParse(def.stack({ mode }));
    if (!out.success) {
      for (const issue of out.error.issues) problems.push({ field: `stack.${pathOf(issue.path)}`, message: issue.message, fix: zodFix(issue) });
    } else {
      // Each part against its kind's own schema.
      for (const [name, raw] of Object.entries(out.data)) {
        const kind = partKind(raw.kind);
        if (!kind) {
          problems.push({ field: `stack.${name}.kind`, message: `'${raw.kind}' is not a kind of stack part`, fix: `use one of ${PART_KIND_NAMES.join(', ')}` });
          continue;
        }
        const parsedPart = kind.schema.safeParse(raw);
        if (parsedPart.success) rawStack[name] = parsedPart.data;
        else
          for (const issue of parsedPart.error.issues)
            problems.push({ field: `stack.${name}.${pathOf(issue.path)}`, message: issue.message, fix: zodFix(issue) });
      }
    }
  } catch (e) {
    problems.push({
      field: 'stack',
      message: `the stack function threw: ${e instanceof Error ? e.message : String(e)}`,
      fix: 'make stack({ mode }) return an object of parts without throwing',
    });
  }
  const names = Object.keys(rawStack);
  // Load sent to a service already running (a URL) needs no part of its own.
  if (names.length === 0 && problems.every((p) => !p.field.startsWith('stack')) && !/^https?:\/\//.test(def.load.target)) {
    problems.push({
      field: 'stack',
      message: 'the stack has no parts',
      fix: "return at least one part, e.g. { app: service({ command: ['node', 'server.js'] }), or send the load to a running service: target: 'http://127.0.0.1:8080'",
    });
  }
  for (const n of names) {
    if (!/^[a-z][a-z0-9_]*$/.test(n))
      problems.push({
        field: `stack.${n}`,
        message: `part name '${n}' cannot be an environment variable prefix`,
        fix: 'name parts with lowercase letters, digits and _ (e.g. db, app, edge)',
      });
  }

  // Every path in a scenario is relative to the scenario's own folder, wherever brownout runs from.
  const base = path.dirname(path.resolve(cwd, file));
  // A stack another file defined (stack: base.stack) keeps its paths relative to that file's folder.
  const stackBase = stackFolder(def.stack) ?? base;
  const fileField = (field: string, rel: string | undefined, from = base): string | undefined => {
    if (rel === undefined) return undefined;
    const abs = path.resolve(from, rel);
    if (!existsSync(abs) || !statSync(abs).isFile()) {
      problems.push({
        field,
        message: `file '${rel}' does not exist (looked for ${abs})`,
        fix: `create it or correct the path: relative to ${from === base ? "the scenario's folder" : 'the folder of the file that defines the stack'}, ${from}`,
      });
    }
    return abs;
  };
  const dirField = (field: string, rel: string | undefined, from = stackBase): string => {
    const abs = path.resolve(from, rel ?? '.');
    if (!existsSync(abs) || !statSync(abs).isDirectory()) {
      problems.push({
        field,
        message: `folder '${rel ?? '.'}' does not exist (looked for ${abs})`,
        fix: `correct the path: relative to ${from === base ? "the scenario's folder" : 'the folder of the file that defines the stack'}, ${from}`,
      });
    }
    return abs;
  };

  const parts = new Map<string, ResolvedPart>();
  const links: ResolvedLink[] = [];
  const httpLinks = () => links.filter((l) => l.http.length > 0).map((l) => l.name);
  for (const [name, p] of Object.entries(rawStack)) {
    const field = `stack.${name}`;
    // What a kind may ask of the stack around it; every check adds its own problem.
    const ctx: PartResolveContext = {
      name,
      names,
      problem: (key, message, fix) => problems.push({ field: key ? `${field}.${key}` : field, message, fix }),
      file: (key, rel) => fileField(`${field}.${key}`, rel, stackBase),
      dir: (key, rel) => dirField(`${field}.${key}`, rel),
      duration: (key, text, fallback) => {
        if (text === undefined) return fallback;
        const ms = parseDurationMs(text);
        if (!ms) problems.push({ field: `${field}.${key}`, message: `'${text}' is not a positive duration`, fix: "write it like '3s' or '500ms'" });
        return ms || undefined;
      },
      kindOf: (part) => rawStack[part]?.kind,
      link: (to) => {
        if (links.some((l) => l.from === name && l.to === to)) return false;
        links.push({ name: `${name}→${to}`, from: name, to, http: [] });
        return true;
      },
    };
    const kind = partKind(p.kind);
    if (kind) parts.set(name, kind.resolve(p, ctx));
  }

  // Start order: dependencies first. A cycle is a problem.
  const ordered: ResolvedPart[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, trail: string[]): void => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'visiting') {
      problems.push({
        field: `stack.${n}.dependsOn`,
        message: `dependency cycle ${[...trail, n].join(' → ')}`,
        fix: 'break the cycle: a part cannot (indirectly) depend on itself',
      });
      return;
    }
    const p = parts.get(n);
    if (!p) return;
    state.set(n, 'visiting');
    const deps = partKind(p.kind)?.after(p) ?? [];
    for (const d of deps) visit(d, [...trail, n]);
    state.set(n, 'done');
    ordered.push(p);
  };
  for (const n of parts.keys()) visit(n, []);

  // Load.
  const L = def.load;
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
  const targetKind = rawStack[L.target]?.kind;
  let targetUrl: string | undefined;
  if (/^https?:\/\//.test(L.target)) {
    // Load (and only load) may go to a service the harness did not start, on loopback or an allowed host.
    let host = '';
    try {
      host = new URL(L.target).hostname.replace(/^\[|\]$/g, '');
    } catch {
      problems.push({ field: 'load.target', message: `'${L.target}' is not a URL`, fix: "write it like 'http://127.0.0.1:8080'" });
    }
    if (host && !isLoopback(host) && !(opts.allowHosts ?? []).includes(host)) {
      problems.push({
        field: 'load.target',
        message: `host '${host}' is not on loopback`,
        fix: `brownout sends load only to 127.0.0.1/localhost, or to a host you allow with --allow-host ${host}`,
      });
    }
    targetUrl = L.target.replace(/\/$/, '');
  } else if (targetKind !== 'service' && targetKind !== 'gateway') {
    problems.push({
      field: 'load.target',
      message: `'${L.target}' is not a service or gateway of the stack`,
      fix: `use one of ${names.filter((n) => rawStack[n]?.kind !== 'mariadb').join(', ') || '(none defined)'}`,
    });
  }
  const scriptPath = fileField('load.script', L.script) ?? '';
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

  // Timeline.
  const linkNames = new Set(links.map((l) => l.name));
  const timeline: ResolvedTimelineEntry[] = def.timeline.flatMap((t, index) => {
    const field = `timeline[${index}]`;
    const kind = faultKind(t.fault.type);
    if (!kind) {
      problems.push({ field: `${field}.fault.type`, message: `'${t.fault.type}' is not a fault`, fix: `use one of ${FAULT_TYPES.join(', ')}` });
      return [];
    }
    const parsedFault = kind.schema.safeParse(t.fault);
    if (!parsedFault.success) {
      for (const issue of parsedFault.error.issues)
        problems.push({ field: `${field}.fault.${pathOf(issue.path)}`, message: issue.message, fix: zodFix(issue) });
      return [];
    }
    const f = parsedFault.data;
    const instant = kind.instantWith?.(f) ?? kind.instant;
    const atMs = parseDurationMs(t.at);
    if (atMs === undefined)
      problems.push({ field: `${field}.at`, message: `'${t.at}' is not a duration`, fix: "write it like '10s' (from the start of the load)" });
    let forMs: number | undefined = 0;
    if (instant) {
      if (t.for !== undefined)
        problems.push({
          field: `${field}.for`,
          message: `${f.type} happens at one moment and has no duration`,
          fix: `write at('${t.at}', ${f.type}({ ... })) without { for }`,
        });
    } else {
      forMs = t.for === undefined ? undefined : parseDurationMs(t.for);
      if (!forMs)
        problems.push({
          field: `${field}.for`,
          message: t.for === undefined ? `a ${f.type} fault needs a duration` : `'${t.for}' is not a positive duration`,
          fix: "write at(when, fault, { for: '5s' }); a fault must be healed after it is applied",
        });
    }
    if (atMs !== undefined && forMs !== undefined && durationMs && atMs + forMs >= durationMs) {
      problems.push({
        field: field,
        message: instant
          ? `the fault is at ${t.at}, at or after the end of the load (${L.duration})`
          : `the fault is healed at ${t.at} + ${t.for ?? ''}, after the load ends (${L.duration})`,
        fix: 'move it earlier, shorten it, or lengthen load.duration: recovery is measured under load',
      });
    }
    // What a kind may ask of the scenario around it; every check adds its own problem.
    const ctx: FaultResolveContext = {
      forMs: forMs ?? 0,
      problem: (key, message, fix) => problems.push({ field: key ? `${field}.fault.${key}` : field, message, fix }),
      entry: index,
      link: (text) => {
        const link = normaliseLink(text);
        const name = link ? `${link.from}→${link.to}` : text;
        if (!link || !linkNames.has(name))
          problems.push({
            field: `${field}.fault.link`,
            message: `'${text}' is not a link of the stack`,
            fix: `use one of ${[...linkNames].join(', ') || '(no links: add dependsOn or a gateway)'}`,
          });
        return name;
      },
      httpLink: (text) => {
        const link = normaliseLink(text);
        const name = link ? `${link.from}→${link.to}` : text;
        const http = links.filter((l) => rawStack[l.to]?.kind === 'service').map((l) => l.name);
        if (!link || !http.includes(name))
          problems.push({
            field: `${field}.fault.link`,
            message: `'${text}' is not a link to a service of the stack (HTTP faults need HTTP at the far end)`,
            fix: `use one of ${http.join(', ') || '(none: no link ends at a service)'}`,
          });
        return name;
      },
      duration: (key, text, fallback) => {
        if (text === undefined) return fallback;
        const ms = parseDurationMs(text);
        if (ms === undefined) problems.push({ field: `${field}.fault.${key}`, message: `'${text}' is not a duration`, fix: "write it like '300ms'" });
        return ms ?? fallback;
      },
      part: (key, part, kinds) => {
        const k = rawStack[part]?.kind;
        if (!k || !kinds.includes(k))
          problems.push({
            field: `${field}.fault.${key}`,
            message: `'${part}' is not a ${kinds.join(' or ')} part of the stack`,
            fix: `use one of ${names.filter((n) => kinds.some((k) => rawStack[n]?.kind === k)).join(', ') || '(none defined)'}`,
          });
        return part;
      },
    };
    const fault = kind.resolve(f, ctx);
    return [{ index, phase: t.name ?? '', label: kind.label(f, fault), atMs: atMs ?? 0, forMs: forMs ?? 0, fault }];
  });
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
  const shed = resolveShed(L.shed, {
    timeline,
    rate,
    durationMs,
    arrivals: arrivals !== undefined,
    problem: (field, message, fix) => problems.push({ field, message, fix }),
  });
  // A link an HTTP fault names gets its proxy, started with the rule (off until the fault's apply).
  for (const t of timeline) {
    const r = httpRuleOf(t.fault);
    const link = r && links.find((l) => l.name === r.link);
    if (r && link) link.http = [...link.http, r.rule];
  }
  // Each entry's own phase: its name, or its fault's type (numbered where the type repeats), named
  // as `brownout margin` finds entries by.
  const entryPhases = phaseNames(def.timeline);
  const timelinePhases = new Set<string>();
  for (const t of timeline) {
    t.phase = entryPhases[t.index] ?? t.phase;
    const field = `timeline[${t.index}].name`;
    if (RESERVED_SCOPES.has(t.phase))
      problems.push({
        field,
        message: `'${t.phase}' is the name of a phase brownout has already`,
        fix: 'name the entry after what it stands for in the incident, e.g. album-lock',
      });
    else if (timelinePhases.has(t.phase)) problems.push({ field, message: `'${t.phase}' names two entries`, fix: 'give each entry a name of its own' });
    timelinePhases.add(t.phase);
  }

  // Expectations.
  const scopes: Scope[] = [...PHASES, 'overall'];
  const expect = Object.fromEntries(scopes.map((p) => [p, [] as Expectation[]])) as Record<Scope, Expectation[]>;
  const facts: ScenarioFacts = {
    writes: def.writes,
    kindOf: (n) => rawStack[n]?.kind,
    httpLinks: httpLinks(),
    checkedServers: new Set([...parts.values()].flatMap((p) => (p.kind === 'gateway' && p.check ? p.to : []))),
    faulted: new Set(timeline.map((t) => partHit(t.fault))),
  };
  for (const scope of scopes)
    (def.expect[scope] ?? []).forEach((text, i) => {
      const e = readExpectation(text, { field: `expect.${scope}[${i}]`, scope, where: 'scope' }, facts, problems);
      if (e) expect[scope].push(e);
    });
  // A timeline entry's own phase: the requests in flight while that fault was in place.
  const faultExpect: Record<string, Expectation[]> = {};
  for (const [key, list] of Object.entries(def.expect)) {
    if (EXPECT_KEYS.has(key) || !Array.isArray(list)) continue;
    if (!timelinePhases.has(key)) {
      problems.push({
        field: `expect.${key}`,
        message: `'${key}' is neither a phase nor the name of a timeline entry`,
        fix: `use baseline, fault, between, recovery, overall${timelinePhases.size ? `, or an entry's phase: ${[...timelinePhases].join(', ')}` : ''} (name an entry with at(when, fault, { name: '${key}' }))`,
      });
      continue;
    }
    const into: Expectation[] = [];
    faultExpect[key] = into;
    list.forEach((text, i) => {
      const e = readExpectation(text, { field: `expect.${key}[${i}]`, scope: key, where: 'entry' }, facts, problems);
      if (e) into.push(e);
    });
  }
  // The steady state recovery's windows are judged by: the baseline's per-window expectations, or steadyState's.
  let steady: Expectation[] = expect.baseline.filter((e) => measureOf(e.metric.kind).perWindow);
  if (def.expect.steadyState) {
    steady = [];
    def.expect.steadyState.forEach((text, i) => {
      const e = readExpectation(text, { field: `expect.steadyState[${i}]`, scope: 'steadyState', where: 'window' }, facts, problems);
      if (e) steady.push(e);
    });
  }
  const stableForMs = def.expect.stableFor === undefined ? DEFAULTS.stableForMs : parseDurationMs(def.expect.stableFor);
  if (!stableForMs)
    problems.push({ field: 'expect.stableFor', message: `'${def.expect.stableFor ?? ''}' is not a positive duration`, fix: "write it like '2s'" });
  if (expect.recovery.some((e) => e.metric.kind === 'recovery') && steady.length === 0) {
    problems.push({
      field: 'expect.steadyState',
      message: "'recovery' needs steady-state expectations to judge windows by",
      fix: 'add expect.baseline or expect.steadyState entries',
    });
  }

  if (def.writes && rawStack[def.writes.db]?.kind !== 'mariadb') {
    problems.push({
      field: 'writes.db',
      message: `'${def.writes.db}' is not a mariadb part of the stack`,
      fix: `use one of ${names.filter((n) => rawStack[n]?.kind === 'mariadb').join(', ') || '(none defined)'}`,
    });
  }

  if (problems.length > 0) throw new ScenarioError(file, problems);
  return {
    file,
    name: def.name,
    incident: def.incident,
    mode,
    parts: ordered,
    links,
    load: {
      scriptPath,
      target: L.target,
      ...(targetUrl ? { targetUrl } : {}),
      rate,
      durationMs: durationMs ?? 0,
      requestTimeoutMs: requestTimeoutMs ?? 0,
      warmUpMs: warmUpMs ?? 0,
      preAllocatedVUs,
      maxVUs,
      ...(arrivals ? { arrivals } : {}),
      ...(shed ? { shed } : {}),
      env: L.env ?? {},
    },
    timeline,
    expect,
    faultExpect,
    steady,
    stableForMs: stableForMs ?? DEFAULTS.stableForMs,
    writes: def.writes ? { db: def.writes.db, table: def.writes.table, key: def.writes.key ?? 'id', attemptKey: def.writes.attemptKey } : undefined,
    replayOf: def.replayOf,
    modes,
    ladder: timeoutLadder(
      requestTimeoutMs ?? 0,
      L.target,
      ordered.map((p): LadderPart => partKind(p.kind)?.waits(p) ?? { kind: 'other', name: p.name }),
    ),
  };
}

/**
 * load.shed against the resolved timeline: the step starts `after` the last heal (an instant
 * fault's moment counts as its heal) and must end before the load does, so the full rate comes back.
 */
function resolveShed(
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

export { partHit } from '../faults/index.ts';

/** Imports a scenario file (TypeScript runs through tsx) and resolves it. */
export async function loadScenario(file: string, opts: ResolveOptions = {}): Promise<ResolvedScenario> {
  const abs = path.resolve(opts.cwd ?? process.cwd(), file);
  if (!existsSync(abs)) {
    throw new ScenarioError(file, [
      { field: '', message: `scenario file '${file}' does not exist`, fix: 'give the path of a file in scenarios/ (brownout list shows them)' },
    ]);
  }
  let mod: { default?: unknown };
  try {
    mod = await importScenarioFile(abs, file);
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    const first = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
    // The fix for the error it is: a missing package is installed, not "fixed in the syntax".
    const missing = /Cannot find (?:package|module) '([^']+)'/.exec(first)?.[1];
    const fix =
      missing === 'brownout' || missing?.startsWith('brownout/')
        ? "install brownout in this project (npm install -D brownout, or the tarball/git URL you install it from); scenarios import it as 'brownout'"
        : missing
          ? `install '${missing}' in the project the scenario is in, or correct the import`
          : 'fix the syntax or import error shown';
    throw new ScenarioError(file, [{ field: '', message: `cannot load the file: ${first}`, fix }]);
  }
  if (mod.default === undefined) {
    throw new ScenarioError(file, [{ field: 'default', message: 'the file has no default export', fix: 'end it with `export default scenario({ ... })`' }]);
  }
  const resolved = resolveScenario(file, opts.definition ? opts.definition(mod.default as ScenarioDefinition) : mod.default, opts);
  // A fixed port that is taken would fail half-way through start-up: say so before anything starts.
  const taken: { field: string; message: string; fix: string }[] = [];
  for (const p of resolved.parts) {
    if (p.kind === 'service' && p.port !== undefined && !(await portFree(p.port))) {
      taken.push({
        field: `stack.${p.name}.port`,
        message: `port ${p.port} on 127.0.0.1 is already in use`,
        fix: 'stop what listens there, or drop port to let brownout pick a free one',
      });
    }
  }
  if (taken.length) throw new ScenarioError(file, taken);
  return resolved;
}

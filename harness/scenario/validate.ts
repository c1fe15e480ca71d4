import { existsSync } from 'node:fs';
import path from 'node:path';
import { ScenarioError } from '../core/errors.ts';
import { portFree } from '../core/ports.ts';
import { partHit } from '../faults/index.ts';
import { parseAbortCondition, type ScenarioFacts } from '../measures/index.ts';
import { timeoutLadder, type LadderPart } from '../metrics/index.ts';
import { partKind } from '../stack/index.ts';
import { stackFolder } from './dsl.ts';
import { importScenarioFile } from './import.ts';
import { pathOf, scenarioPaths, zodFix, type Problem } from './problems.ts';
import { resolveExpectations } from './resolve-expect.ts';
import { resolveLoad, resolveShed, resolveWarmUp } from './resolve-load.ts';
import { resolveStack } from './resolve-stack.ts';
import { resolveTimeline } from './resolve-timeline.ts';
import { DEFAULTS, type ResolvedScenario } from './resolved.ts';
import { scenarioSchema } from './schema.ts';
import type { ScenarioDefinition } from './types.ts';

// Resolution reads a scenario section by section, each in a file of its own (schema.ts, then
// resolve-stack, -load, -timeline, -expect); every section adds its problems to one list, and one
// ScenarioError names them all.
export { scenarioOptionNames } from './schema.ts';
export { isLoopback } from './resolve-load.ts';
export { normaliseLink } from './resolve-timeline.ts';
export * from './resolved.ts';

export interface ResolveOptions {
  mode?: string;
  cwd?: string;
  /** Hosts besides loopback that load may be sent to (--allow-host). */
  allowHosts?: readonly string[];
  /** Changes the file's definition before it is checked (`brownout margin`: one fault's magnitude). */
  definition?: (def: ScenarioDefinition) => ScenarioDefinition;
}

/** Validates a loaded scenario module into a ResolvedScenario; throws one ScenarioError listing every problem. */
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

  // The stack, every path relative to the scenario's folder (a stack another file defined keeps its paths relative to that file's).
  const base = path.dirname(path.resolve(cwd, file));
  const paths = scenarioPaths(base, stackFolder(def.stack) ?? base, problems);
  const { rawStack, names, parts, links, ordered } = resolveStack(def, mode, paths, problems);
  const httpLinks = () => links.filter((l) => l.http.length > 0).map((l) => l.name);
  // Load, then the timeline against it, then what places itself against the timeline.
  const L = def.load;
  const load = resolveLoad(L, { rawStack, names }, paths, opts.allowHosts ?? [], problems);
  const { requestTimeoutMs, durationMs, rate, arrivals, targetUrl, scriptPath, preAllocatedVUs, maxVUs } = load;
  const { timeline, timelinePhases } = resolveTimeline(def, { rawStack, names, links, parts }, { durationMs, duration: L.duration }, problems);
  const warmUpMs = resolveWarmUp(L, durationMs, timeline, problems);
  const shed = resolveShed(L.shed, {
    timeline,
    rate,
    durationMs,
    arrivals: arrivals !== undefined,
    problem: (field, message, fix) => problems.push({ field, message, fix }),
  });
  // Expectations, each through its measure, against what the scenario has.
  const facts: ScenarioFacts = {
    writes: def.writes,
    kindOf: (n) => rawStack[n]?.kind,
    httpLinks: httpLinks(),
    checkedServers: new Set([...parts.values()].flatMap((p) => (p.kind === 'gateway' && p.check ? p.to : []))),
    faulted: new Set(timeline.map((t) => partHit(t.fault))),
  };
  const { expect, faultExpect, steady, stableForMs } = resolveExpectations(def, facts, timelinePhases, problems);
  // Stop conditions: each an expectation of the requests and its window.
  const abortWhen = (def.abortWhen ?? []).flatMap((text, i) => {
    const r = parseAbortCondition(text);
    if (r.ok) return [r.condition];
    problems.push({ field: `abortWhen[${i}]`, message: r.message, fix: r.fix });
    return [];
  });

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
      warmUpMs,
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
    abortWhen,
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

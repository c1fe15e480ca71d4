import { parseDurationMs } from '../core/duration.ts';
import { dataDiskOf, FAULT_TYPES, faultKind, httpRuleOf, type FaultResolveContext } from '../faults/index.ts';
import type { ResolvedPart, StackPart } from '../stack/index.ts';
import { pathOf, zodFix, type Problem } from './problems.ts';
import { RESERVED_SCOPES } from './resolve-expect.ts';
import type { ResolvedLink, ResolvedTimelineEntry } from './resolved.ts';
import type { ScenarioInput } from './schema.ts';
import { phaseNames } from './vary.ts';

export function normaliseLink(text: string): { from: string; to: string } | undefined {
  const m = /^\s*([a-z][a-z0-9_]*)\s*(?:→|->)\s*([a-z][a-z0-9_]*)\s*$/.exec(text);
  return m?.[1] && m[2] ? { from: m[1], to: m[2] } : undefined;
}

/**
 * The timeline: each entry's fault resolved by its kind (faults/kinds/), at a moment of the load,
 * healed before it ends; then the HTTP rules its links' proxies start with, and each entry's own
 * phase (its name, or its fault's type, numbered where the type repeats, as `brownout margin` finds
 * entries by).
 */
export function resolveTimeline(
  def: Pick<ScenarioInput, 'timeline'>,
  stack: { rawStack: Readonly<Record<string, StackPart>>; names: readonly string[]; links: ResolvedLink[]; parts: ReadonlyMap<string, ResolvedPart> },
  load: { durationMs: number | undefined; duration: string | undefined },
  problems: Problem[],
): { timeline: ResolvedTimelineEntry[]; timelinePhases: Set<string> } {
  const { links } = stack;
  const linkNames = new Set(links.map((l) => l.name));
  const timeline = def.timeline.flatMap((t, index) => resolveEntry(t, index, { ...stack, linkNames, ...load }, problems));
  // A link an HTTP fault names gets its proxy, started with the rule (off until the fault's apply).
  for (const t of timeline) {
    const r = httpRuleOf(t.fault);
    const link = r && links.find((l) => l.name === r.link);
    if (r && link) link.http = [...link.http, r.rule];
    // A part a diskFull fault fills gets its data filesystem of that size at start (the largest asked).
    const disk = dataDiskOf(t.fault);
    // (The kind's resolve admits only parts of a kind with a data folder: mariadb.)
    const part = disk && (stack.parts.get(disk.part) as (ResolvedPart & { dataDiskBytes?: number }) | undefined);
    if (disk && part) part.dataDiskBytes = Math.max(part.dataDiskBytes ?? 0, disk.bytes);
  }
  // Each entry's own phase.
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

  return { timeline, timelinePhases };
}

/** One timeline entry: its fault checked and resolved by its kind, at a moment of the load and healed before it ends. */
function resolveEntry(
  t: ScenarioInput['timeline'][number],
  index: number,
  o: {
    rawStack: Readonly<Record<string, StackPart>>;
    names: readonly string[];
    links: readonly ResolvedLink[];
    linkNames: ReadonlySet<string>;
    durationMs: number | undefined;
    duration: string | undefined;
  },
  problems: Problem[],
): ResolvedTimelineEntry[] {
  const { durationMs } = o;
  const loadDuration = o.duration;
  const field = `timeline[${index}]`;
  const kind = faultKind(t.fault.type);
  if (!kind) {
    problems.push({ field: `${field}.fault.type`, message: `'${t.fault.type}' is not a fault`, fix: `use one of ${FAULT_TYPES.join(', ')}` });
    return [];
  }
  const parsedFault = kind.schema.safeParse(t.fault);
  if (!parsedFault.success) {
    for (const issue of parsedFault.error.issues) problems.push({ field: `${field}.fault.${pathOf(issue.path)}`, message: issue.message, fix: zodFix(issue) });
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
        ? `the fault is at ${t.at}, at or after the end of the load (${loadDuration})`
        : `the fault is healed at ${t.at} + ${t.for ?? ''}, after the load ends (${loadDuration})`,
      fix: 'move it earlier, shorten it, or lengthen load.duration: recovery is measured under load',
    });
  }
  const ctx = faultContext(field, index, forMs ?? 0, o, problems);
  const fault = kind.resolve(f, ctx);
  return [{ index, phase: t.name ?? '', label: kind.label(f, fault), atMs: atMs ?? 0, forMs: forMs ?? 0, fault }];
}

/** What a fault kind may ask of the scenario around its entry; every check adds its own problem. */
function faultContext(
  field: string,
  index: number,
  forMs: number,
  o: { rawStack: Readonly<Record<string, StackPart>>; names: readonly string[]; links: readonly ResolvedLink[]; linkNames: ReadonlySet<string> },
  problems: Problem[],
): FaultResolveContext {
  const { rawStack, names, links, linkNames } = o;
  return {
    forMs,
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
      const fits = (n: string) => {
        const k = rawStack[n]?.kind;
        return k !== undefined && (kinds === 'any' || kinds.includes(k));
      };
      if (!fits(part))
        problems.push({
          field: `${field}.fault.${key}`,
          message: kinds === 'any' ? `'${part}' is not a part of the stack` : `'${part}' is not a ${kinds.join(' or ')} part of the stack`,
          fix: `use one of ${names.filter(fits).join(', ') || '(none defined)'}`,
        });
      return part;
    },
  };
}

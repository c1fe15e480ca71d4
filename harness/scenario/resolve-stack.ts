import { z } from 'zod';
import { parseDurationMs } from '../core/duration.ts';
import { ScenarioError } from '../core/errors.ts';
import { PART_KIND_NAMES, partKind, type PartResolveContext, type ResolvedPart, type StackPart } from '../stack/index.ts';
import { pathOf, zodFix, type Problem, type ScenarioPaths } from './problems.ts';
import type { ResolvedLink } from './resolved.ts';
import type { ScenarioInput } from './schema.ts';

// A part's own options are checked by its kind's schema (harness/stack/parts/), once its kind is known.
const stackSchema = z.record(z.string(), z.looseObject({ kind: z.string() }));

/** The stack section resolved: each part as its kind resolves it, the links they make, and the start order. */
export interface StackSection {
  /** Each part as the scenario gave it, checked against its kind's schema. */
  rawStack: Record<string, StackPart>;
  names: string[];
  parts: Map<string, ResolvedPart>;
  links: ResolvedLink[];
  /** In start order: every part after the parts it depends on. */
  ordered: ResolvedPart[];
}

/** Calls the scenario's stack function for the mode, resolves each part through its kind (stack/parts/), and orders them. */
export function resolveStack(def: ScenarioInput, mode: string, paths: ScenarioPaths, problems: Problem[]): StackSection {
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
    // A stack read from a file (fromCompose) names its own problems: the file, the field, the fix.
    if (e instanceof ScenarioError) problems.push(...e.problems);
    else
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

  const parts = new Map<string, ResolvedPart>();
  const links: ResolvedLink[] = [];
  for (const [name, p] of Object.entries(rawStack)) {
    const field = `stack.${name}`;
    // What a kind may ask of the stack around it; every check adds its own problem.
    const ctx: PartResolveContext = {
      name,
      names,
      problem: (key, message, fix) => problems.push({ field: key ? `${field}.${key}` : field, message, fix }),
      file: (key, rel) => paths.file(`${field}.${key}`, rel, paths.stackBase),
      dir: (key, rel) => paths.dir(`${field}.${key}`, rel),
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

  return { rawStack, names, parts, links, ordered };
}

// What each part kind's unit test (<kind>.test.ts beside it) uses: the kind resolved as a scenario's
// stack would resolve it, among other parts, and planned for containers with the local image set.
// Starting it for real is the integration tests' (tests/integration/*).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDurationMs } from '../../core/duration.ts';
import { IMAGE_SETS } from '../containers/base.ts';
import type { PartKind, PartKindName, PartResolveContext, PlanContext } from './part.ts';

export interface ResolvedIn<R> {
  part: R | undefined;
  /** `field: message` of each problem, fields as a scenario's error names them (stack.<name>.<key>). */
  problems: string[];
  /** The links it asked for (its dependencies'), in order. */
  links: string[];
}

/** The kind's schema and resolve for part `name` of a stack of `parts` (name → kind), paths from `dir`. */
export function resolvePart<D extends { kind: string }, R extends { kind: D['kind']; name: string }>(
  kind: Pick<PartKind<D, R>, 'schema' | 'resolve'>,
  name: string,
  def: D,
  parts: Readonly<Record<string, PartKindName>>,
  dir = import.meta.dirname,
): ResolvedIn<R> {
  const problems: string[] = [];
  const links: string[] = [];
  const field = (key: string) => (key ? `stack.${name}.${key}` : `stack.${name}`);
  const parsed = kind.schema.safeParse(def);
  if (!parsed.success) return { part: undefined, problems: parsed.error.issues.map((i) => `${field(i.path.join('.'))}: ${i.message}`), links };
  const ctx: PartResolveContext = {
    name,
    names: Object.keys(parts),
    kindOf: (p) => parts[p],
    problem: (key, message) => void problems.push(`${field(key)}: ${message}`),
    file: (key, rel) => {
      if (rel === undefined) return undefined;
      const abs = path.resolve(dir, rel);
      if (!existsSync(abs) || !statSync(abs).isFile()) problems.push(`${field(key)}: '${rel}' is not a file`);
      return abs;
    },
    dir: (key, rel) => {
      const abs = path.resolve(dir, rel ?? '.');
      if (!existsSync(abs) || !statSync(abs).isDirectory()) problems.push(`${field(key)}: '${rel}' is not a folder`);
      return abs;
    },
    duration: (key, text, fallback) => {
      if (text === undefined) return fallback;
      const ms = parseDurationMs(text);
      if (ms === undefined) problems.push(`${field(key)}: '${text}' is not a duration`);
      return ms;
    },
    link: (to) => {
      if (links.includes(to)) return false;
      links.push(to);
      return true;
    },
  };
  return { part: kind.resolve(parsed.data, ctx), problems, links };
}

/** The part's container plan with brownout's local images; the proxy of its i-th link on port 8000 + i. */
export function planIn<R, P>(kind: { plan(part: R, ctx: PlanContext): P }, part: R, links: readonly string[] = [], env: Record<string, string> = {}): P {
  return kind.plan(part, { images: IMAGE_SETS.local, env, proxyPort: (to) => 8000 + links.indexOf(to) });
}

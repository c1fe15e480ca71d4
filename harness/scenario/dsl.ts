import { callerFolder } from '../core/caller.ts';
import type { Fault } from '../faults/public.ts';
import type { ScenarioDefinition, TimelineEntry } from './types.ts';

// The part helpers and types live with their kinds.
export * from '../stack/public.ts';

// The fault helpers and types live with their kinds.
export * from '../faults/public.ts';

/**
 * The folder of the file whose scenario() defined a stack function: the paths of that stack's parts
 * are relative to it, also where another scenario reuses it (`stack: base.stack`, `...base`, a replay).
 */
const stackHomes = new WeakMap<object, string>();

export function stackFolder(stack: unknown): string | undefined {
  return typeof stack === 'function' ? stackHomes.get(stack) : undefined;
}

/** Marks a module's default export as a scenario (and gives it its types). */
export function scenario(def: ScenarioDefinition): ScenarioDefinition {
  const home = callerFolder(1);
  if (home && typeof def.stack === 'function' && !stackHomes.has(def.stack)) stackHomes.set(def.stack, home);
  return def;
}

/**
 * `at('10s', latency({...}), { for: '5s' })`: apply at 10 s into the load, heal 5 s later.
 * `at('10s', kill({ part: 'app' }))`: an instant fault, nothing to heal.
 */
export function at(when: string, fault: Fault, opts?: { for?: string; name?: string }): TimelineEntry {
  return { at: when, ...(opts?.for !== undefined ? { for: opts.for } : {}), fault, ...(opts?.name !== undefined ? { name: opts.name } : {}) };
}

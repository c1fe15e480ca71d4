import { formatMs, parseDurationMs } from '../core/duration.ts';
import { ScenarioError } from '../core/errors.ts';
import type { ScenarioDefinition, TimelineEntry } from './types.ts';

/**
 * One magnitude of one timeline entry, as `brownout margin` varies it: the entry by its phase name
 * (its `name`, or its fault's type, numbered where the type repeats) or its index in the timeline,
 * and the field: `for` (how long it stays applied) or a numeric or duration option of its fault
 * (`latency`, `jitter`, `share`, `rate`…).
 */
export interface Variation {
  fault: string;
  field: string;
}

/** A magnitude: ms for a duration field, a plain number otherwise. */
export interface Magnitude {
  value: number;
  unit: 'ms' | '';
}

export const formatMagnitude = (m: Magnitude): string => (m.unit === 'ms' ? formatMs(m.value) : String(m.value));

/** Each entry's phase name, as resolution names it: its name, or its fault's type (numbered where it repeats). */
export function phaseNames(timeline: readonly { name?: string | undefined; fault: { type: string } }[]): string[] {
  const count = new Map<string, number>();
  for (const t of timeline) count.set(t.fault.type, (count.get(t.fault.type) ?? 0) + 1);
  const seen = new Map<string, number>();
  return timeline.map((t) => {
    const k = (seen.get(t.fault.type) ?? 0) + 1;
    seen.set(t.fault.type, k);
    return t.name ?? ((count.get(t.fault.type) ?? 0) > 1 ? `${t.fault.type}-${k}` : t.fault.type);
  });
}

function entryOf(file: string, def: ScenarioDefinition, v: Variation): { index: number; entry: TimelineEntry } {
  const names = phaseNames(def.timeline);
  const byName = names.indexOf(v.fault);
  const index = byName >= 0 ? byName : /^\d+$/.test(v.fault) ? Number(v.fault) : -1;
  const entry = def.timeline[index];
  if (!entry)
    throw new ScenarioError(file, [
      {
        field: '--fault',
        message: `'${v.fault}' is no entry of the timeline`,
        fix: `name one by its phase (${names.join(', ') || 'the timeline is empty'}) or its index (0–${Math.max(0, def.timeline.length - 1)})`,
      },
    ]);
  return { index, entry };
}

/** The fields of an entry that can be varied: `for` when it has one, and each numeric or duration option of its fault. */
export function variableFields(entry: TimelineEntry): string[] {
  const own = Object.entries(entry.fault as unknown as Record<string, unknown>)
    .filter(([k, x]) => k !== 'type' && (typeof x === 'number' || (typeof x === 'string' && parseDurationMs(x) !== undefined)))
    .map(([k]) => k);
  return [...(entry.for !== undefined ? ['for'] : []), ...own];
}

/** The entry's magnitude as the scenario has it. */
export function magnitudeOf(file: string, def: ScenarioDefinition, v: Variation): Magnitude {
  const { index, entry } = entryOf(file, def, v);
  const raw = v.field === 'for' ? entry.for : (entry.fault as unknown as Record<string, unknown>)[v.field];
  if (typeof raw === 'number') return { value: raw, unit: '' };
  const ms = typeof raw === 'string' ? parseDurationMs(raw) : undefined;
  if (ms !== undefined) return { value: ms, unit: 'ms' };
  throw new ScenarioError(file, [
    {
      field: `timeline[${index}]${v.field === 'for' ? '.for' : `.fault.${v.field}`}`,
      message: `'${v.field}' is not a magnitude of this ${entry.fault.type} entry`,
      fix: `vary one of: ${variableFields(entry).join(', ') || '(none: this entry has no numeric or duration field)'}`,
    },
  ]);
}

/** The definition with the entry's field set to `value` (ms for a duration field); nothing else changes. */
export function withMagnitude(file: string, def: ScenarioDefinition, v: Variation, value: number): ScenarioDefinition {
  const current = magnitudeOf(file, def, v);
  const { index, entry } = entryOf(file, def, v);
  const text = current.unit === 'ms' ? `${Math.round(value)}ms` : value;
  const changed: TimelineEntry =
    v.field === 'for' ? { ...entry, for: String(text) } : { ...entry, fault: { ...entry.fault, [v.field]: text } as TimelineEntry['fault'] };
  return { ...def, timeline: def.timeline.map((t, i) => (i === index ? changed : t)) };
}

import { z } from 'zod';
import { FAULT_KINDS } from '../faults/index.ts';
import { PART_KINDS } from '../stack/index.ts';
import type { ScenarioDefinition } from './types.ts';

// ---- the schema: one place that says what a scenario may contain -------------------------------

const duration = z.string().min(1);

// A fault's own options are checked by its kind's schema (harness/faults/kinds/), once its type is known.
const faultEntrySchema = z.looseObject({ type: z.string() });
export const scenarioSchema = z.strictObject({
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
  abortWhen: z.array(z.string()).optional(),
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

/** A scenario as its schema reads it (each part and fault checked by its kind afterwards). */
export type ScenarioInput = z.infer<typeof scenarioSchema>;

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { FAULT_TYPES } from '../faults/index.ts';

/** One thing wrong with a scenario: its field, what is wrong, and the fix. Every section of resolution adds its own. */
export type Problem = { field: string; message: string; fix: string };

export function zodFix(issue: z.core.$ZodIssue): string {
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
    // A schema that checks a value itself says its fix (z.custom's params).
    case 'custom':
      return typeof issue.params?.['fix'] === 'string' ? issue.params['fix'] : 'see the scenario section of the README';
    default:
      return 'see the scenario section of the README';
  }
}

export function pathOf(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** Paths in a scenario, checked: each relative to the scenario's folder, or the stack's file's for a stack defined elsewhere. */
export interface ScenarioPaths {
  /** The scenario's own folder. */
  base: string;
  /** The folder of the file that defines the stack (stack: base.stack); the scenario's otherwise. */
  stackBase: string;
  /** An existing file's absolute path; a problem when it is not one. */
  file(field: string, rel: string | undefined, from?: string): string | undefined;
  /** An existing folder's absolute path (the stack's folder by default); a problem when it is not one. */
  dir(field: string, rel: string | undefined, from?: string): string;
}

export function scenarioPaths(base: string, stackBase: string, problems: Problem[]): ScenarioPaths {
  const where = (from: string) => (from === base ? "the scenario's folder" : 'the folder of the file that defines the stack');
  return {
    base,
    stackBase,
    file: (field, rel, from = base) => {
      if (rel === undefined) return undefined;
      const abs = path.resolve(from, rel);
      if (!existsSync(abs) || !statSync(abs).isFile()) {
        problems.push({
          field,
          message: `file '${rel}' does not exist (looked for ${abs})`,
          fix: `create it or correct the path: relative to ${where(from)}, ${from}`,
        });
      }
      return abs;
    },
    dir: (field, rel, from = stackBase) => {
      const abs = path.resolve(from, rel ?? '.');
      if (!existsSync(abs) || !statSync(abs).isDirectory()) {
        problems.push({
          field,
          message: `folder '${rel ?? '.'}' does not exist (looked for ${abs})`,
          fix: `correct the path: relative to ${where(from)}, ${from}`,
        });
      }
      return abs;
    },
  };
}

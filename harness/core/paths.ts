import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** harness/index.ts: what a written scenario imports. */
export const HARNESS_INDEX = fileURLToPath(new URL('../index.ts', import.meta.url));
/** harness/load/k6/index.ts: what a written load script imports. */
export const K6_INDEX = fileURLToPath(new URL('../load/k6/index.ts', import.meta.url));

/** `to` as an ES import from the folder of `fromFile`: starting with ./ or ../, with / separators. */
export function importPath(fromFile: string, to: string): string {
  const rel = path.relative(path.dirname(path.resolve(fromFile)), path.resolve(to)).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/**
 * How a file written at `fromFile` imports this brownout's `entry` (HARNESS_INDEX or K6_INDEX): by
 * the package name ('brownout', 'brownout/k6') where that resolves to this very copy (a project
 * that installed it, or this repository itself), else by a relative path.
 */
export function brownoutImport(fromFile: string, entry: string): string {
  const name = entry === K6_INDEX ? 'brownout/k6' : 'brownout';
  try {
    if (createRequire(path.resolve(fromFile)).resolve(name) === entry) return name;
  } catch {
    // Not resolvable from there: a relative path works anyway.
  }
  return importPath(fromFile, entry);
}

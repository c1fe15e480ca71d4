import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** harness/index.ts: what a written scenario imports. */
export const HARNESS_INDEX = fileURLToPath(new URL('../index.ts', import.meta.url));
/** harness/load/k6/index.ts: what a written load script imports. */
export const K6_INDEX = fileURLToPath(new URL('../load/k6/index.ts', import.meta.url));

/** `to` as an ES import from the folder of `fromFile`: starting with ./ or ../, with / separators. */
export function importPath(fromFile: string, to: string): string {
  const rel = path
    .relative(path.dirname(path.resolve(fromFile)), path.resolve(to))
    .split(path.sep)
    .join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** This brownout's package folder (real path). */
const PACKAGE_ROOT = realpathSync(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Whether `import 'brownout'` from `dir` finds this very copy: the first node_modules/brownout up
 * the tree, or the package itself (a package may import itself by name). Looked up by hand: under
 * tsx, require.resolve also follows the working directory's tsconfig paths.
 */
function resolvesToThisPackage(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const installed = path.join(d, 'node_modules', 'brownout');
    if (existsSync(path.join(installed, 'package.json'))) return realpathSync(installed) === PACKAGE_ROOT;
    if (existsSync(path.join(d, 'package.json')) && realpathSync(d) === PACKAGE_ROOT) return true;
    if (path.dirname(d) === d) return false;
  }
}

/**
 * How a file written at `fromFile` imports this brownout's `entry` (HARNESS_INDEX or K6_INDEX): by
 * the package name ('brownout', 'brownout/k6') where that finds this very copy (a project that
 * installed it, or this repository itself), else by a relative path.
 */
export function brownoutImport(fromFile: string, entry: string): string {
  if (resolvesToThisPackage(path.dirname(path.resolve(fromFile)))) return entry === K6_INDEX ? 'brownout/k6' : 'brownout';
  return importPath(fromFile, entry);
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** harness/index.ts: what a written scenario imports. */
export const HARNESS_INDEX = fileURLToPath(new URL('../index.ts', import.meta.url));

/** `to` as an ES import from the folder of `fromFile`: starting with ./ or ../, with / separators. */
export function importPath(fromFile: string, to: string): string {
  const rel = path.relative(path.dirname(path.resolve(fromFile)), path.resolve(to)).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** A file as scenarios name theirs: relative to the working directory, with / separators. */
export function cwdPath(file: string): string {
  return path.relative(process.cwd(), path.resolve(file)).split(path.sep).join('/');
}

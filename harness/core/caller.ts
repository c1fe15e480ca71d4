import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of a file on the call stack: `depth` 0 is the file of the function calling this one,
 * 1 the file of its caller, and so on. What a scenario's helpers use to read paths relative to the
 * file that called them (scenario(), fromCompose()).
 */
export function callerFolder(depth: number): string | undefined {
  // 0 "Error", 1 this function, 2 the function that asks, 3 its caller…
  const line = (new Error().stack ?? '').split('\n')[2 + depth];
  const m = /((?:file:\/\/)?\/[^():]+):\d+:\d+\)?$/.exec((line ?? '').trim());
  if (!m?.[1]) return undefined;
  return path.dirname(m[1].startsWith('file:') ? fileURLToPath(m[1]) : m[1]);
}

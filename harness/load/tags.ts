import type { Expectation, Scope } from '../measures/index.ts';

/** Tags k6 (or the judgement) sets itself, and the stack counters' part and link filters: their values need not appear in a script. */
const NOT_FROM_SCRIPT = new Set([
  'method',
  'status',
  'url',
  'group',
  'scenario',
  'expected_response',
  'proto',
  'error_code',
  'tls_version',
  'check',
  'first',
  'part',
  'db',
  'cache',
  'link',
]);

/**
 * The expectations whose tag filter names a value the load script never writes (not even inside
 * a longer string): {name:wirte} where the script tags 'write'. Only a warning: a script may build
 * a tag value at run time, and the judgement names the tags that exist after the run.
 */
export function unseenTags(expect: Readonly<Record<Scope, readonly Expectation[]>>, script: string): string[] {
  const out: string[] = [];
  for (const [phase, list] of Object.entries(expect)) {
    list.forEach((e, i) => {
      for (const [k, v] of Object.entries(e.tags)) {
        if (NOT_FROM_SCRIPT.has(k) || script.includes(v)) continue;
        out.push(
          `expect.${phase}[${i}] '${e.source}' filters on {${k}:${v}}, a value the load script never writes: a misspelt tag? (after the run, the judgement lists the tags requests carry)`,
        );
      }
    });
  }
  return out;
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scenarioOptionNames } from './validate.ts';

describe('the README documents every scenario option the validator accepts', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const names = scenarioOptionNames();
  it('finds the options (the walk reaches nested parts and faults)', () => {
    for (const n of [
      'name',
      'stack',
      'load',
      'preAllocatedVUs',
      'env',
      'charset',
      'variables',
      'setup',
      'cwd',
      'leader',
      'jitter',
      'rows',
      'stableFor',
      'replayOf',
    ])
      expect(names).toContain(n);
  });
  it.each(names)('%s is named in the README as an option', (n) => {
    // As an option in code: `n`, { n?, ..., n: ..., or a line of a code block starting with n:
    const asOption = new RegExp(`(^|[\`{(,])\\s*${n}(\\?|\`|:|,| \\})`, 'm');
    expect(asOption.test(readme), `README does not name the option '${n}'`).toBe(true);
  });
});

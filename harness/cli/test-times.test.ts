import { describe, expect, it } from 'vitest';
import { mergeTestTimes, renderTestTimes } from './test-times.ts';

describe("make test's time by file", () => {
  it('slowest first, a file’s hooks and import beside its tests, shares of the whole, then the counts', () => {
    const out = renderTestTimes(
      [
        { file: 'a.test.ts', tests: 1, testsS: 1, hooksS: 0, importS: 0 },
        { file: 'b.test.ts', tests: 2, testsS: 2, hooksS: 6, importS: 1 },
      ],
      { passed: 3, failed: 0, skipped: 0 },
    ).split('\n');
    expect(out[0]).toBe('time by test file (10 s in all: tests 3 s, hooks 6 s, imports 1 s):');
    expect(out[2]).toBe('   9.0 s   90.0%    2.0 s    6.0 s    1.0 s  b.test.ts (2 tests)');
    expect(out[3]).toBe('   1.0 s   10.0%    1.0 s    0.0 s    0.0 s  a.test.ts (1 test)');
    expect(out[4]).toBe('tests: 3 passed, 0 failed, 0 skipped');
  });
  it('no files: only the counts', () => {
    expect(renderTestTimes([], { passed: 0, failed: 1, skipped: 0 })).toBe('tests: 0 passed, 1 failed, 0 skipped\n');
  });
  it('each failed test after the counts, with its error’s first lines, so a log’s tail names it', () => {
    const error = ['expected 2 to be 0', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7', 'line 8'].join('\n');
    const out = renderTestTimes([], { passed: 1, failed: 1, skipped: 0 }, [{ file: 'tests/x.test.ts', name: 'fixed > passes', error }]).split('\n');
    expect(out[0]).toBe('tests: 1 passed, 1 failed, 0 skipped');
    expect(out[1]).toBe('FAILED tests/x.test.ts > fixed > passes');
    expect(out.slice(2, 8)).toEqual(['    expected 2 to be 0', '    line 2', '    line 3', '    line 4', '    line 5', '    line 6']);
    expect(out[8]).toBe("    … (2 more lines in vitest's output above)");
  });
});

describe("the suite's lanes, merged", () => {
  it('files of every lane, counts summed, failures in lane order', () => {
    const f = (file: string) => ({ file, tests: 1, testsS: 1, hooksS: 0, importS: 0 });
    const m = mergeTestTimes([
      { files: [f('a.test.ts')], counts: { passed: 1, failed: 1, skipped: 0 }, failures: [{ file: 'a.test.ts', name: 'x', error: 'e1' }] },
      { files: [f('b.test.ts'), f('c.test.ts')], counts: { passed: 2, failed: 0, skipped: 3 }, failures: [] },
      { files: [], counts: { passed: 0, failed: 1, skipped: 0 }, failures: [{ file: 'd.test.ts', name: '(the file itself)', error: 'e2' }] },
    ]);
    expect(m.files.map((x) => x.file)).toEqual(['a.test.ts', 'b.test.ts', 'c.test.ts']);
    expect(m.counts).toEqual({ passed: 3, failed: 2, skipped: 3 });
    expect(m.failures.map((x) => x.error)).toEqual(['e1', 'e2']);
  });
});

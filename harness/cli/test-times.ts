/**
 * `make test`'s closing words: where the time went, by test file, slowest first, then one plain line
 * "tests: N passed, N failed, N skipped". A vitest reporter, because only vitest knows a file's
 * hooks (beforeAll/afterAll: a stack started once for several tests) and its import time, which
 * its JSON report leaves out. Then each failed test with its error's first lines, last, because a
 * CI log is often read from its tail only (vitest's own account of a failure scrolls away above the
 * table). Written to reports/test-times.txt (make prints it) and .json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export interface FileTime {
  file: string;
  tests: number;
  /** Seconds: the tests' own time, their hooks' (the module's run less its tests), its import. */
  testsS: number;
  hooksS: number;
  importS: number;
}

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface FailedTest {
  file: string;
  /** The describe blocks and the test's name, joined by " > ". */
  name: string;
  /** The first error's message, at most a few lines. */
  error: string;
}

const ERROR_LINES = 6;

/** The table and the closing line, as printed. */
export function renderTestTimes(files: readonly FileTime[], counts: TestCounts, failures: readonly FailedTest[] = []): string {
  const all = (f: FileTime) => f.testsS + f.hooksS + f.importS;
  const sorted = [...files].sort((a, b) => all(b) - all(a));
  const total = sorted.reduce((n, f) => n + all(f), 0);
  const lines: string[] = [];
  if (sorted.length) {
    const sum = (k: 'testsS' | 'hooksS' | 'importS') => sorted.reduce((n, f) => n + f[k], 0).toFixed(0);
    lines.push(`time by test file (${total.toFixed(0)} s in all: tests ${sum('testsS')} s, hooks ${sum('hooksS')} s, imports ${sum('importS')} s):`);
    lines.push(`${'all'.padStart(8)}  ${'share'.padStart(6)}  ${'tests'.padStart(7)}  ${'hooks'.padStart(7)}  ${'import'.padStart(7)}  file`);
    const s = (x: number) => `${x.toFixed(1)} s`.padStart(8);
    for (const f of sorted) {
      const share = total > 0 ? (all(f) / total) * 100 : 0;
      lines.push(
        `${s(all(f))}  ${`${share.toFixed(1)}%`.padStart(6)} ${s(f.testsS)} ${s(f.hooksS)} ${s(f.importS)}  ${f.file} (${f.tests} test${f.tests === 1 ? '' : 's'})`,
      );
    }
  }
  lines.push(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  for (const f of failures) {
    lines.push(`FAILED ${f.file} > ${f.name}`);
    const msg = f.error.split('\n').filter((l) => l.trim() !== '');
    for (const l of msg.slice(0, ERROR_LINES)) lines.push(`    ${l}`);
    if (msg.length > ERROR_LINES) lines.push(`    … (${msg.length - ERROR_LINES} more lines in vitest's output above)`);
  }
  return `${lines.join('\n')}\n`;
}

/** What one vitest process's reporter wrote (reports/<name>.json). */
export interface TestTimesFile {
  files: FileTime[];
  counts: TestCounts;
  failures: FailedTest[];
}

/** Several vitest processes' (the suite's lanes, tests/suite.ts) as one: their files, counts and failures together. */
export function mergeTestTimes(parts: readonly TestTimesFile[]): TestTimesFile {
  return {
    files: parts.flatMap((p) => p.files),
    counts: {
      passed: parts.reduce((n, p) => n + p.counts.passed, 0),
      failed: parts.reduce((n, p) => n + p.counts.failed, 0),
      skipped: parts.reduce((n, p) => n + p.counts.skipped, 0),
    },
    failures: parts.flatMap((p) => p.failures),
  };
}

export default class TestTimes implements Reporter {
  private readonly files: FileTime[] = [];
  private readonly counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  private readonly failures: FailedTest[] = [];

  onTestModuleEnd(m: TestModule): void {
    const d = m.diagnostic();
    let testsMs = 0;
    let n = 0;
    const file = path.relative(process.cwd(), m.moduleId);
    for (const t of m.children.allTests()) {
      n++;
      testsMs += t.diagnostic()?.duration ?? 0;
      const r = t.result();
      if (r.state === 'passed') this.counts.passed++;
      else if (r.state === 'failed') {
        this.counts.failed++;
        this.failures.push({ file, name: t.fullName, error: r.errors?.[0]?.message ?? '(no error message)' });
      } else this.counts.skipped++;
    }
    // A file that failed to load has no tests to count: it counts as one failure.
    if (n === 0 && m.state() === 'failed') {
      this.counts.failed++;
      this.failures.push({ file, name: '(the file itself)', error: m.errors()[0]?.message ?? '(no error message)' });
    }
    this.files.push({
      file,
      tests: n,
      testsS: testsMs / 1000,
      hooksS: Math.max(0, d.duration - testsMs) / 1000,
      importS: (d.collectDuration + d.setupDuration + d.prepareDuration + d.environmentSetupDuration) / 1000,
    });
  }

  onTestRunEnd(): void {
    // Printed by make after vitest's own summary (a reporter cannot print after another's). Under
    // tests/suite.ts each lane's vitest writes its own (BROWNOUT_TEST_TIMES names it), merged at the end.
    const name = process.env['BROWNOUT_TEST_TIMES'] || 'test-times';
    mkdirSync('reports', { recursive: true });
    writeFileSync(path.join('reports', `${name}.txt`), renderTestTimes(this.files, this.counts, this.failures));
    const out: TestTimesFile = { files: this.files, counts: this.counts, failures: this.failures };
    writeFileSync(path.join('reports', `${name}.json`), `${JSON.stringify(out, null, 2)}\n`);
  }
}

// Prints vitest's JSON report: where the time went, by test file, slowest first (the tests' own
// time: a file's beforeAll is not in it), then one plain closing line: "N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';
import path from 'node:path';

const r = JSON.parse(readFileSync(process.argv[2] ?? 'reports/vitest.json', 'utf8'));
const files = (r.testResults ?? [])
  .map((f) => ({ file: path.relative(process.cwd(), f.name), s: (f.endTime - f.startTime) / 1000, tests: f.assertionResults?.length ?? 0 }))
  .filter((f) => Number.isFinite(f.s))
  .sort((a, b) => b.s - a.s);
if (files.length) {
  const total = files.reduce((n, f) => n + f.s, 0);
  process.stdout.write(`time by test file (${total.toFixed(0)} s in all):\n`);
  for (const f of files)
    process.stdout.write(
      `${f.s.toFixed(1).padStart(8)} s  ${((f.s / total) * 100).toFixed(1).padStart(5)}%  ${f.file} (${f.tests} test${f.tests === 1 ? '' : 's'})\n`,
    );
}
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
process.stdout.write(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped\n`);

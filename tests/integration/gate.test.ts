import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../harness/report/index.ts';
import { runCli as cli, runProgram } from './helpers.ts';

// The regression gate end to end, through the CLI, on the scenario `brownout new` writes (the
// sample photo service: 4 s thumbnails for 10 s; fixed stays fast, broken answers 503 after 3 s).
const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-gate-'));
const reports = path.join(dir, 'reports');
const baseline = path.join(dir, 'baseline.json');
const scenario = path.join(dir, 'scenarios', 'gate-demo.ts');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runDirs = () =>
  readdirSync(reports)
    .filter((d) => d.includes('gate-demo'))
    .sort()
    .map((d) => path.join(reports, d));
const resultOf = (d: string) => JSON.parse(readFileSync(path.join(d, 'result.json'), 'utf8')) as RunResult;

describe('brownout new, then the regression gate', () => {
  it('new writes a scenario that runs green as written; --save-baseline stores its figures', async () => {
    const made = await cli('new', 'gate-demo', '--dir', path.join(dir, 'scenarios'));
    expect(made.status, made.stderr).toBe(0);
    const r = await cli('run', scenario, '--mode', 'fixed', '--reports', reports, '--save-baseline', baseline);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toContain(`baseline of gate-demo (fixed) saved to ${baseline}`);
    const saved = JSON.parse(readFileSync(baseline, 'utf8')) as { scenarios: Record<string, { mode: string; phases: Record<string, { count: number }> }> };
    expect(saved.scenarios['gate-demo']?.mode).toBe('fixed');
    expect(saved.scenarios['gate-demo']?.phases['fault']?.count).toBeGreaterThan(150);
  }, 150_000);

  it('the broken mode against that baseline exits 1 and names each regression, in every report and on GitHub Actions', async () => {
    // As on a GitHub Actions runner: the job summary file, and annotations on stdout.
    const jobSummary = path.join(dir, 'step-summary.md');
    const r = await runProgram(
      process.execPath,
      ['--import', 'tsx', 'harness/cli/main.ts', 'run', scenario, '--mode', 'broken', '--reports', reports, '--baseline', baseline],
      { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: jobSummary },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(readFileSync(jobSummary, 'utf8')).toBe(`${readFileSync(path.join(reports, 'comment.md'), 'utf8')}\n`);
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations).toContainEqual(
      expect.stringMatching(
        new RegExp(`^::error file=${scenario.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},title=fault%3A p95 regressed::gate-demo \\(broken\\): fault p95 `),
      ),
    );
    expect(annotations.length).toBeGreaterThanOrEqual(2);
    expect(r.stdout).toMatch(/## Against the baseline/);
    // The thumbnails held uploads for 3 s and the gateway answered 503: both figures regressed.
    expect(r.stdout).toMatch(/\| fault \| p95 \| [\d.]+ms \| 3\.\d+s \| \+[\d.]+s \(\+\d+%\) \| \+20% and \+5ms \| \*\*REGRESSED\*\* \|/);
    expect(r.stdout).toMatch(/\| fault \| rate503 \| 0\.00% \| [1-9]\d\.\d\d% \| \+\d+\.\d\dpp \| \+0\.1pp \| \*\*REGRESSED\*\* \|/);
    const run = runDirs().at(-1) ?? '';
    const result = resultOf(run);
    expect(result.verdict).toBe('fail');
    expect(result.baseline?.regressions).toBeGreaterThanOrEqual(2);
    expect(readFileSync(path.join(run, 'junit.xml'), 'utf8')).toMatch(
      /<testcase classname="brownout\.gate-demo\.baseline" name="baseline: fault rate503" time="0">\s*<failure message="regressed: rate503/,
    );
    expect(readFileSync(path.join(run, 'report.html'), 'utf8')).toContain('REGRESSED');
    expect(readFileSync(path.join(reports, 'comment.md'), 'utf8')).toMatch(/\| gate-demo \| broken \| ❌ fail \| \d+ \| .*fault rate503 0\.00% → /);
  }, 150_000);

  it('brownout report re-renders summary.md, junit.xml and report.html from result.json alone', async () => {
    const run = runDirs().at(-1) ?? '';
    const before = Object.fromEntries(['summary.md', 'junit.xml', 'report.html'].map((f) => [f, readFileSync(path.join(run, f), 'utf8')]));
    for (const f of Object.keys(before)) unlinkSync(path.join(run, f));
    const r = await cli('report', run);
    expect(r.status, r.stderr).toBe(0);
    for (const [f, text] of Object.entries(before)) expect(readFileSync(path.join(run, f), 'utf8'), f).toBe(text);
    const bad = await cli('report', dir);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/cannot re-render .*result\.json.*\nfix: give a run folder/);
  });

  it('a bad baseline or margin is one clear error before anything starts (exit 2)', async () => {
    const before = existsSync(reports) ? runDirs().length : 0;
    const m = await cli('run', scenario, '--baseline', baseline, '--max-regression', 'p95=+1s%');
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/bad margin "p95=\+1s%".*\n.*where: --max-regression\n.*fix: +give a percentage \(\+20%\) or a duration/);
    const b = await cli('run', scenario, '--baseline', path.join(dir, 'nope.json'));
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/cannot read the baseline/);
    expect(runDirs().length).toBe(before);
  });
});

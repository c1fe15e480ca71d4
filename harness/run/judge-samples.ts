import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { type HarnessError, LoadError, ScenarioError } from '../core/errors.ts';
import { mergeResults, readResultsFile } from '../load/index.ts';
import { judge, measureOf, type Expectation } from '../measures/index.ts';
import { writeReport, type RunResult } from '../report/index.ts';
import { loadScenario } from '../scenario/index.ts';
import { producedProblems } from './expectations.ts';
import { buildResult, exitCodeOf, newRunId, saturationError } from './result.ts';

export interface JudgedSamples {
  exitCode: 0 | 1 | 2;
  result: RunResult | undefined;
  error: HarnessError | undefined;
  reportDir: string | undefined;
  /** Expectations left out, and why. */
  skipped: string[];
}

/**
 * `brownout judge DIR SCENARIO`: k6 JSON results written elsewhere (the k6-operator's runners, one
 * file each) merged and judged against the scenario's baseline and overall expectations. There was
 * no fault timeline, so every request is in the baseline phase; figures that need the stack are
 * left out and named.
 */
export async function judgeSamples(dir: string, scenarioFile: string, reportsDir = 'reports'): Promise<JudgedSamples> {
  const out: JudgedSamples = { exitCode: 2, result: undefined, error: undefined, reportDir: undefined, skipped: [] };
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (e) {
    out.error = new LoadError(
      `cannot read the samples folder: ${(e as Error).message}`,
      dir,
      'give the folder the runners wrote their k6 JSON results to (brownout export k8s: /results)',
    );
    return out;
  }
  const sc = await loadScenario(scenarioFile);
  const parts = await Promise.all(files.map((f) => readResultsFile(path.join(dir, f))));
  const used = parts.flatMap((p, i) => (p.requests.length > 0 ? [{ file: files[i] ?? '', p }] : []));
  if (used.length === 0) {
    out.error = new LoadError(
      `no k6 request samples in ${dir}`,
      files.length ? files.map((f) => path.join(dir, f)).join('\n') : dir,
      'give the folder of k6 JSON outputs (k6 run --out json=FILE), one file per runner',
    );
    return out;
  }
  const merged = mergeResults(used.map((u) => u.p));
  const t0 = merged.requests.length ? merged.requests.startMs(0) : 0;
  const tEnd = t0 + sc.load.durationMs;
  const keep = (list: readonly Expectation[], phase: string) =>
    list.filter((e) => {
      // Figures read from the stack brownout starts (its database, gateway, counters, fault timeline).
      if (!measureOf(e.metric.kind).needsStack) return true;
      out.skipped.push(`${phase}: ${e.source} (needs the stack brownout starts)`);
      return false;
    });
  for (const phase of ['fault', 'between', 'recovery'] as const)
    for (const e of sc.expect[phase]) out.skipped.push(`${phase}: ${e.source} (no fault timeline ran)`);
  const judgement = judge({
    samples: merged.samples,
    records: merged.requests,
    windows: [],
    loadStartMs: t0,
    loadEndMs: tEnd,
    warmUpMs: sc.load.warmUpMs,
    expect: { baseline: keep(sc.expect.baseline, 'baseline'), overall: keep(sc.expect.overall, 'overall') },
    steady: sc.steady,
    stableForMs: sc.stableForMs,
  });
  // Stamped with when the samples start, not when they were judged.
  const runId = newRunId(`${sc.name}-judged`, t0);
  const { result, saturation: sat } = buildResult({
    runId,
    scenario: { name: sc.name, file: sc.file, incident: sc.incident, mode: sc.mode },
    t0,
    tEnd,
    load: { target: `samples in ${dir}`, rate: sc.load.rate, durationMs: sc.load.durationMs },
    perRunner: used.map((u) => u.p),
    merged,
    listRunners: true,
    timeline: [{ atMs: t0, offsetMs: 0, kind: 'load-start', label: `load started (${used.length} runners: ${used.map((u) => u.file).join(', ')})` }],
    judgement,
    versions: {},
  });
  out.result = result;
  if (sat.saturated) {
    out.error = saturationError(
      result,
      sat,
      used.map((u) => u.file),
      dir,
      'give the runners more VUs (load.maxVUs) or more runners',
    );
  }
  // An expectation on a k6 metric or check the runners never produced: the scenario's error.
  const unproduced = producedProblems(sc, merged.samples);
  if (!out.error && unproduced.length) out.error = new ScenarioError(scenarioFile, unproduced);
  out.exitCode = exitCodeOf({ error: out.error, result, cleanupFailures: [] });
  out.reportDir = path.resolve(reportsDir, runId);
  mkdirSync(out.reportDir, { recursive: true });
  await writeReport(out.reportDir, result, out.error, [], scenarioFile);
  return out;
}

/**
 * `make test`'s vitest: the unit tests, then the suite's two lanes (vitest.config.ts's projects; side
 * by side when asked, below), then the files that need the machine alone; each lane a vitest
 * process of its own (one file at a time in each), its output lines prefixed with its name. At the end one account of the whole: vitest's JSON report
 * (reports/vitest.json) and the time by file (reports/test-times.txt, .json), both of every lane,
 * with each stage's wall time. Exits 0 when every lane passed, else 1.
 *
 * Vitest runs projects side by side only in its parallel pool, where any two files may meet; two
 * processes keep each lane's files one at a time and decide which files can meet (the lanes).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { mergeTestTimes, renderTestTimes, type TestTimesFile } from '../harness/cli/test-times.ts';

/**
 * Stages in order; the lanes of a stage run side by side only when BROWNOUT_TEST_LANES=side-by-side
 * (a bigger machine), else one after the other: measured side by side on this project's 2 cores
 * (1192 s instead of ~2200 s), two scenario runs at once took more than the busy gate's margin (a
 * fixed figure failed with the gate satisfied; short runs were starved three times in a row), which
 * a suite that must not flake cannot afford.
 */
const SIDE_BY_SIDE = process.env['BROWNOUT_TEST_LANES'] === 'side-by-side';
const STAGES: readonly (readonly string[])[] = SIDE_BY_SIDE ? [['unit'], ['a', 'b'], ['alone']] : [['unit'], ['a'], ['b'], ['alone']];
const REPORTS = 'reports';
const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

interface LaneEnd {
  lane: string;
  code: number;
  seconds: number;
}

const children = new Set<ReturnType<typeof spawn>>();
let stopping: NodeJS.Signals | undefined;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(sig, () => {
    // Each lane's vitest ends its runs (their teardown, the harness's reapers) and exits.
    stopping = sig;
    for (const c of children) c.kill(sig);
  });

function runLane(lane: string): Promise<LaneEnd> {
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    [
      vitest,
      'run',
      '--project',
      lane,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${REPORTS}/vitest-${lane}.json`,
      '--reporter=./harness/cli/test-times.ts',
      ...process.argv.slice(2),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BROWNOUT_TEST_TIMES: `test-times-${lane}` } },
  );
  children.add(child);
  const prefix = `${lane.padEnd(5)} │ `;
  for (const [from, to] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const)
    createInterface({ input: from }).on('line', (line) => to.write(`${prefix}${line}\n`));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ lane, code: code ?? (signal ? 1 : 0), seconds: (Date.now() - t0) / 1000 });
    });
  });
}

const readJson = <T>(file: string): T | undefined => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined);

/** vitest's JSON reports of the lanes as one: their results together, the counts summed, success only if each succeeded. */
function mergeVitestJson(lanes: readonly string[]): void {
  const parts: Record<string, unknown>[] = [];
  for (const l of lanes) {
    const j = readJson<Record<string, unknown>>(`${REPORTS}/vitest-${l}.json`);
    if (j) parts.push(j);
  }
  if (!parts.length) return;
  const merged: Record<string, unknown> = { ...parts[0], testResults: parts.flatMap((p) => (p['testResults'] as unknown[]) ?? []) };
  for (const key of Object.keys(parts[0] ?? {}))
    if (key.startsWith('num')) merged[key] = parts.reduce((n, p) => n + (typeof p[key] === 'number' ? (p[key] as number) : 0), 0);
  merged['success'] = parts.every((p) => p['success'] === true) && parts.length === lanes.length;
  merged['startTime'] = Math.min(...parts.map((p) => Number(p['startTime'])));
  writeFileSync(`${REPORTS}/vitest.json`, `${JSON.stringify(merged)}\n`);
  for (const l of lanes) rmSync(`${REPORTS}/vitest-${l}.json`, { force: true });
}

async function main(): Promise<number> {
  mkdirSync(REPORTS, { recursive: true });
  const lanes = STAGES.flat();
  for (const l of lanes) rmSync(`${REPORTS}/test-times-${l}.json`, { force: true });
  const t0 = Date.now();
  const ends: LaneEnd[] = [];
  for (const stage of STAGES) {
    if (stopping) break;
    ends.push(...(await Promise.all(stage.map(runLane))));
  }
  const wall = (Date.now() - t0) / 1000;

  // --- One account of the whole ---
  const parts: TestTimesFile[] = [];
  const missing: string[] = [];
  for (const l of lanes) {
    const part = readJson<TestTimesFile>(`${REPORTS}/test-times-${l}.json`);
    if (part) parts.push(part);
    else missing.push(l);
    rmSync(`${REPORTS}/test-times-${l}.json`, { force: true });
    rmSync(`${REPORTS}/test-times-${l}.txt`, { force: true });
  }
  mergeVitestJson(lanes);
  const all = mergeTestTimes(parts);
  const stages = STAGES.map((s) => s.map((l) => `${l} ${ends.find((e) => e.lane === l)?.seconds.toFixed(0) ?? '—'} s`).join(' beside '));
  const head = `the suite: ${wall.toFixed(0)} s (lanes: ${stages.join(', then ')})${missing.length ? `; no account from lane ${missing.join(', ')} (its vitest ended before its reporters did)` : ''}\n`;
  const text = head + renderTestTimes(all.files, all.counts, all.failures);
  writeFileSync(`${REPORTS}/test-times.txt`, text);
  writeFileSync(`${REPORTS}/test-times.json`, `${JSON.stringify({ ...all, wallS: wall, lanes: ends }, null, 2)}\n`);
  process.stdout.write(`\n${text}`);
  const failed = ends.some((e) => e.code !== 0) || missing.length > 0 || all.counts.failed > 0 || stopping !== undefined;
  return failed ? 1 : 0;
}

process.exitCode = 2;
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tests/suite.ts: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);

/**
 * `make teardown-soak RUNS=30`: the teardown paths many times on a busy machine. Each run is the CLI
 * on a short photo-stack scenario, ended by passing or by SIGINT mid-fault, while every core is kept
 * busy by a CPU burner (a second process, as a shared CI runner has). The CLI's process tree is
 * watched every 100 ms; after each run every process seen is checked by pid and start time, and the
 * run's own teardown check (cleanupFailures in result.json) is read. Written to
 * reports/teardown-soak.json and .md; exit 1 when anything survived a run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processInfo } from '../../harness/core/procfs.ts';
import { descendants, noteSeen, runTempDirs, survivors, type SeenProcess } from '../integration/helpers.ts';

const RUNS = Number(process.env['RUNS'] ?? 30);
const SCENARIO = 'tests/integration/scenarios/teardown-pass.ts';
const REPORTS = path.resolve('reports');
/** A burner stops by itself after this long, whatever happens to this process. */
const BURNER_LIMIT_MS = 3 * 60 * 60 * 1000;

interface Run {
  path: 'pass' | 'SIGINT';
  index: number;
  exit: number | null;
  seconds: number;
  seen: number;
  survivors: string[];
  /** Pids seen during the run that are alive again as another process (a start time of their own): what a check by pid alone would have called survivors. */
  reused: number;
  cleanupFailures: string[];
  tempDirsLeft: string[];
}

function once(path_: Run['path'], index: number, reports: string): Promise<Run> {
  return new Promise((resolve) => {
    const dirs = runTempDirs();
    const t = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'run', SCENARIO, '--reports', reports], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const tree = new Map<number, SeenProcess>();
    const poll = setInterval(() => child.pid !== undefined && noteSeen(tree, descendants(child.pid)), 100);
    let stderr = '';
    let sent = false;
    const killer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (path_ === 'SIGINT' && !sent && /apply latency/.test(stderr)) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 500);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(killer);
      clearInterval(poll);
      const runDir = /report in (\S+)/.exec(stderr)?.[1];
      let cleanupFailures: string[] = [];
      try {
        if (runDir)
          cleanupFailures = (JSON.parse(readFileSync(path.join(runDir, 'result.json'), 'utf8')) as { cleanupFailures?: string[] }).cleanupFailures ?? [];
      } catch {
        cleanupFailures = [`no result.json in ${runDir ?? '(no report line)'}`];
      }
      const reused = [...tree].filter(([pid, p]) => {
        const now = processInfo(pid);
        return now !== undefined && now.state !== 'Z' && now.startTime !== p.startTime;
      }).length;
      resolve({
        path: path_,
        index,
        exit: code,
        seconds: (Date.now() - t) / 1000,
        seen: tree.size,
        survivors: survivors(tree),
        reused,
        cleanupFailures,
        tempDirsLeft: runTempDirs().filter((d) => !dirs.includes(d)),
      });
    });
  });
}

async function main(): Promise<number> {
  const burnerCode = `const end = Date.now() + ${BURNER_LIMIT_MS}; while (Date.now() < end) {}`;
  const burners = os.cpus().map(() => spawn(process.execPath, ['-e', burnerCode], { stdio: 'ignore' }));
  const reports = mkdtempSync(path.join(os.tmpdir(), 'brownout-teardown-soak-'));
  const runs: Run[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const p of ['pass', 'SIGINT'] as const) {
        const r = await once(p, i, reports);
        runs.push(r);
        process.stderr.write(
          `teardown-soak: ${p} #${i + 1}: exit ${r.exit} in ${r.seconds.toFixed(1)} s, ${r.seen} processes seen, ${r.survivors.length} survived, ${r.reused} pids reused, ${r.cleanupFailures.length} cleanup failures${r.survivors.length ? `: ${r.survivors.join('; ')}` : ''}\n`,
        );
      }
    }
  } finally {
    for (const b of burners) b.kill('SIGKILL');
    rmSync(reports, { recursive: true, force: true });
  }
  const lines = [
    '# Teardown under load',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, each kept busy by a CPU burner; ${RUNS} runs of each path.`,
    '',
    '| path | runs | exits | processes seen (min–max) | survivors | pids reused (a check by pid alone: survivors) | cleanup failures | temp dirs left |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const p of ['pass', 'SIGINT'] as const) {
    const rs = runs.filter((r) => r.path === p);
    const exits = [...new Set(rs.map((r) => r.exit))].map((e) => `${e} ×${rs.filter((r) => r.exit === e).length}`).join(', ');
    const seen = rs.map((r) => r.seen);
    lines.push(
      `| ${p} | ${rs.length} | ${exits} | ${Math.min(...seen)}–${Math.max(...seen)} | ${rs.reduce((n, r) => n + r.survivors.length, 0)} | ${rs.reduce((n, r) => n + r.reused, 0)} | ${rs.reduce((n, r) => n + r.cleanupFailures.length, 0)} | ${rs.reduce((n, r) => n + r.tempDirsLeft.length, 0)} |`,
    );
  }
  const bad = runs.filter((r) => r.survivors.length || r.cleanupFailures.length || r.tempDirsLeft.length);
  if (bad.length)
    lines.push(
      '',
      '## Runs that left something',
      '',
      ...bad.map((r) => `- ${r.path} #${r.index + 1}: ${[...r.survivors, ...r.cleanupFailures, ...r.tempDirsLeft.map((d) => `temp dir ${d}`)].join('; ')}`),
    );
  mkdirSync(REPORTS, { recursive: true });
  writeFileSync(path.join(REPORTS, 'teardown-soak.json'), `${JSON.stringify({ date: new Date().toISOString(), runs }, null, 2)}\n`);
  writeFileSync(path.join(REPORTS, 'teardown-soak.md'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return bad.some((r) => r.survivors.length) ? 1 : 0;
}

process.exitCode = await main();

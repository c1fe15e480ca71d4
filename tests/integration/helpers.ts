import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { RunLedger } from '../../harness/core/ledger.ts';
import { portsHeldBy } from '../../harness/core/leftovers.ts';
import { bootTickNow, bornOfRun, describeProcess, identify, parentPids, processInfo, stillAlive } from '../../harness/core/procfs.ts';
import { expect } from 'vitest';
import { runScenario, type RunOutcome } from '../../harness/index.ts';
import { renderError } from '../../harness/report/index.ts';
import { findContainerEngine, listContainerRuns, startStack, type ResolvedPart, type StartedLocalStack } from '../../harness/stack/index.ts';

/** Processes of the kinds a run starts, by pid → command line (read from /proc, no tools needed), and when they were read. */
export function stackProcesses(): Map<number, string> & { sinceTick: number } {
  const sinceTick = bootTickNow();
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue; // exited meanwhile
    }
    if (/(^|\/)(mariadbd|toxiproxy-server|haproxy|k6|redis-server) |fixtures\//.test(`${cmd} `)) found.set(Number(entry), cmd);
  }
  return Object.assign(found, { sinceTick });
}

/**
 * What is running now that was not running before and is this test's: this worker's descendants,
 * and orphans born since (procfs.ts bornOfRun, as the run's own leftover check). The suite runs two
 * lanes side by side (vitest.config.ts): the other lane's runs are not this test's leftovers. One
 * found must still be alive a moment later: an orphan of the other lane's teardown dies meanwhile.
 */
export async function newProcesses(before: Map<number, string> & { sinceTick: number }): Promise<string[]> {
  const ours = () =>
    [...stackProcesses()]
      .filter(([pid]) => !before.has(pid) && bornOfRun(pid, process.pid, before.sinceTick))
      .map(([pid, cmd]) => ({ pid, cmd, id: identify(pid) }));
  const first = ours();
  if (first.length === 0) return [];
  await new Promise((r) => setTimeout(r, 2_000));
  const still = new Set(stillAlive(first.flatMap((p) => (p.id ? [p.id] : []))).map((p) => p.pid));
  return ours()
    .filter((p) => still.has(p.pid))
    .map((p) => `${p.pid} ${p.cmd}`);
}

export function runTempDirs(): string[] {
  return readdirSync(os.tmpdir())
    .filter((d) => d.startsWith('brownout-2'))
    .sort();
}

/** A process as a watcher saw it: command line, parent and start time (with the pid, its identity). */
export interface SeenProcess {
  cmd: string;
  ppid: number;
  startTime: number;
}

/** Every live descendant of `root`, as seen now. */
export function descendants(root: number): Map<number, SeenProcess> {
  const pp = parentPids();
  const found = new Map<number, SeenProcess>();
  let frontier = [root];
  while (frontier.length) {
    const next: number[] = [];
    for (const [pid, ppid] of pp) {
      if (frontier.includes(ppid) && !found.has(pid)) {
        const info = processInfo(pid);
        if (!info) continue;
        found.set(pid, { cmd: info.cmdline, ppid, startTime: info.startTime });
        next.push(pid);
      }
    }
    frontier = next;
  }
  return found;
}

/** Records what `descendants` sees into `seen`: the first sight gives the identity, a later one may add the command line (the exec came after). */
export function noteSeen(seen: Map<number, SeenProcess>, now: ReadonlyMap<number, SeenProcess>, ignore?: ReadonlySet<number>): void {
  for (const [pid, p] of now) {
    if (ignore?.has(pid)) continue;
    const before = seen.get(pid);
    if (!before || before.startTime !== p.startTime) seen.set(pid, p);
    else if (!before.cmd && p.cmd) before.cmd = p.cmd;
  }
}

/**
 * Those of the seen processes still alive after the run, each named (pid, state, parent, start
 * time, command line). Alive means the same pid with the same start time, not a zombie: a pid
 * reused by another process since (pid_max is 32768 here) is not a survivor.
 */
export function survivors(seen: ReadonlyMap<number, SeenProcess>): string[] {
  return stillAlive([...seen].map(([pid, p]) => ({ pid, startTime: p.startTime }))).map(
    (p) => `${describeProcess(p)} (seen as: ${seen.get(p.pid)?.cmd || 'no command line'})`,
  );
}

/**
 * Watches the process tree under `root` while `during` runs (every 100 ms), so that every process
 * the run started is known even if it lived only briefly. Vitest's own workers are left out.
 */
export async function watchTree<T>(
  root: number,
  during: (tree: Map<number, SeenProcess>) => Promise<T>,
): Promise<{ value: T; seen: Map<number, SeenProcess> }> {
  const seen = new Map<number, SeenProcess>();
  const ignore = new Set(descendants(root).keys());
  const poll = () => noteSeen(seen, descendants(root), ignore);
  const timer = setInterval(poll, 100);
  try {
    const value = await during(seen);
    poll();
    return { value, seen };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Those of `ports` still held by a listener of this test's (this worker's descendants, orphans born
 * since `sinceTick`): one the other lane took since (vitest.config.ts) is free as far as this test goes.
 */
export async function portsHeld(ports: readonly number[], sinceTick: number): Promise<string[]> {
  return (await portsHeldBy(ports, process.pid, sinceTick)).map(({ port, holders }) => `${port}: ${holders.map((h) => h.cmdline || h.pid).join(', ')}`);
}

export { listeningAddresses } from '../../harness/core/procfs.ts';

/** The photo fixture's MariaDB as a resolved part named `db` (schema and seed loaded), with these server variables. */
export function photoDbPart(variables: Readonly<Record<string, string>> = {}): ResolvedPart {
  return {
    kind: 'mariadb',
    name: 'db',
    database: 'app',
    charset: 'utf8mb4',
    collation: 'utf8mb4_unicode_ci',
    variables,
    schemaPath: path.resolve('fixtures/photo/schema.sql'),
    seedPath: path.resolve('fixtures/photo/seed.sql'),
  };
}

/**
 * The plain HTTP test server (tests/integration/scenarios/blob-server.cjs: /blob, /work, /count) as
 * a resolved service part, for tests of links between two processes.
 */
export function blobServicePart(name: string, dependsOn: string[] = []): ResolvedPart {
  return {
    kind: 'service',
    name,
    command: ['node', path.resolve('tests/integration/scenarios/blob-server.cjs')],
    env: {},
    health: { http: '/health' },
    dependsOn,
    startupTimeoutMs: 20_000,
    timeoutsMs: {},
    cwd: process.cwd(),
  };
}

/**
 * A stack of just the photo fixture's MariaDB (schema and seed loaded), for tests of faults and
 * checks; `use` gets it, and everything is released afterwards, whatever happens.
 */
export async function withPhotoDb(use: (stack: StartedLocalStack, cleanup: CleanupList) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-test-'));
  const cleanup = new CleanupList();
  let failures: string[] = [];
  try {
    const stack = await startStack([photoDbPart()], [], { runId: 'test', dir, cleanup });
    await use(stack, cleanup);
  } finally {
    failures = await cleanup.releaseAll();
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length) throw new Error(`cleanup failed: ${failures.join('; ')}`);
}

export interface Ran {
  status: number | null;
  /** The signal that ended it (SIGKILL when it outlived timeoutMs), null when it exited. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * A program run to its end without blocking. Never spawnSync for anything long: a worker blocked
 * for 60 s cannot read vitest's answer to its own onTaskUpdate, and the run ends with "Timeout
 * calling onTaskUpdate", every test green and the exit code 1 (measured: cli.test's soak, 70 s).
 */
export function runProgram(cmd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, cwd?: string, timeoutMs?: number): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/**
 * How many more times a test's run may go when the machine was too busy to trust its verdict
 * (BO_MACHINE_BUSY): CI runners are shared, and the verdict a test checks is the scenario's, not the
 * runner's. A pass or a fail never runs again. The CLI's tests get the same through
 * BROWNOUT_AGAIN_IF_BUSY (vitest.config.ts).
 */
export const AGAIN_IF_BUSY = 2;

/** `brownout ARGS`, as a user runs it. */
export const runCli = (...args: string[]): Promise<Ran> => runProgram(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', ...args]);

/**
 * The Docker engine for the containers backend's tests. Where none answers they skip with
 * testcontainers' reason, except where the engine is required (BROWNOUT_REQUIRE_ENGINE=1, set by
 * .ci/run): there a missing engine fails the tests, naming why.
 */
export async function containerEngine(): Promise<{ found: true; description: string } | { found: false; reason: string }> {
  const e = await findContainerEngine();
  if (!e.found && process.env['BROWNOUT_REQUIRE_ENGINE'] === '1') {
    throw new Error(`BROWNOUT_REQUIRE_ENGINE=1 but no Docker engine answers (testcontainers: ${e.reason}); run 'make setup-containers', which starts one`);
  }
  return e.found ? e : { found: false, reason: `no Docker engine found (testcontainers: ${e.reason})` };
}

/** Every container and network the engine holds with a brownout run label, one line each. */
export async function containersLeft(): Promise<string[]> {
  const left = await listContainerRuns();
  return [
    ...left.containers.map((c) => `container ${c.id.slice(0, 12)} of run ${c.run} (${c.state})`),
    ...left.networks.map((n) => `network ${n.name} of run ${n.run}`),
  ];
}

/** What each run must leave: no error, no toxic, no cleanup failure (the harness's own account). */
export function ranClean(o: RunOutcome): RunOutcome {
  // The whole error (where, the process's last lines, the fix), should there be one.
  expect(o.error ? renderError(o.error, o.cleanupFailures) : undefined).toBeUndefined();
  expect(o.toxicsLeft).toEqual([]);
  expect(o.cleanupFailures).toEqual([]);
  return o;
}

/**
 * Runs scenarios side by side (each run starts its own stack on its own ports), then checks what
 * they left once all have ended: no process, temp dir or container of theirs. A local run takes ~8%
 * of this machine's two cores (crash-recovery: the machine table's `busy`, 2026-12-04); its time is
 * its load's duration, so runs together take the time of the longest. Each run's busy gate still
 * judges the machine (the other runs' processes are this harness's: counted as the run's).
 * Outcomes by `file#mode`.
 */
export async function runAll(backend: 'local' | 'containers', runs: readonly { file: string; mode: string }[]): Promise<Map<string, RunOutcome>> {
  const before = stackProcesses();
  const dirs = runTempDirs();
  const outcomes = await Promise.all(
    runs.map((r) => runScenario({ scenarioFile: r.file, mode: r.mode, reportsDir: 'reports/test', againIfBusy: AGAIN_IF_BUSY, backend })),
  );
  expect(await newProcesses(before)).toEqual([]);
  expect(runTempDirs()).toEqual(dirs);
  if (backend === 'containers') expect(await containersLeft()).toEqual([]);
  return new Map(runs.map((r, i) => [`${r.file}#${r.mode}`, outcomes[i] as RunOutcome]));
}

/** A scenario in its modes side by side (runAll); outcomes by mode. */
export async function runModes(backend: 'local' | 'containers', file: string, modes: readonly string[]): Promise<Map<string, RunOutcome>> {
  const all = await runAll(
    backend,
    modes.map((mode) => ({ file, mode })),
  );
  return new Map(modes.map((m) => [m, all.get(`${file}#${m}`) as RunOutcome]));
}

/**
 * A `brownout run` through the CLI, sent `signal` half a second after its output first matches
 * `when` (a fault applied): its exit code and its stderr.
 */
export async function interruptedRun(args: readonly string[], signal: NodeJS.Signals, when: RegExp): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    // One signal. (Scheduled on every chunk after the match, a later one once arrived after the
    // harness had torn down and let go of its handlers: the default action killed it, exit code null.)
    if (sent || !when.test(stderr)) return;
    sent = true;
    setTimeout(() => child.kill(signal), 500);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stderr };
}

/** The record of a run whose harness is dead (a process that has exited): what the sweep finds after a SIGKILLed harness. */
export async function deadRunLedger(): Promise<{ runId: string; ledger: RunLedger }> {
  const dead = spawn(process.execPath, ['-e', '']);
  const harness = dead.pid === undefined ? undefined : identify(dead.pid);
  await new Promise((res) => dead.on('exit', res));
  const runId = `sweep${Date.now()}`;
  return { runId, ledger: new RunLedger(runId, harness) };
}

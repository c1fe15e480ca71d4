// What a run started, on disk while it runs, so that nothing outlives a harness killed outright
// (SIGKILL, an OOM kill, a CI runner's end, a crash): every process (pid and start time), temp dir
// and port, written the moment it exists, with the harness's own identity. A run that ends normally
// deletes its record after teardown. A record whose harness is no longer alive is a dead run's: the
// run's reaper (reaper.ts, a small process that outlives the harness and wakes when the harness's
// pipe closes), the next run's start and `brownout clean` each remove what it names.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sweepCgroups } from './cgroup.ts';
import { sweepMounts } from './mount.ts';
import { describeProcess, groupMembers, identify, processTree, stillAlive, type ProcessIdentity } from './procfs.ts';

/** One folder per user: the records of every run on this machine. */
export const LEDGER_DIR = path.join(os.tmpdir(), `brownout-ledger-${process.getuid?.() ?? 'user'}`);

export interface LedgerRecord {
  runId: string;
  /** The process whose death makes the run dead. */
  harness: ProcessIdentity;
  processes: ProcessIdentity[];
  dirs: string[];
  ports: number[];
  /** cgroups the run made (a cpu fault's): absent in records written before them. */
  cgroups?: string[];
  /** Sized filesystems the run mounted (a diskFull fault's part data): absent in records written before them. */
  mounts?: string[];
}

/** A run's record: every add rewrites the file (atomically), so a kill at any moment leaves a whole record. */
export class RunLedger {
  readonly file: string;
  private readonly record: LedgerRecord;
  private closed = false;

  constructor(runId: string, harness: ProcessIdentity | undefined = identify(process.pid)) {
    if (!harness) throw new Error('cannot read this process in /proc');
    mkdirSync(LEDGER_DIR, { recursive: true, mode: 0o700 });
    this.file = path.join(LEDGER_DIR, `${runId}.json`);
    this.record = { runId, harness, processes: [], dirs: [], ports: [] };
    this.write();
  }

  addProcess(id: ProcessIdentity): void {
    this.record.processes.push(id);
    this.write();
  }

  addDir(dir: string): void {
    this.record.dirs.push(dir);
    this.write();
  }

  addPort(port: number): void {
    this.record.ports.push(port);
    this.write();
  }

  addCgroup(dir: string): void {
    this.record.cgroups = [...(this.record.cgroups ?? []), dir];
    this.write();
  }

  addMount(dir: string): void {
    this.record.mounts = [...(this.record.mounts ?? []), dir];
    this.write();
  }

  /** Teardown released everything: the record goes. Idempotent. */
  close(): void {
    this.closed = true;
    rmSync(this.file, { force: true });
  }

  private write(): void {
    if (this.closed) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.record), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

function readRecord(file: string): LedgerRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LedgerRecord;
  } catch {
    return undefined;
  }
}

/** How long the processes of a dead run may take to be gone after SIGKILL. */
const GONE_WITHIN_MS = 5_000;

/**
 * Removes what a dead run's record names: each process still alive by identity, with its tree and,
 * when it leads its process group, the group's members (a live leader's group number is its own);
 * then the temp dirs and the record. One line per thing removed. A record whose harness is alive is
 * left alone; one whose processes could not all be ended is kept (the lines say which are alive).
 */
export async function sweepRecord(file: string): Promise<string[]> {
  const r = readRecord(file);
  if (!r) {
    rmSync(file, { force: true });
    return [];
  }
  if (stillAlive([r.harness]).length) return [];
  const removed: string[] = [];
  const targets: ProcessIdentity[] = [];
  for (const p of stillAlive(r.processes)) {
    const own = [p.pid, ...processTree(p.pid), ...(p.pgrp === p.pid ? groupMembers(p.pid) : [])];
    for (const pid of new Set(own)) {
      const id = identify(pid);
      if (id && !targets.some((t) => t.pid === id.pid)) targets.push(id);
    }
  }
  for (const t of stillAlive(targets)) {
    removed.push(`process ${describeProcess(t)}`);
    try {
      process.kill(t.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  const deadline = Date.now() + GONE_WITHIN_MS;
  while (stillAlive(targets).length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  // The run's cgroups (each recorded before it was made), once their processes are gone.
  for (const d of await sweepCgroups(r.runId, r.cgroups ?? [])) removed.push(`cgroup ${d}`);
  // Its mounts (each recorded before it was made), before its temp dirs, which they sit in.
  for (const d of await sweepMounts(r.runId, r.mounts ?? [])) removed.push(`mount ${d}`);
  for (const d of r.dirs) {
    if (!d.startsWith(os.tmpdir())) continue; // only the run's own temp dirs, whatever the file says
    if (!existsSync(d)) continue;
    rmSync(d, { recursive: true, force: true });
    removed.push(`temp dir ${d}`);
  }
  const left = stillAlive(targets);
  if (left.length) return [...removed, ...left.map((p) => `STILL ALIVE: ${describeProcess(p)}`)].map((x) => `${r.runId}: ${x}`);
  rmSync(file, { force: true });
  return removed.map((x) => `${r.runId}: ${x}`);
}

/** What reapers removed since anyone last asked: they run with no terminal to say it on. */
export const REAPED_LOG = path.join(LEDGER_DIR, 'reaped.log');

/** Every dead run's leftovers on this machine (this user's), removed; one line each, what reapers removed before first. */
export async function sweepDeadRuns(): Promise<string[]> {
  let files: string[];
  try {
    files = readdirSync(LEDGER_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const out: string[] = [];
  try {
    const reaped = readFileSync(REAPED_LOG, 'utf8');
    rmSync(REAPED_LOG, { force: true });
    out.push(...reaped.split('\n').filter(Boolean));
  } catch {
    // No reaper removed anything.
  }
  for (const f of files) out.push(...(await sweepRecord(path.join(LEDGER_DIR, f))));
  return out;
}

/**
 * Starts the run's reaper (reaper.ts) on this ledger. `stop()`, once teardown deleted the record,
 * closes the pipe and waits for the reaper to exit (it finds no record and goes at once).
 */
export interface Reaper {
  /** Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export function startReaper(ledger: RunLedger, harness: ProcessIdentity | undefined = identify(process.pid)): Reaper {
  if (!harness) return { stop: async () => undefined, [Symbol.asyncDispose]: async () => undefined };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const script = fileURLToPath(new URL('./reaper.ts', import.meta.url));
  // Its own process group: a terminal's Ctrl-C or a kill of the harness's group does not reach it.
  const child = spawn(process.execPath, ['--import', tsx, script, ledger.file, String(harness.pid), String(harness.startTime)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  // Neither the child nor the pipe keeps this process alive: the pipe is meant to close with it.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      child.stdin?.end();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 5_000)))]);
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { stop, [Symbol.asyncDispose]: stop };
}

/** A run's temp dir on the record, with the record and its reaper (what run and bench start with). */
export interface RecordedRun {
  dir: string;
  ledger: RunLedger;
  reaper: Reaper;
  /** Teardown released everything: the record goes, and the reaper with it. */
  done(): Promise<void>;
}

/**
 * Opens the run's record, starts its reaper, and makes its temp dir (mkdtemp: a name no one could
 * take before, mode 0700) on the record. Should teardown leave something, skip done(): the record
 * and the reaper stay, and the reaper removes what is left once this process has exited.
 */
export function startRecordedRun(runId: string, dirPrefix: string): RecordedRun {
  const ledger = new RunLedger(runId);
  const reaper = startReaper(ledger);
  const dir = mkdtempSync(path.join(os.tmpdir(), dirPrefix));
  ledger.addDir(dir);
  return {
    dir,
    ledger,
    reaper,
    done: async () => {
      ledger.close();
      await reaper.stop();
    },
  };
}

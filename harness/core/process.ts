import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { debug } from './log.ts';
import { describeProcess, groupMembers, identify, processTree, stillAlive, type ProcessIdentity } from './procfs.ts';

/** How long every process of a stopped tree may take to be gone after SIGKILL (a busy machine's exit is slow). */
const GONE_WITHIN_MS = 5_000;

const log = debug('process');

export interface ProcessSpec {
  /** Stack part or tool name, used in errors and logs. */
  name: string;
  command: string;
  args: readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  /** All output of the process is appended here. */
  logFile: string;
  /** Called with each non-empty line of output, as it comes (a setup step's lines are shown). */
  onLine?: (line: string) => void;
}

/**
 * A child process in its own process group (so that stop() reaches its children too, and a
 * terminal's Ctrl-C reaches only the harness, which then tears down in order).
 */
/** An argv as one line, for messages: an argument with a space in JSON quotes. */
export function quotedCommand(argv: readonly string[]): string {
  return argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

export class ManagedProcess {
  readonly spec: ProcessSpec;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly tailLines: string[] = [];
  private readonly logStream: WriteStream;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(spec: ProcessSpec) {
    this.spec = spec;
    this.logStream = createWriteStream(spec.logFile, { flags: 'a' });
    this.child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.leader = this.child.pid !== undefined ? identify(this.child.pid) : undefined;
    log(`start ${spec.name}: ${this.commandLine()} (pid ${this.child.pid ?? '?'})`);
    const onData = (buf: Buffer) => {
      this.logStream.write(buf);
      for (const line of buf.toString('utf8').split('\n')) {
        if (line.trim()) {
          this.tailLines.push(line);
          spec.onLine?.(line);
        }
      }
      if (this.tailLines.length > 200) this.tailLines.splice(0, this.tailLines.length - 100);
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.tailLines.push(`spawn failed: ${err.message}`);
        this.exitInfo = { code: -1, signal: null };
        resolve(this.exitInfo);
      });
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        log(`exited ${spec.name}: code ${code} signal ${signal}`);
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The leader's identity, read when it started: its pid alone may name another process once it is gone. */
  private readonly leader: ProcessIdentity | undefined;

  /**
   * The members of this process's group now, each with its identity. None when a process with the
   * leader's pid is someone else (the pid was reused: that group is not ours).
   */
  private ownGroupNow(pgid: number): ProcessIdentity[] {
    const atPid = identify(pgid);
    if (atPid && (!this.leader || atPid.startTime !== this.leader.startTime)) return [];
    return groupMembers(pgid).flatMap((pid) => identify(pid) ?? []);
  }

  private exitExpected = false;

  /** True once stop() was called or a fault announced the exit: such an exit is not a part dying on its own. */
  get isStopping(): boolean {
    return this.stopping !== undefined || this.exitExpected;
  }

  /** A fault is about to end this process on purpose. */
  expectExit(): void {
    this.exitExpected = true;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  get exitDescription(): string {
    if (!this.exitInfo) return 'running';
    return this.exitInfo.signal ? `killed by ${this.exitInfo.signal}` : `exited with code ${this.exitInfo.code}`;
  }

  commandLine(): string {
    return quotedCommand([this.spec.command, ...this.spec.args]);
  }

  tail(n = 15): string {
    return this.tailLines
      .slice(-n)
      .map((l) => `  | ${l}`)
      .join('\n');
  }

  /** Sends a signal to the whole process group (while its leader is ours: alive, not reaped, so its pid not reused). */
  signal(sig: NodeJS.Signals): void {
    if (this.hasExited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // Already gone.
    }
  }

  /**
   * SIGTERM, then SIGKILL after graceMs; resolves once every process of its tree and group is gone
   * (by pid and start time), and rejects naming those that are not within a bound: a stop that
   * returned while a child was still exiting let a process outlive the run's teardown.
   * Idempotent: the same promise every time.
   */
  stop(graceMs = 3000): Promise<void> {
    this.stopping ??= (async () => {
      // The whole tree, not only the group: a supervisor may put its workers in groups of their own.
      const tree = this.child.pid !== undefined && !this.hasExited ? processTree(this.child.pid) : [];
      const ids: ProcessIdentity[] = [...tree.flatMap((pid) => identify(pid) ?? []), ...(this.child.pid !== undefined ? this.ownGroupNow(this.child.pid) : [])];
      if (!this.hasExited) {
        // A frozen (SIGSTOPped) process cannot act on SIGTERM until continued.
        this.signal('SIGCONT');
        this.signal('SIGTERM');
        const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
        await this.exited;
        clearTimeout(timer);
      }
      // The leader has exited; make sure nothing of its group or tree lingers. Never by group id
      // alone: once the group is empty its number is free, and a new process with that pid may lead
      // a group of its own (pid reuse). Each member is killed by identity (pid and start time).
      const members = this.child.pid !== undefined ? this.ownGroupNow(this.child.pid) : [];
      for (const { pid } of stillAlive([...ids, ...members])) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await new Promise<void>((r) => this.logStream.end(() => r()));
      // SIGKILL is sent, not done: a process with much memory, or on a busy machine, takes a while
      // to exit, and until then it may hold its port. Wait for each, by identity (pids get reused).
      const deadline = Date.now() + GONE_WITHIN_MS;
      let left = stillAlive(ids);
      while (left.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        left = stillAlive(ids);
      }
      if (left.length > 0)
        throw new Error(
          `${left.length} process${left.length === 1 ? '' : 'es'} of ${this.spec.name} still alive ${GONE_WITHIN_MS} ms after SIGKILL: ${left.map(describeProcess).join('; ')}`,
        );
      log(`stopped ${this.spec.name}`);
    })();
    return this.stopping;
  }
}

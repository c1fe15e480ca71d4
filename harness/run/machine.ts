import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpuTicks, processTrees } from '../core/procfs.ts';
import type { LoopLagSample, MachineSample } from '../metrics/index.ts';

/** /proc/stat's first line: every CPU's ticks, and idle + iowait among them; and how many CPUs it sums. */
export function parseProcStat(text: string): { totalTicks: number; idleTicks: number; cores: number } | undefined {
  const f = /^cpu\s+(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number);
  if (!f || f.length < 5 || f.some((v) => !Number.isFinite(v))) return undefined;
  // user nice system idle iowait irq softirq steal (guest and guest_nice are inside user and nice).
  const total = f.slice(0, 8).reduce((n, v) => n + v, 0);
  const cores = text.match(/^cpu\d+\s/gm)?.length ?? 1;
  return { totalTicks: total, idleTicks: (f[3] ?? 0) + (f[4] ?? 0), cores };
}

/** /proc/pressure/cpu's `some` line: its total (µs). */
export function parsePressure(text: string): number | undefined {
  const m = /^some .*\btotal=(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface StartedMachineWatch {
  /** Takes a last reading and stops; the readings. Idempotent. */
  stop(): { samples: MachineSample[]; lags: LoopLagSample[] };
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Reads the machine every `intervalMs`: /proc/stat, /proc/pressure/cpu, the CPU time of the
 * harness's own process tree (every local part, k6, the harness: the run's processes), and the event
 * loop's delay.
 * `roots`: more trees of the run's (the containers' processes, which are not the harness's children;
 * read once, so a container restarted during the run counts as others' from then on).
 */
export function watchMachine(intervalMs = 250, roots: readonly number[] = []): StartedMachineWatch {
  const samples: MachineSample[] = [];
  const lags: LoopLagSample[] = [];
  // Each process's ticks at its last reading: a process that exited keeps what it had.
  const seen = new Map<number, number>();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const read = () => {
    const now = Date.now();
    let stat: ReturnType<typeof parseProcStat>;
    try {
      stat = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    } catch {
      stat = undefined;
    }
    if (!stat) return;
    // The trees are walked at every reading (one walk reads every process's stat once, for all
    // the trees: 1.5 ms with 70 processes here, under 1% of a core at 4 a second): a process born
    // in a short phase (a restart's new app, booting and made ready within a second) must be seen
    // inside it, or its boot counts as another process's (measured: cold-cache's 0.9 s restart
    // phase read others taking 61-64% of the CPU when the tree was walked once a second).
    for (const pid of processTrees([process.pid, ...roots])) {
      const t = cpuTicks(pid) ?? 0;
      if (t >= (seen.get(pid) ?? 0)) seen.set(pid, t);
    }
    let cpuSomeUs: number | undefined;
    try {
      cpuSomeUs = parsePressure(readFileSync('/proc/pressure/cpu', 'utf8'));
    } catch {
      cpuSomeUs = undefined;
    }
    const runTicks = [...seen.values()].reduce((n, v) => n + v, 0);
    samples.push({ atMs: now, ...stat, runTicks, ...(cpuSomeUs === undefined ? {} : { cpuSomeUs }) });
    if (samples.length > 1) lags.push({ atMs: now, maxMs: loop.max / 1e6 });
    loop.reset();
  };
  read();
  const timer = setInterval(read, intervalMs);
  let done: { samples: MachineSample[]; lags: LoopLagSample[] } | undefined;
  const stop = () => {
    if (!done) {
      clearInterval(timer);
      read();
      loop.disable();
      done = { samples, lags };
    }
    return done;
  };
  return { stop, [Symbol.asyncDispose]: async () => void stop() };
}

/**
 * Waits until the machine has `freeCores` idle, two readings in a row `intervalMs` apart, or
 * `timeoutMs` passed: before a run the busy gate withheld runs again, so that it does not meet the
 * same passing load (another job's build, a stack starting beside it). Returns the free cores last
 * read and whether they were enough.
 */
export async function machineQuiet(
  freeCores: number,
  o: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal | undefined },
): Promise<{ quiet: boolean; freeCores: number }> {
  const interval = o.intervalMs ?? 1_000;
  const deadline = Date.now() + o.timeoutMs;
  const read = () => parseProcStat(readFileSync('/proc/stat', 'utf8'));
  let last = read();
  let free = 0;
  let inRow = 0;
  while (Date.now() < deadline && !o.signal?.aborted) {
    await new Promise((r) => setTimeout(r, interval));
    const now = read();
    if (!last || !now || now.totalTicks <= last.totalTicks) return { quiet: true, freeCores: Number.NaN }; // no /proc/stat: nothing to wait for
    free = ((now.idleTicks - last.idleTicks) / (now.totalTicks - last.totalTicks)) * now.cores;
    last = now;
    inRow = free >= freeCores ? inRow + 1 : 0;
    if (inRow >= 2) return { quiet: true, freeCores: free };
  }
  return { quiet: false, freeCores: free };
}

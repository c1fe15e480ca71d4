/**
 * How much CPU the machine had to give during each phase: its busy share, the share taken by
 * processes outside the run, the share of time runnable work waited for a CPU (Linux PSI), the cores
 * left for the run, and the harness's own event-loop lag. Readings in (run/machine.ts takes them), figures out.
 */

/** One reading of the machine's cumulative counters. */
export interface MachineSample {
  atMs: number;
  /** /proc/stat's first line: every CPU's ticks summed, and the idle + iowait ticks among them. */
  totalTicks: number;
  idleTicks: number;
  /** CPU ticks (user + system) of the run's own processes, summed. */
  runTicks: number;
  /** /proc/pressure/cpu `some total=`: µs during which at least one runnable task waited (absent without PSI). */
  cpuSomeUs?: number;
  /** How many CPUs /proc/stat sums (absent in readings taken before it was recorded). */
  cores?: number;
}

/** The event loop's worst delay over one reading's interval. */
export interface LoopLagSample {
  atMs: number;
  maxMs: number;
}

export interface MachineFigures {
  phase: string;
  /** Share of the machine's CPU time in use (all cores). */
  busy: number;
  /** Share of the machine's CPU time used by processes that are not the run's. */
  othersBusy: number;
  /** Share of wall time during which some runnable task waited for a CPU (undefined without PSI). */
  cpuWait?: number;
  /**
   * CPU left for the run: the cores other processes did not take (cores × (1 − othersBusy)). The
   * gate's figure (run/result.ts MACHINE_FREE_CORES_LIMIT): below it the run's figures are not trusted.
   */
  freeCores?: number;
  /** The harness's event loop: the worst delay in the phase. */
  loopLagMaxMs?: number;
}

/**
 * Per phase, from the first reading at or after its start to the last at or before its end; a
 * phase with fewer than two readings inside it has no figures.
 */
export function machinePerPhase(
  samples: readonly MachineSample[],
  lags: readonly LoopLagSample[],
  phases: readonly { phase: string; fromMs: number | undefined; toMs: number | undefined }[],
): MachineFigures[] {
  const out: MachineFigures[] = [];
  for (const ph of phases) {
    if (ph.fromMs === undefined || ph.toMs === undefined) continue;
    const from = ph.fromMs;
    const to = ph.toMs;
    const inside = samples.filter((s) => s.atMs >= from && s.atMs <= to);
    const a = inside[0];
    const b = inside.at(-1);
    if (!a || !b || b.atMs <= a.atMs || b.totalTicks <= a.totalTicks) continue;
    const total = b.totalTicks - a.totalTicks;
    const used = total - (b.idleTicks - a.idleTicks);
    const own = Math.max(0, b.runTicks - a.runTicks);
    const lagsIn = lags.filter((l) => l.atMs > a.atMs && l.atMs <= b.atMs).map((l) => l.maxMs);
    const othersBusy = Math.max(0, used - own) / total;
    out.push({
      phase: ph.phase,
      busy: used / total,
      othersBusy,
      ...(a.cpuSomeUs !== undefined && b.cpuSomeUs !== undefined ? { cpuWait: (b.cpuSomeUs - a.cpuSomeUs) / ((b.atMs - a.atMs) * 1000) } : {}),
      ...(b.cores !== undefined ? { freeCores: b.cores * (1 - othersBusy) } : {}),
      ...(lagsIn.length ? { loopLagMaxMs: Math.max(...lagsIn) } : {}),
    });
  }
  return out;
}

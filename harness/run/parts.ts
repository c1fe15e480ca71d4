import { readFileSync } from 'node:fs';
import { cpuTicks, processTrees } from '../core/procfs.ts';
import type { PartSample } from '../measures/index.ts';
import type { StartedStack } from '../stack/index.ts';

/** Resident memory (VmRSS of /proc/PID/status, bytes) and CPU time (ticks, procfs.ts cpuTicks) of one process; undefined once it is gone. */
function readProcess(pid: number): { rss: number; ticks: number } | undefined {
  const ticks = cpuTicks(pid);
  if (ticks === undefined) return undefined;
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return { rss: kb ? Number(kb) * 1024 : 0, ticks };
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS_PER_S = 100;

export interface StartedPartsWatch {
  /** Takes a last reading and stops; the readings. Idempotent. */
  stop(): Promise<PartSample[]>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Each part's resident memory and CPU time (its whole process tree: a supervisor and its workers,
 * a container's every process), read every `intervalMs` through the load: what max(rss) and
 * growth(rss) judge, the report's per-part table, and the series in result.json. CPU is
 * cumulative per part (a process that exited keeps what it used). Each part's first process is
 * asked of the stack again when it is gone (a restart, a kill) and every tenth reading (a
 * container's, by the engine).
 */
export function watchParts(st: StartedStack, intervalMs = 500): StartedPartsWatch {
  const samples: PartSample[] = [];
  let roots = new Map<string, number>();
  let readings = 0;
  let reading: Promise<void> = Promise.resolve();
  // Each process's ticks at its last reading, per part.
  const ticksOf = new Map<string, Map<number, number>>();
  const read = async () => {
    const gone = [...roots.values()].some((pid) => readProcess(pid) === undefined);
    if (roots.size === 0 || gone || readings % 10 === 0) roots = await st.partRoots().catch(() => roots);
    readings++;
    const bytes: Record<string, number> = {};
    const cpuSeconds: Record<string, number> = {};
    for (const [part, pid] of roots) {
      const seen = ticksOf.get(part) ?? new Map<number, number>();
      ticksOf.set(part, seen);
      let rss = 0;
      for (const p of processTrees([pid])) {
        const r = readProcess(p);
        if (!r) continue;
        rss += r.rss;
        if (r.ticks >= (seen.get(p) ?? 0)) seen.set(p, r.ticks);
      }
      bytes[part] = rss;
      cpuSeconds[part] = [...seen.values()].reduce((n, t) => n + t, 0) / TICKS_PER_S;
    }
    samples.push({ atMs: Date.now(), bytes, cpuSeconds });
  };
  const timer = setInterval(() => {
    reading = reading.then(read);
  }, intervalMs);
  reading = reading.then(read);
  let done: Promise<PartSample[]> | undefined;
  const stop = () =>
    (done ??= (async () => {
      clearInterval(timer);
      await reading;
      await read();
      return samples;
    })());
  return { stop, [Symbol.asyncDispose]: async () => void (await stop()) };
}

/** At most this many points per part in result.json: a long soak's series stays small. */
const MAX_POINTS = 480;

/** The readings for result.json (and the HTML chart): ms from the load's start, MB per part; evenly thinned past MAX_POINTS. */
export function memorySeries(rss: readonly PartSample[], t0: number): { tMs: number; mb: Record<string, number> }[] {
  const step = Math.max(1, Math.ceil(rss.length / MAX_POINTS));
  return rss
    .filter((_, i) => i % step === 0)
    .map((s) => ({ tMs: s.atMs - t0, mb: Object.fromEntries(Object.entries(s.bytes).map(([p, b]) => [p, Math.round(b / 1e5) / 10])) }));
}

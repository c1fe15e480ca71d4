import { abortHit, describeAbort, type AbortCondition, type AbortHit } from '../measures/index.ts';
import type { TimelineEvent } from '../report/index.ts';
import type { ResolvedScenario } from '../scenario/index.ts';
import type { RequestRecord } from '../metrics/index.ts';
import { ResultTail, type K6Run } from '../load/index.ts';

/** The stop conditions (abortWhen), watched: `fired` resolves with the first that held, when it held. */
export interface StartedAbortWatch {
  readonly fired: Promise<AbortHit & { atMs: number }>;
  /** No more reading. Idempotent. */
  stop(): void;
  [Symbol.dispose](): void;
}

/**
 * Follows the k6 results files as they are written (every `everyMs`), keeps the requests answered
 * within the longest condition's window, and judges each condition on them (measures/abort.ts).
 * Measured (teardown.test, against HAProxy's own log): the load stopped 0.21 s after the condition
 * first held, three runs out of three; the bound is k6's own flush of its results.
 */
export function watchAbort(o: { conditions: readonly AbortCondition[]; files: readonly string[]; fromMs: number; everyMs?: number }): StartedAbortWatch {
  const tail = new ResultTail(o.files);
  const longest = Math.max(0, ...o.conditions.map((c) => c.forMs));
  let answered: RequestRecord[] = [];
  let fire: (h: AbortHit & { atMs: number }) => void = () => undefined;
  const fired = new Promise<AbortHit & { atMs: number }>((resolve) => {
    fire = resolve;
  });
  const timer = setInterval(() => {
    const now = Date.now();
    for (const r of tail.read()) answered.push(r);
    answered = answered.filter((r) => r.startMs + r.durationMs >= now - longest);
    const hit = abortHit(o.conditions, answered, o.fromMs, now);
    if (!hit) return;
    stop();
    fire({ ...hit, atMs: now });
  }, o.everyMs ?? 250);
  timer.unref();
  const stop = () => clearInterval(timer);
  return { fired, stop, [Symbol.dispose]: stop };
}

/** The scenario's stop conditions watched on its runners' results from the warm-up's end; undefined when it has none. */
export function watchStopConditions(sc: ResolvedScenario, runners: readonly K6Run[], t0: number): StartedAbortWatch | undefined {
  if (sc.abortWhen.length === 0) return undefined;
  return watchAbort({ conditions: sc.abortWhen, files: runners.map((r) => r.resultsFile), fromMs: t0 + sc.load.warmUpMs });
}

/** A stop condition that held, in the timeline and said to the user. */
export function recordAbort(hit: AbortHit & { atMs: number }, events: TimelineEvent[], t0: number, progress: (line: string) => void): void {
  const label = describeAbort(hit);
  events.push({ atMs: hit.atMs, offsetMs: hit.atMs - t0, kind: 'abort', label });
  progress(`aborted at +${((hit.atMs - t0) / 1000).toFixed(1)}s: ${label}`);
}

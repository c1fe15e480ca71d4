import { abortHit, type AbortCondition, type AbortHit } from '../measures/index.ts';
import type { RequestRecord } from '../metrics/index.ts';
import { ResultTail } from '../load/index.ts';

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
 * k6 writes its results about once a second: a condition is seen within about that of holding.
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

import type { CleanupList } from '../core/cleanup.ts';
import { applyFault, type AppliedFault } from '../faults/index.ts';
import type { TimelineEvent } from '../report/index.ts';
import type { ResolvedTimelineEntry } from '../scenario/index.ts';
import type { StartedStack } from '../stack/index.ts';

/** The fault timeline, started: each entry applied at t0 + at and healed at t0 + at + for (absolute times, not after the apply). */
export interface StartedTimeline {
  /** Rejects with the first apply or heal that fails; never resolves. */
  readonly failed: Promise<never>;
  /** The faults in place now. */
  active(): readonly AppliedFault[];
  /** Nothing more is applied or healed on schedule from now on (an apply under way still completes). */
  cancel(): void;
  /** cancel(), then waits for an apply under way and heals what is in place. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface TimelineOptions {
  entries: readonly ResolvedTimelineEntry[];
  stack: StartedStack;
  runId: string;
  /** The load's start (wall-clock ms): every time of the timeline counts from it. */
  t0: number;
  /** Where apply and heal events are recorded, as they are confirmed. */
  events: TimelineEvent[];
  /** Each applied fault's heal goes on it at once: a run that ends any way heals it. */
  cleanup: CleanupList;
  progress: (line: string) => void;
}

export function startTimeline(o: TimelineOptions): StartedTimeline {
  /** The faults in place, each with its entry (a heal at stop is recorded as one on schedule is). */
  const active = new Map<AppliedFault, ResolvedTimelineEntry>();
  const cancel = new AbortController();
  // Resolves at wall-clock `at`, or at once when the timeline is stopped.
  const until = (at: number) =>
    new Promise<void>((resolve) => {
      if (cancel.signal.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, at - Date.now()));
      function done() {
        clearTimeout(timer);
        cancel.signal.removeEventListener('abort', done);
        resolve();
      }
      cancel.signal.addEventListener('abort', done, { once: true });
    });
  const record = (entry: ResolvedTimelineEntry, kind: 'apply' | 'heal', requestedAtMs: number) => {
    const at = Date.now();
    o.events.push({ atMs: at, offsetMs: at - o.t0, requestedAtMs, kind, label: entry.label, fault: entry.index, phase: entry.phase });
    o.progress(`+${((at - o.t0) / 1000).toFixed(1)}s ${kind} ${entry.label}`);
  };
  const play = async (entry: ResolvedTimelineEntry) => {
    await until(o.t0 + entry.atMs);
    if (cancel.signal.aborted) return;
    // Both ends of the apply are kept: a request in flight from the request on is the fault's.
    const applyRequested = Date.now();
    const fault = await applyFault(entry.fault, o.stack, `${o.runId}-f${entry.index}`, entry.label);
    o.cleanup.add(`heal ${entry.label}`, () => fault.heal());
    active.set(fault, entry);
    record(entry, 'apply', applyRequested);
    await until(o.t0 + entry.atMs + entry.forMs);
    // Stopped early: stop() heals what is in place.
    if (cancel.signal.aborted) return;
    const healRequested = Date.now();
    await fault.heal();
    active.delete(fault);
    record(entry, 'heal', healRequested);
  };
  const plays = o.entries.map(play);
  const failed = Promise.all(plays).then(() => new Promise<never>(() => undefined));
  failed.catch(() => undefined);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      cancel.abort();
      await Promise.allSettled(plays);
      // Healed early (a stop condition held, the run failed or was interrupted): the heal is in the
      // timeline, so the fault's window ends there.
      for (const [f, entry] of active) {
        const healRequested = Date.now();
        await f.heal();
        record(entry, 'heal', healRequested);
      }
      active.clear();
    })());
  return { failed, active: () => [...active.keys()], cancel: () => cancel.abort(), stop, [Symbol.asyncDispose]: stop };
}

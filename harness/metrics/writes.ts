/**
 * Write outcomes, Jepsen-style: every write attempt carries a key unique in the run (the load
 * script's writeKey(), sent e.g. as an Idempotency-Key header and stored by the service). After the
 * load, every key is looked up in the database and each write is classed by what the client heard
 * against what the database holds. Numbers in, classes out: no database here.
 */

/** One response to a keyed write, as the load script recorded it (attempted(key, status)). */
export interface AttemptSample {
  key: number;
  /** The HTTP status the client got; 0 when there was no response (timeout, reset). */
  status: number;
  /** When the response came (or the client gave up). */
  atMs: number;
}

/**
 * - `ok`: acknowledged (a 2xx) and in the database once;
 * - `lost`: acknowledged and absent;
 * - `committed_after_failure`: the client heard a failure (no 2xx: a 5xx, a 4xx, no response) and
 *   the write is in the database anyway (the client will retry, or tell the user it failed);
 * - `failed`: a failure, and absent (an honest failure);
 * - `duplicated`: more than one row carries the key (a retry inserted again).
 */
export const WRITE_CLASSES = ['ok', 'lost', 'committed_after_failure', 'failed', 'duplicated'] as const;
export type WriteClass = (typeof WRITE_CLASSES)[number];
/** The classes that are bugs of the service, whatever the load. */
export const BAD_WRITE_CLASSES: readonly WriteClass[] = ['lost', 'committed_after_failure', 'duplicated'];

/** One write (one key): every response to it (a script may retry with the same key), and its rows. */
export interface WriteAttempt {
  key: number;
  /** When the key was made, just before the write was sent (the first response's time where unknown). */
  startMs: number;
  /** The time of the last response to this key: the write's outcome as the client last heard it. */
  atMs: number;
  /** The last response's status. */
  status: number;
  /** Whether any response to this key was a 2xx. */
  acknowledged: boolean;
  /** Rows carrying the key after the run. */
  rows: number;
  class: WriteClass;
}

export function writeClass(acknowledged: boolean, rows: number): WriteClass {
  if (rows > 1) return 'duplicated';
  if (acknowledged) return rows === 1 ? 'ok' : 'lost';
  return rows === 1 ? 'committed_after_failure' : 'failed';
}

/**
 * Per key: the responses folded into one write, from its key's making to its last response, classed
 * by the rows found for its key. A key made but never answered (no attempted() call) is no write.
 */
export function classifyAttempts(
  samples: readonly AttemptSample[],
  starts: readonly { key: number; atMs: number }[],
  rowsByKey: ReadonlyMap<number, number>,
): WriteAttempt[] {
  const byKey = new Map<number, { first: AttemptSample; last: AttemptSample; acknowledged: boolean }>();
  for (const s of samples) {
    const ok = s.status >= 200 && s.status < 300;
    const w = byKey.get(s.key);
    if (!w) byKey.set(s.key, { first: s, last: s, acknowledged: ok });
    else {
      if (s.atMs >= w.last.atMs) w.last = s;
      if (s.atMs < w.first.atMs) w.first = s;
      w.acknowledged ||= ok;
    }
  }
  const startOf = new Map(starts.map((s) => [s.key, s.atMs]));
  return [...byKey.values()]
    .map(({ first, last, acknowledged }) => {
      const rows = rowsByKey.get(last.key) ?? 0;
      const startMs = Math.min(startOf.get(last.key) ?? first.atMs, first.atMs);
      return { key: last.key, startMs, atMs: last.atMs, status: last.status, acknowledged, rows, class: writeClass(acknowledged, rows) };
    })
    .sort((a, b) => a.atMs - b.atMs);
}

export type WriteCounts = Record<WriteClass, number>;

export function countClasses(attempts: readonly WriteAttempt[]): WriteCounts {
  const n = Object.fromEntries(WRITE_CLASSES.map((c) => [c, 0])) as WriteCounts;
  for (const a of attempts) n[a.class]++;
  return n;
}

/** The first few keys of each bad class, for a person to look up. */
export function badExamples(attempts: readonly WriteAttempt[], max = 5): Partial<Record<WriteClass, number[]>> {
  const out: Partial<Record<WriteClass, number[]>> = {};
  for (const a of attempts) {
    if (!BAD_WRITE_CLASSES.includes(a.class)) continue;
    const list = out[a.class] ?? [];
    out[a.class] = list;
    if (list.length < max) list.push(a.key);
  }
  return out;
}

/** What the write check found after the run, as the measures of writes judge it. */
export interface WriteCheck {
  /** Every write the target acknowledged, with when. */
  acks: readonly { id: number; atMs: number }[];
  /** Acknowledged ids not found in the database after the run. */
  lost: ReadonlySet<number>;
  /** Every keyed write (the scenario's writes.attemptKey), classed. */
  attempts?: readonly WriteAttempt[];
  /** Transactions still open when the lookup gave up waiting for them (30 s): what they write later is not seen. */
  openTransactions?: number;
}

import { exact, unmeasured, type MeasureKind } from './kind.ts';

/**
 * The write check's figures (after the run, every write looked up in the database): `lost_writes`
 * (acknowledged, then absent), `committed_after_failure` (the client heard a failure, the row is
 * there), `duplicate_writes` (a retry inserted again). A write is in a phase by the requests' rule:
 * an id by the moment of its acknowledgement, a keyed write by its span from its key's making to
 * its last response.
 */
export type WriteMetric = 'lost_writes' | 'committed_after_failure' | 'duplicate_writes';

const CLASS_OF = { committed_after_failure: 'committed_after_failure', duplicate_writes: 'duplicated' } as const;

function writeMeasure<K extends WriteMetric>(kind: K): MeasureKind<{ kind: K }> {
  return {
    kind,
    written: kind,
    parse: (text) => (text === kind ? { kind } : undefined),
    unit: 'count',
    interval: false,
    tags(_m, tags, text) {
      if (Object.keys(tags).length === 0) return undefined;
      return { ok: false, message: `'${kind}' takes no tag filter in '${text}'`, fix: `${kind} counts every write of its phase` };
    },
    perEntry: true,
    perWindow: false,
    needsStack: true,
    problem(_e, s) {
      if (!s.writes)
        return {
          message: `'${kind}' needs a write check`,
          fix:
            kind === 'lost_writes'
              ? "declare writes: { db: 'db', table: 'photos' } and acknowledge() each write in the load script"
              : "declare writes: { db: 'db', table: 'photos', attemptKey: 'idempotency_key' } and send writeKey() with each write",
        };
      if (kind !== 'lost_writes' && s.writes.attemptKey === undefined)
        return {
          message: `'${kind}' needs keyed writes`,
          fix: "add attemptKey (the column the service stores each write's key in) to writes, send writeKey() with each write and call attempted(key, res.status)",
        };
      return undefined;
    },
    judge(e, ctx) {
      const w = ctx.run.writes;
      if (!w) return unmeasured(e, ctx, 'count', 'the scenario has no write check');
      if (kind !== 'lost_writes' && !w.attempts) return unmeasured(e, ctx, 'count', 'the write check has no attemptKey: no write carries a key');
      const acks = w.acks.filter((a) => ctx.within(a.atMs, a.atMs));
      const attempts = (w.attempts ?? []).filter((a) => ctx.within(a.startMs, a.atMs));
      if (kind === 'lost_writes') {
        const n = acks.filter((a) => w.lost.has(a.id)).length + attempts.filter((a) => a.class === 'lost').length;
        return exact(e, ctx, 'count', n, acks.length + attempts.filter((a) => a.acknowledged).length);
      }
      const cls = CLASS_OF[kind as Exclude<WriteMetric, 'lost_writes'>];
      return exact(e, ctx, 'count', attempts.filter((a) => a.class === cls).length, attempts.length);
    },
  };
}

export const lostWritesMeasure = writeMeasure('lost_writes');
export const committedAfterFailureMeasure = writeMeasure('committed_after_failure');
export const duplicateWritesMeasure = writeMeasure('duplicate_writes');

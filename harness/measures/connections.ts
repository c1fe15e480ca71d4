import { exact, unmeasured, type MeasureKind } from './kind.ts';

/** `connections{db:db} <= 10`: the connections the services' account holds on a database after the load (a pool leak shows here). */
export interface Connections {
  kind: 'connections';
}

export const connectionsMeasure: MeasureKind<Connections> = {
  kind: 'connections',
  written: 'connections',
  parse: (text) => (text === 'connections' ? { kind: 'connections' } : undefined),
  unit: 'count',
  interval: false,
  tags(_m, tags, text) {
    if (Object.keys(tags).every((k) => k === 'db')) return undefined;
    return { ok: false, message: `'connections' takes only a {db:PART} filter in '${text}'`, fix: "write e.g. 'connections{db:db} <= 10'" };
  },
  only: { scope: 'overall', why: "'connections' is counted once, after the load" },
  perEntry: false,
  perWindow: false,
  needsStack: true,
  judge(e, ctx) {
    const counted = ctx.run.connections ?? {};
    const db = e.tags['db'] ?? Object.keys(counted)[0];
    const n = db === undefined ? undefined : counted[db];
    return n === undefined ? unmeasured(e, ctx, 'count', `no connection count for ${db ?? 'any database'}`) : exact(e, ctx, 'count', n);
  },
};

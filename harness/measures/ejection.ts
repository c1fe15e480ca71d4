import type { ServerStateChange } from '../metrics/index.ts';
import { exact, unmeasured, type MeasureKind } from './kind.ts';

/** `ejection{part:app1} < 2s`: from the first fault on a part to its gateway marking it down (in every backend it serves). */
export interface Ejection {
  kind: 'ejection';
}

const isDown = (status: string) => status.startsWith('DOWN') || status.startsWith('MAINT');

/**
 * ms from `fromMs` until `server` is down in every backend it is in (no traffic goes to it any
 * more); 0 if it already was; undefined if that never happened.
 */
export function ejectionMs(changes: readonly ServerStateChange[], server: string, fromMs: number): number | undefined {
  const state = new Map<string, string>();
  const allDown = () => state.size > 0 && [...state.values()].every(isDown);
  const sorted = changes.filter((c) => c.server === server).sort((a, b) => a.atMs - b.atMs);
  let i = 0;
  for (; i < sorted.length && (sorted[i]?.atMs ?? Infinity) <= fromMs; i++) {
    const c = sorted[i];
    if (c) state.set(c.backend, c.status);
  }
  if (allDown()) return 0;
  for (; i < sorted.length; i++) {
    const c = sorted[i];
    if (!c) continue;
    state.set(c.backend, c.status);
    if (allDown()) return c.atMs - fromMs;
  }
  return undefined;
}

export const ejectionMeasure: MeasureKind<Ejection> = {
  kind: 'ejection',
  written: 'ejection',
  parse: (text) => (text === 'ejection' ? { kind: 'ejection' } : undefined),
  unit: 'ms',
  interval: false,
  tags(_m, tags, text) {
    if (Object.keys(tags).length === 1 && tags['part'] !== undefined) return undefined;
    return { ok: false, message: `'ejection' needs exactly one {part:NAME} filter in '${text}'`, fix: "write e.g. 'ejection{part:app1} < 2s'" };
  },
  only: { scope: 'overall', why: "'ejection' is measured once per run, from the first fault on the part" },
  perEntry: false,
  perWindow: false,
  needsStack: true,
  // The part must sit behind a checking gateway, and a fault must hit it (its process or a link to it).
  problem(e, s) {
    const part = e.tags['part'] ?? '';
    if (!s.checkedServers.has(part))
      return {
        message: `'${part}' is not behind a gateway with health checks`,
        fix: `name one of ${[...s.checkedServers].join(', ') || '(none: give a gateway check: { interval, fall, rise })'}`,
      };
    if (!s.faulted.has(part)) return { message: `no fault in the timeline hits '${part}'`, fix: `add one, e.g. at('10s', kill({ part: '${part}' }))` };
    return undefined;
  },
  judge(e, ctx) {
    const part = e.tags['part'] ?? '';
    const from = ctx.run.partFaults?.[part];
    if (from === undefined) return unmeasured(e, ctx, 'ms', `no fault was applied to ${part}`);
    const ms = ejectionMs(ctx.run.serverChanges ?? [], part, from);
    return ms === undefined ? unmeasured(e, ctx, 'ms', `the gateway never marked ${part} down`) : exact(e, ctx, 'ms', ms);
  },
};

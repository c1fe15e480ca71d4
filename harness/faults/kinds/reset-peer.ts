import { z } from 'zod';
import { applyToxics, linkEnd, type FaultKind } from '../kind.ts';

/** Toxiproxy `reset_peer`: connections on the link are reset (TCP RST) after `after`. Default '0ms'. */
export interface ResetPeerFault {
  type: 'resetPeer';
  link: string;
  after?: string;
}

export type ResolvedResetPeer = { type: 'resetPeer'; link: string; afterMs: number };

export const resetPeer = (o: Omit<ResetPeerFault, 'type'>): ResetPeerFault => ({ type: 'resetPeer', ...o });

export const resetPeerKind: FaultKind<ResetPeerFault, ResolvedResetPeer> = {
  type: 'resetPeer',
  schema: z.strictObject({ type: z.literal('resetPeer'), link: z.string(), after: z.string().min(1).optional() }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'resetPeer', link: ctx.link(f.link), afterMs: ctx.duration('after', f.after, 0) }),
  label: (_d, f) => `reset_peer on ${f.link}`,
  partHit: (f) => linkEnd(f.link),
  apply: (f, stack, id, label) => applyToxics(stack, f.link, label, [{ name: `${id}-reset`, type: 'reset_peer', stream: 'upstream', attributes: { timeout: f.afterMs } }]),
};

import { z } from 'zod';
import {
  applyToxics,
  linkEnd,
  resolveToxicOptions,
  shareText,
  toxicOptionsSchema,
  toxicsFor,
  type FaultKind,
  type ResolvedToxicOptions,
  type ToxicOptions,
} from '../kind.ts';

/** Toxiproxy `reset_peer`: connections on the link are reset (TCP RST) after `after`. Default '0ms'. */
export interface ResetPeerFault extends ToxicOptions {
  type: 'resetPeer';
  link: string;
  after?: string;
}

export type ResolvedResetPeer = { type: 'resetPeer'; link: string; afterMs: number } & ResolvedToxicOptions;

export const resetPeer = (o: Omit<ResetPeerFault, 'type'>): ResetPeerFault => ({ type: 'resetPeer', ...o });

export const resetPeerKind: FaultKind<ResetPeerFault, ResolvedResetPeer> = {
  type: 'resetPeer',
  schema: z.strictObject({ type: z.literal('resetPeer'), link: z.string(), after: z.string().min(1).optional(), ...toxicOptionsSchema }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'resetPeer', link: ctx.link(f.link), afterMs: ctx.duration('after', f.after, 0), ...resolveToxicOptions(f, 'upstream') }),
  label: (_d, f) => `reset_peer on ${f.link}${shareText(f)}`,
  partHit: (f) => linkEnd(f.link),
  apply: (f, stack, id, label) => applyToxics(stack, f.link, label, toxicsFor(id, 'reset_peer', f, { timeout: f.afterMs })),
};

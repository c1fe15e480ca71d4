import { z } from 'zod';
import { toxicKind, toxicOptionsSchema, type ResolvedToxicOptions, type ToxicOptions } from '../kind.ts';

/** Toxiproxy `reset_peer`: connections on the link are reset (TCP RST) after `after`. Default '0ms'. */
export interface ResetPeerFault extends ToxicOptions {
  type: 'resetPeer';
  link: string;
  after?: string;
}

export type ResolvedResetPeer = { type: 'resetPeer'; link: string; afterMs: number } & ResolvedToxicOptions;

export const resetPeer = (o: Omit<ResetPeerFault, 'type'>): ResetPeerFault => ({ type: 'resetPeer', ...o });

export const resetPeerKind = toxicKind<ResetPeerFault, ResolvedResetPeer>({
  type: 'resetPeer',
  toxic: 'reset_peer',
  schema: z.strictObject({ type: z.literal('resetPeer'), link: z.string(), after: z.string().min(1).optional(), ...toxicOptionsSchema }),
  defaultStream: 'upstream',
  resolve: (f, common, ctx) => ({ type: 'resetPeer', ...common, afterMs: ctx.duration('after', f.after, 0) }),
  does: () => 'reset_peer',
  attributes: (f) => ({ timeout: f.afterMs }),
});

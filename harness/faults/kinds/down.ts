import { z } from 'zod';
import { linkEnd, once, proxyOf, type FaultKind } from '../kind.ts';

/** The link's proxy is disabled: connections are refused and open ones dropped, until heal. */
export interface DownFault {
  type: 'down';
  link: string;
}

export type ResolvedDown = { type: 'down'; link: string };

export const down = (o: Omit<DownFault, 'type'>): DownFault => ({ type: 'down', ...o });

export const downKind: FaultKind<DownFault, ResolvedDown> = {
  type: 'down',
  schema: z.strictObject({ type: z.literal('down'), link: z.string() }),
  instant: false,
  hitsProcess: false,
  resolve: (f, ctx) => ({ type: 'down', link: ctx.link(f.link) }),
  label: (_d, f) => `down ${f.link}`,
  partHit: (f) => linkEnd(f.link),
  // A disabled proxy refuses new connections and drops open ones (Toxiproxy's "down").
  apply: async (f, stack, _id, label) => {
    const proxy = proxyOf(stack, f.link, label);
    await proxy.setEnabled(false);
    return { label, heal: once(() => proxy.setEnabled(true)) };
  },
};

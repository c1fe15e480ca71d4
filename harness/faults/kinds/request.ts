import { z } from 'zod';
import { FaultError } from '../../core/errors.ts';
import { debug } from '../../core/log.ts';
import { noHeal, type FaultKind } from '../kind.ts';

const log = debug('faults');

/** One HTTP request sent straight to a service (not through its proxy), e.g. a poisoned one. Instant: no `for`. */
export interface RequestFault {
  type: 'request';
  part: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Sent as is, with content-type application/json. */
  body?: string;
}

export type ResolvedRequest = { type: 'request'; part: string; method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string; body: string | undefined };

export const request = (o: Omit<RequestFault, 'type'>): RequestFault => ({ type: 'request', ...o });

export const requestKind: FaultKind<RequestFault, ResolvedRequest> = {
  type: 'request',
  schema: z.strictObject({
    type: z.literal('request'),
    part: z.string(),
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).optional(),
    path: z.string().startsWith('/'),
    body: z.string().optional(),
  }),
  instant: true,
  hitsProcess: true,
  resolve: (f, ctx) => ({ type: 'request', part: ctx.part('part', f.part, ['service']), method: f.method ?? 'GET', path: f.path, body: f.body }),
  label: (_d, f) => `request ${f.method} ${f.path} to ${f.part}`,
  partHit: (f) => f.part,
  // One request straight to the service's own port; its answer (or none) is logged, never judged.
  apply: async (f, stack, _id, label) => {
    const p = stack.parts.get(f.part);
    if (p?.kind !== 'service') throw new FaultError(label, `${f.part} is not a started service`, 'send requests to a service part');
    try {
      const r = await fetch(`${p.url}${f.path}`, {
        method: f.method,
        ...(f.body === undefined ? {} : { body: f.body, headers: { 'content-type': 'application/json' } }),
        signal: AbortSignal.timeout(5000),
      });
      log(`${label}: answered ${r.status}`);
    } catch (e) {
      log(`${label}: no answer (${(e as Error).message})`);
    }
    return { label, heal: noHeal };
  },
};

import { z } from 'zod';
import { httpKind, httpOptionsSchema, type HttpFaultOptions, type ResolvedHttp } from './http.ts';

/**
 * Matching requests wait `delay` before they are passed on: a slow endpoint, not a slow link
 * (Toxiproxy's latency slows every byte of every connection; this, only the requests it matches).
 */
export interface HttpDelayFault extends HttpFaultOptions {
  type: 'httpDelay';
  delay: string;
}

export type ResolvedHttpDelay = { type: 'httpDelay' } & ResolvedHttp;

export const httpDelay = (o: Omit<HttpDelayFault, 'type'>): HttpDelayFault => ({ type: 'httpDelay', ...o });

export const httpDelayKind = httpKind<HttpDelayFault, ResolvedHttpDelay>(
  'httpDelay',
  z.strictObject({ type: z.literal('httpDelay'), delay: z.string().min(1), ...httpOptionsSchema }),
  (f, { link, ...rule }, ctx) => ({ type: 'httpDelay', link, rule: { ...rule, action: 'delay', delayMs: ctx.duration('delay', f.delay, 0) } }),
);

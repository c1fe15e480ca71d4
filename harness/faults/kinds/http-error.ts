import { z } from 'zod';
import { httpKind, httpOptionsSchema, type HttpFaultOptions, type ResolvedHttp } from './http.ts';

/**
 * The link's far end answers `status` for a share of requests, without the request reaching it
 * (a dependency shedding load, a 429 rate limit with Retry-After, a flaky upstream's 500s).
 */
export interface HttpErrorFault extends HttpFaultOptions {
  type: 'httpError';
  /** 400–599, e.g. 503, 500, 429. */
  status: number;
  /** Seconds, sent as a Retry-After header (e.g. with 429 or 503). */
  retryAfter?: number;
}

export type ResolvedHttpError = { type: 'httpError' } & ResolvedHttp;

export const httpError = (o: Omit<HttpErrorFault, 'type'>): HttpErrorFault => ({ type: 'httpError', ...o });

export const httpErrorKind = httpKind<HttpErrorFault, ResolvedHttpError>(
  'httpError',
  z.strictObject({
    type: z.literal('httpError'),
    status: z.number().int().min(400).max(599),
    retryAfter: z.number().int().nonnegative().optional(),
    ...httpOptionsSchema,
  }),
  (f, { link, ...rule }) => ({ type: 'httpError', link, rule: { ...rule, action: 'error', status: f.status, retryAfterS: f.retryAfter } }),
);

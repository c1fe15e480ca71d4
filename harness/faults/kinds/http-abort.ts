import { z } from 'zod';
import { httpKind, httpOptionsSchema, type HttpFaultOptions, type ResolvedHttp } from './http.ts';

/**
 * The request reaches the far end and is answered, but the answer is dropped: the client's
 * connection is closed with no response. The work happened; the client saw it fail (a write it
 * will retry, a payment it will charge twice).
 */
export interface HttpAbortFault extends HttpFaultOptions {
  type: 'httpAbort';
}

export type ResolvedHttpAbort = { type: 'httpAbort' } & ResolvedHttp;

export const httpAbort = (o: Omit<HttpAbortFault, 'type'>): HttpAbortFault => ({ type: 'httpAbort', ...o });

export const httpAbortKind = httpKind<HttpAbortFault, ResolvedHttpAbort>(
  'httpAbort',
  z.strictObject({ type: z.literal('httpAbort'), ...httpOptionsSchema }),
  (_f, { link, ...rule }) => ({ type: 'httpAbort', link, rule: { ...rule, action: 'abort' } }),
);

// What the measures' unit tests (<measure>.test.ts beside each) share: an expectation read as a
// scenario's would be, and a request as k6's results give it.
import type { RequestRecord } from '../metrics/index.ts';
import { parseExpectation, type Expectation } from './expectation.ts';

/** The expectation `text` reads as; a text that does not read throws its message. */
export function exp(text: string): Expectation {
  const r = parseExpectation(text);
  if (!r.ok) throw new Error(r.message);
  return r.expectation;
}

/** A request started at `startMs` that took `durationMs` and got `status` (0: no response), named `name`. */
export const rec = (startMs: number, durationMs: number, status: number, name = 'read'): RequestRecord => ({ startMs, durationMs, status, tags: { name } });

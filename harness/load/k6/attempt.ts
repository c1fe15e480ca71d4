// For k6 load scripts (bundled by esbuild; k6 types only). Keyed writes: each write attempt gets a
// key unique in the run, the script sends it (e.g. as an Idempotency-Key header) and the service
// stores it; after the run the harness looks every key up and classes each write (ok, lost,
// committed after a failure, failed, duplicated).
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';

/** The harness reads this metric from k6's results: one sample per response, its value the key, tagged with the status. */
export const ATTEMPT_METRIC = 'brownout_attempt';
const attempts = new Trend(ATTEMPT_METRIC);
/** One sample per key when it is made, just before the write is sent: the write's start. */
export const WRITE_METRIC = 'brownout_write';
const writes = new Trend(WRITE_METRIC);

// A key is one safe integer: the VU's id in the test (unique across the k6 instances of a split
// test, 23 bits) · this VU's count (30 bits).
let count = 0;

/**
 * A new key for one write, unique in the run: make it just before sending the write (it marks the
 * write's start), send it with the write and have the service store it.
 */
export function writeKey(): number {
  count++;
  const key = exec.vu.idInTest * 2 ** 30 + count;
  writes.add(key);
  return key;
}

/**
 * Call after each response to a keyed write (a retry with the same key: call again), with the
 * status the client got (k6 gives 0 when there was no response).
 */
export function attempted(key: number, status: number): void {
  if (Number.isSafeInteger(key)) attempts.add(key, { status: String(status) });
}

// For k6 load scripts (bundled by esbuild; k6 types only). Records the id of every write the target
// acknowledged, so the harness can look each one up in the database after the run.
import { Trend } from 'k6/metrics';

/** The harness reads this metric from k6's results: each sample's value is one acknowledged id. */
export const ACK_METRIC = 'brownout_ack';
const acks = new Trend(ACK_METRIC);

/** Call when the target acknowledged a write (e.g. a 201 with the new row's id). Ids are integers. */
export function acknowledge(id: number): void {
  if (Number.isSafeInteger(id)) acks.add(id);
}

import { Option } from 'commander';
import type { ImageSetName } from '../stack/index.ts';

export interface RunCliOptions {
  mode?: string;
  reports: string;
  allowHost: string[];
  loopbackOnly?: boolean;
  baseline?: string;
  maxRegression: string;
  saveBaseline?: string;
  runners: string;
  againIfBusy: string;
  stack: string;
  images: ImageSetName;
}

/** `--again-if-busy` (run and margin): how many more runs a starved run may have; undefined after saying what is wrong. */
export const againIfBusyOption = () =>
  new Option('--again-if-busy <n>', 'run a scenario again, up to n more times, when the machine was too busy to trust its verdict (exit 2, machine too busy)')
    .env('BROWNOUT_AGAIN_IF_BUSY')
    .default('0');
export function againIfBusyOf(text: string): number | undefined {
  const n = Number(text);
  if (Number.isInteger(n) && n >= 0 && n <= 10) return n;
  process.stderr.write(
    `brownout: --again-if-busy ${text} (or BROWNOUT_AGAIN_IF_BUSY): not a whole number from 0 to 10\nfix: give how many more runs a scenario may have when the machine was too busy to trust one, e.g. --again-if-busy 2\n`,
  );
  return undefined;
}

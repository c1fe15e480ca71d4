import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * The unit tests, then the integration files in two lanes, then the files that need the machine to
 * themselves: tests/suite.ts (`make test`) runs each as a vitest process of its own (`--project a`),
 * the two lanes one after the other unless BROWNOUT_TEST_LANES=side-by-side (measured side by side on
 * 2 cores: two scenario runs at once go past the busy gate's margin; README, "Tests").
 *
 * In each lane the files run one at a time, no retries. Each lane has its own temp dir (TMPDIR: run
 * dirs, ledgers); its tests judge what a run left by what is the run's (procfs.ts bornOfRun: the
 * worker's descendants, orphans born since), never by what else the machine runs. Every test that
 * makes containers is in lane b (containersLeft reads the whole engine), and so is every one that
 * runs `brownout clean` (it removes the containers of any run whose harness is gone, the other
 * lane's SIGKILL test's among them).
 *
 * Alone, after both lanes: the machine watch's own tests (they measure the CPU of "others", which
 * the other lane would be) and hostile-input (it forces pid reuse through ns_last_pid, which any
 * process the other lane starts would take). Lane b takes about as long as lane a.
 */
const ALONE = ['tests/integration/machine.test.ts', 'tests/integration/hostile-input.test.ts'];
const UNIT = ['harness/**/*.test.ts'];
const LANE_B = [
  'tests/integration/containers.test.ts',
  'tests/integration/incidents-containers.test.ts',
  'tests/integration/slow-transaction.test.ts',
  'tests/integration/replay.test.ts',
  'tests/integration/teardown.test.ts',
  'tests/integration/margin.test.ts',
  'tests/integration/killed.test.ts',
  'tests/integration/generic-parts.test.ts',
  'tests/integration/compose.test.ts',
  // It runs the team's compose file on containers too.
  'tests/integration/own-project.test.ts',
  // The cpu fault on both backends.
  'tests/integration/resource-faults.test.ts',
  'tests/integration/disk-full.test.ts',
  'tests/integration/memcached.test.ts',
];

// One per checkout too: two suites on one machine (two clones) never share a lane's temp dir.
const checkout = createHash('sha256').update(process.cwd()).digest('hex').slice(0, 6);
const laneTmp = (lane: string): string => {
  const dir = `/tmp/bo-${checkout}-${lane}`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
};

const env = { BROWNOUT_AGAIN_IF_BUSY: '2' };

export default defineConfig({
  test: {
    // Room for three runs of the longest scenario (crash-recovery on containers, ~75 s): a run the
    // machine was too busy to trust runs again (below).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    retry: 0,
    // One file at a time in a vitest process (a lane, or all of them in order for a plain `npx vitest run`).
    fileParallelism: false,
    // A run the machine's load left untrusted runs again (at most twice): the CLI reads this; tests
    // calling runScenario pass helpers.ts's AGAIN_IF_BUSY. Nothing else is ever retried.
    env,
    projects: [
      // First, alone: the unit tests (each file's import is transformed afresh: a core's work for half a
      // minute, which the lanes' judged runs would count as the machine's).
      { extends: true, test: { name: 'unit', include: UNIT, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'a',
          include: ['tests/**/*.test.ts'],
          exclude: [...LANE_B, ...ALONE],
          env: { ...env, TMPDIR: laneTmp('a') },
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: { name: 'b', include: LANE_B, env: { ...env, TMPDIR: laneTmp('b') }, sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, sequence: { groupOrder: 2 } },
      },
    ],
  },
});

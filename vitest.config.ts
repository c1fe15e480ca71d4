import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts', 'tests/**/*.test.ts'],
    // Integration tests start real servers on 2 cores: run files one at a time, no retries.
    fileParallelism: false,
    // Room for three runs of the longest scenario (crash-recovery on containers, ~75 s): a run the
    // machine was too busy to trust runs again (below).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    retry: 0,
    // A run the machine's load left untrusted runs again (at most twice): the CLI reads this; tests
    // calling runScenario pass helpers.ts's AGAIN_IF_BUSY. Nothing else is ever retried.
    env: { BROWNOUT_AGAIN_IF_BUSY: '2' },
  },
});

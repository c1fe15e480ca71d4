import { describe, expect, it } from 'vitest';
import { runScenario, StackStartError } from '../../harness/index.ts';
import { newProcesses, runTempDirs, stackProcesses } from './helpers.ts';

describe('a part that fails to start', () => {
  it('raises one error naming the part, its command and its last log lines, and releases what was started', async () => {
    const before = stackProcesses();
    const dirs = runTempDirs();
    const o = await runScenario({ scenarioFile: 'tests/integration/scenarios/bad-start.ts', reportsDir: 'reports/test' });
    expect(o.exitCode).toBe(2);
    expect(o.error).toBeInstanceOf(StackStartError);
    const text = (o.error as StackStartError).describe();
    expect(text).toMatch(/app: the process exited with code 3 before \/health answered 200/);
    expect(text).toContain('command: node -e');
    expect(text).toMatch(/FATAL cannot reach 127\.0\.0\.1:\d+/); // the log tail, and the proxy's address
    expect(o.cleanupFailures).toEqual([]);
    expect(await newProcesses(before)).toEqual([]);
    expect(runTempDirs()).toEqual(dirs);
  });
});

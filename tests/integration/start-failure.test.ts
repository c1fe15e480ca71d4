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

  it("under pm2 (which restarts it and never exits): the error at startupTimeout names the command the user wrote, not PM2's temporary file", async () => {
    const before = stackProcesses();
    const o = await runScenario({
      scenarioFile: 'tests/integration/scenarios/bad-start.ts',
      reportsDir: 'reports/test',
      definition: (d) => ({
        ...d,
        stack: (ctx) => {
          const parts = d.stack(ctx);
          const app = parts['app'];
          if (app?.kind !== 'service') throw new Error('the scenario has an app service');
          return { ...parts, app: { ...app, supervisor: 'pm2', startupTimeout: '3s' } };
        },
      }),
    });
    expect(o.exitCode).toBe(2);
    const text = (o.error as StackStartError).describe();
    expect(text).toMatch(/app: nothing answered on 127\.0\.0\.1:\d+ within 3000 ms/);
    expect(text).toMatch(/command: node -e ".*" \(under pm2-runtime\)/);
    expect(text).not.toContain('ecosystem.json');
    expect(o.cleanupFailures).toEqual([]);
    expect(await newProcesses(before)).toEqual([]);
  });
});

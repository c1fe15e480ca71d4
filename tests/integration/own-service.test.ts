import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/core/errors.ts';
import { runScenario } from '../../harness/run/index.ts';
import { AGAIN_IF_BUSY, runCli } from './helpers.ts';

const DIR = 'tests/integration/scenarios/own';

describe("a team's own service: wrapper shells, setup steps, flags, server settings, health paths", () => {
  it('runs setup once before the start, hands ${PORT} to the command and load.env to the script, sets the MariaDB variables, and a kill hits the server behind sh -c', async () => {
    const lines: string[] = [];
    const o = await runScenario({
      scenarioFile: `${DIR}/wrapped.ts`,
      reportsDir: 'reports/test',
      againIfBusy: AGAIN_IF_BUSY,
      onProgress: (l) => lines.push(l),
    });
    expect(o.error, o.error?.message).toBeUndefined();
    expect(o.cleanupFailures).toEqual([]);
    // The setup step's lines, shown as they came, before the service started.
    expect(lines).toContain('app setup | migrated: 1 table');
    // The server's health answered 200 only with utf8mb4, innodb_lock_wait_timeout 7, max_connections 123 and the migration done.
    const by = Object.fromEntries((o.result?.judgement.expectations ?? []).map((e) => [`${e.phase} ${e.source}`, e]));
    expect(by['baseline rate(2xx) == 100%']).toMatchObject({ passed: true });
    expect(by['baseline rate(2xx) == 100%']?.requests).toBeGreaterThan(50);
    expect(by['recovery rate(no_response) > 90%'], JSON.stringify(by['recovery rate(no_response) > 90%'])).toMatchObject({ passed: true });
    expect(o.exitCode).toBe(0);
  }, 120_000);

  it('a health path that answers 404 says so within seconds (not after startupTimeout) and names the health option (exit 2)', async () => {
    const r = await runCli('run', `${DIR}/health-404.ts`, '--reports', 'reports/test');
    expect(r.status).toBe(2);
    // Within seconds, not after its 60 s startupTimeout: a service that is up and says 404 will not say 200 there later.
    expect(r.stderr).toContain('/ready answered 404 Not Found, not 200, for 3000 ms (a 4xx the whole time: a path it does not serve, not a slow start)');
    expect(r.stderr).toMatch(/fix: +set the service's health option to a path that answers 200 when it is ready \(now '\/ready'\)/);
  }, 60_000);

  it('a failing setup step stops the run with its own output (exit 2), before the service starts', async () => {
    const o = await runScenario({ scenarioFile: `${DIR}/setup-fails.ts`, reportsDir: 'reports/test' });
    expect(o.exitCode).toBe(2);
    expect(o.error).toBeInstanceOf(HarnessError);
    expect(o.error?.message).toContain('setup exited with code 4');
    expect((o.error as HarnessError).where).toContain('ER_ACCESS_DENIED_ERROR');
    expect(o.cleanupFailures).toEqual([]);
    // The service never started: its log is not among the run's logs.
    const logs = o.reportDir ? path.join(o.reportDir, 'logs') : '';
    expect(() => readFileSync(path.join(logs, 'app__app.log'))).toThrow();
  }, 60_000);
});

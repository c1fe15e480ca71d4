// One scenario run in this process; prints the process's peak RSS (the run's, as nothing else ran here).
import { abortOnSignals } from '../core/signals.ts';
import { runScenario } from '../run/index.ts';

const [file = '', reportsDir = 'reports/bench-runs'] = process.argv.slice(2);
const controller = new AbortController();
abortOnSignals(controller, { doing: 'stopping the run and tearing down' });
const o = await runScenario({ scenarioFile: file, reportsDir, signal: controller.signal });
if (controller.signal.aborted) process.exitCode = 2;
const load = o.result?.load;
process.stdout.write(
  JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024, requests: load?.requests ?? 0, exitCode: o.exitCode, dropped: load?.droppedShare ?? 0 }),
);

// One scenario run in this process; prints the process's peak RSS (the run's, as nothing else ran here).
import { runScenario } from '../run/index.ts';

const [file = '', reportsDir = 'reports/bench-runs'] = process.argv.slice(2);
const o = await runScenario({ scenarioFile: file, reportsDir });
const load = o.result?.load;
process.stdout.write(
  JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024, requests: load?.requests ?? 0, exitCode: o.exitCode, dropped: load?.droppedShare ?? 0 }),
);

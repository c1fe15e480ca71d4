import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brownoutImport, HARNESS_INDEX, importPath, K6_INDEX } from '../core/paths.ts';

/** The scenario to fill in: it runs as written (against the sample photo service), so a person starts from a green run. */
function scenarioText(name: string, harnessImport: string, loadScript: string, root: string): string {
  return `import { at, gateway, latency, mariadb, scenario, service } from '${harnessImport}';

/**
 * Incident: TODO what users saw, when and for how long, with the write-up's numbers
 * (e.g. "uploads answered 503 for 40 minutes; the gateway timed out after 30 s").
 * Cause: TODO what held, hung or died (a lock, a pool, a missing timeout, a process).
 * Fix: TODO what changed, and what it should show (e.g. "fails fast with 503 + Retry-After").
 *
 * Scaled down: TODO which durations were divided, and by how much (a 30 s timeout becomes 3 s).
 */
export default scenario({
  name: '${name}',
  incident: 'TODO one line: what users saw',
  // The modes your service has (MODE in its environment); the first is the default of --mode.
  // The sample photo service has these two; drop modes (and ({ mode })) if yours has none.
  modes: ['fixed', 'broken'],

  // The stack as it ran in the incident. Each dependency is reached through its own Toxiproxy proxy,
  // and a service learns where from its environment: DB_HOST, DB_PORT, DB_USER, DB_PASSWORD,
  // DB_DATABASE for a part named db; IMAGER_URL for a part named imager (README: "Stack parts").
  // TODO replace the sample photo service by yours: the command that starts it on $PORT.
  stack: ({ mode }) => ({
    // Paths are relative to this file's folder; a service runs in its cwd (here the project root).
    db: mariadb({ schema: '${root}/fixtures/photo/schema.sql', seed: '${root}/fixtures/photo/seed.sql' }),
    imager: service({ command: ['node', '--import', 'tsx', 'fixtures/photo/imager.ts'], cwd: '${root}' }),
    app: service({ command: ['node', '--import', 'tsx', 'fixtures/photo/server.ts'], cwd: '${root}', env: { MODE: mode }, dependsOn: ['db', 'imager'] }),
    // The load balancer or gateway in front, with the incident's timeout (scaled down).
    edge: gateway({ to: 'app', timeout: '3s', timeoutStatus: 503 }),
  }),

  // TODO the traffic of the bad hour: requests per second and their mix (in the load script).
  load: { script: '${loadScript}', target: 'edge', rate: 20, duration: '30s', requestTimeout: '10s' },

  // TODO what happened, when, for how long: latency, timeout, resetPeer, down on a link;
  // lockWait on the database; kill, freeze, restart, request on a service; flushCache on redis.
  timeline: [
    // e.g. the image processor the service calls answers in 4 s instead of 0.2 s, for 10 s.
    at('10s', latency({ link: 'app→imager', latency: '4s' }), { for: '10s' }),
  ],

  // TODO what must hold in each phase: the write-up's symptom, negated.
  expect: {
    baseline: ['p95 < 250ms', 'rate(5xx) < 0.1%'],
    // The sample's fixed mode makes thumbnails after the commit, so uploads stay fast; its broken
    // mode waits for them inside the transaction and the gateway answers 503 after 3 s.
    fault: ['p95{name:upload} < 500ms', 'rate(5xx) < 1%', 'rate(no_response) == 0'],
    recovery: ['recovery < 2s', 'rate(5xx) < 0.1%'],
    overall: ['lost_writes == 0'],
  },
  // Every write the service acknowledged must be in this table after the run.
  writes: { db: 'db', table: 'photos' },
});
`;
}

const LOAD_TEXT = `// The load of the incident: TODO the request mix of the bad hour (from the access log).
// A k6 script: only k6 modules and relative files here (its tsconfig has k6 types, no Node).
import http from 'k6/http';
import { acknowledge } from '__ACKNOWLEDGE__';

const BASE_URL = __ENV.BASE_URL;
const TIMEOUT = __ENV.REQUEST_TIMEOUT || '10s';

export default function (): void {
  if (Math.random() < 0.3) {
    const res = http.post(\`\${BASE_URL}/photos\`, JSON.stringify({ albumId: 1 + Math.floor(Math.random() * 10), title: 'upload' }), {
      headers: { 'content-type': 'application/json' },
      // The name tag is what expectations filter on: p95{name:upload}.
      tags: { name: 'upload' },
      timeout: TIMEOUT,
    });
    // An acknowledged write: the harness looks for it in the database after the run.
    if (res.status === 201) acknowledge(Number((res.json() as { id?: number } | null)?.id));
  } else {
    http.get(\`\${BASE_URL}/photos/\${1 + Math.floor(Math.random() * 100)}\`, { tags: { name: 'read' }, timeout: TIMEOUT });
  }
}
`;

/** `brownout new NAME`: scenarios/NAME.ts and scenarios/load/NAME.k6.ts; never overwrites. */
export function newScenario(name: string, dir: string): number {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    process.stderr.write(`brownout new: "${name}" is not a scenario name\nfix: lower case words joined by -, e.g. checkout-timeout\n`);
    return 2;
  }
  const file = path.join(dir, `${name}.ts`);
  const load = path.join(dir, 'load', `${name}.k6.ts`);
  const taken = [file, load].filter((f) => existsSync(f));
  if (taken.length) {
    process.stderr.write(
      `brownout new: ${taken.join(' and ')} already exist${taken.length === 1 ? 's' : ''}\nfix: pick another name, or remove the file first\n`,
    );
    return 2;
  }
  mkdirSync(path.dirname(load), { recursive: true });
  // Paths as the scenario reads them: from its own folder.
  writeFileSync(file, scenarioText(name, brownoutImport(file, HARNESS_INDEX), importPath(file, load), importPath(file, process.cwd()).replace(/^\.\/$/, '.')));
  writeFileSync(load, LOAD_TEXT.replace('__ACKNOWLEDGE__', brownoutImport(load, K6_INDEX)));
  process.stdout.write(`${file}\n${load}\nnext: fill in the TODOs from the write-up, then: npx brownout run ${file} --mode broken\n`);
  return 0;
}

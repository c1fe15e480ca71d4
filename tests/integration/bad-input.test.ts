import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError, runScenario, ScenarioError } from '../../harness/index.ts';
import { runTempDirs, survivors, watchTree } from './helpers.ts';

const HARNESS = path.resolve('harness/index.ts');
const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-bad-'));
let busyPort = 0;
const busy = net.createServer();

beforeAll(async () => {
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  busyPort = (busy.address() as net.AddressInfo).port;
});
afterAll(() => {
  busy.close();
  rmSync(dir, { recursive: true, force: true });
});

writeFileSync(path.join(dir, 'load.ts'), "import http from 'k6/http';\nexport default function () { http.get(`${__ENV.BASE_URL}/health`); }\n");
writeFileSync(path.join(dir, 'broken-load.ts'), "import http from 'k6/http';\nexport default function ( {\n  http.get(__ENV.BASE_URL;\n}\n");

/** A valid scenario, as source text, with `patch` spliced into its object literal (later keys win). */
function source(
  patch: string,
  stack = "{ app: service({ command: ['node', 'fixtures/photo/imager.ts'] }), db: mariadb(), edge: gateway({ to: 'app', timeout: '1s' }) }",
): string {
  // The patch is spread over a base object, so overriding a key does not make a duplicate key.
  return `import { at, gateway, latency, lockWait, mariadb, scenario, service } from ${JSON.stringify(HARNESS)};
const base = {
  name: 'bad', incident: 'bad input', modes: ['fixed', 'broken'],
  stack: () => (${stack}),
  load: { script: ${JSON.stringify(path.join(dir, 'load.ts'))}, target: 'edge', rate: 5, duration: '10s' },
  timeline: [at('2s', latency({ link: 'edge→app', latency: '10ms' }), { for: '2s' })],
  expect: { baseline: ['p95 < 1s'] },
};
export default scenario({ ...base, ...{ ${patch} } } as Parameters<typeof scenario>[0]);
`;
}

const load = (extra: string) => `load: { script: ${JSON.stringify(path.join(dir, 'load.ts'))}, target: 'edge', rate: 5, duration: '10s', ${extra} },`;

// [case, file text (or null: no file), field named, what the message says, extra run options]
const CASES: [string, string | null, string, RegExp, { mode?: string }?][] = [
  ['no stack', source('stack: () => ({}),'), 'stack', /no parts/],
  ['unknown fault', source("timeline: [{ at: '1s', for: '1s', fault: { type: 'meteor' } }],"), 'timeline[0].fault', /./],
  ['negative duration', source("timeline: [at('-1s', latency({ link: 'edge→app', latency: '10ms' }), { for: '1s' })],"), 'timeline[0].at', /not a duration/],
  ['unparsable duration', source(load("duration: 'a while'")), 'load.duration', /not a positive duration/],
  [
    'fault past the end of the load',
    source("timeline: [at('8s', latency({ link: 'edge→app', latency: '10ms' }), { for: '5s' })],"),
    'timeline[0]',
    /after the load ends/,
  ],
  ['heal before apply', source("timeline: [at('2s', latency({ link: 'edge→app', latency: '10ms' }), { for: '0ms' })],"), 'timeline[0].for', /positive/],
  ['bad expectation syntax', source("expect: { baseline: ['p95 is fine'] },"), 'expect.baseline[0]', /cannot read expectation/],
  ['unknown status code', source("expect: { fault: ['rate(700) < 1%'] },"), 'expect.fault[0]', /unknown status/],
  // Known only from the bundled load script: refused after bundling, before anything starts.
  ['a check the load script never names', source("expect: { baseline: ['rate(checks){check:body ok} == 100%'] },"), 'expect.baseline[0]', /never names/],
  ['a k6 metric the load script never names', source("expect: { overall: ['p95(search_ms) < 300ms'] },"), 'expect.overall[0]', /never names/],
  ['a stop condition without its window', source("abortWhen: ['rate(5xx) > 50%'],"), 'abortWhen[0]', /no 'for <duration>'/],
  [
    'cpu below a hundredth of a core',
    source("timeline: [{ at: '2s', for: '1s', fault: { type: 'cpu', part: 'app', cores: 0 } }],"),
    'timeline[0].fault.cores',
    /./,
  ],
  ['target not a part', source(load("target: 'cdn'")), 'load.target', /not a service or gateway/],
  ['non-loopback host', source(load("target: 'http://10.20.30.40:8080'")), 'load.target', /not on loopback/],
  ['missing load script', source(load(`script: ${JSON.stringify(path.join(dir, 'nope.ts'))}`)), 'load.script', /does not exist/],
  ['broken load script', source(load(`script: ${JSON.stringify(path.join(dir, 'broken-load.ts'))}`)), 'broken-load.ts:', /does not bundle/],
  [
    'port already taken',
    source('', "{ app: service({ command: ['node', 'x.js'], port: BUSY }), edge: gateway({ to: 'app', timeout: '1s' }) }"),
    'stack.app.port',
    /already in use/,
  ],
  [
    'link not in the stack',
    source("timeline: [at('2s', latency({ link: 'app→db', latency: '10ms' }), { for: '1s' })],"),
    'timeline[0].fault.link',
    /not a link/,
  ],
  ['lockWait on a service', source("timeline: [at('2s', lockWait({ db: 'app', rows: 'SELECT 1' }), { for: '1s' })],"), 'timeline[0].fault.db', /not a mariadb/],
  ['misspelt key', source('timline: [],'), '(root)', /timline/],
  ['mode not offered', source(''), 'modes', /not one this scenario offers/, { mode: 'chaos' }],
  [
    'dependency cycle',
    source(
      '',
      "{ a: service({ command: ['x'], dependsOn: ['b'] }), b: service({ command: ['x'], dependsOn: ['a'] }), edge: gateway({ to: 'a', timeout: '1s' }) }",
    ),
    'stack.',
    /cycle/,
  ],
  ['gateway to a database', source('', "{ db: mariadb(), edge: gateway({ to: 'db', timeout: '1s' }) }"), 'stack.edge.to', /not a service/],
  ['negative rate', source(load('rate: -5')), 'load.rate', /./],
  [
    'missing schema file',
    source('', "{ db: mariadb({ schema: 'no/such.sql' }), app: service({ command: ['x'], dependsOn: ['db'] }), edge: gateway({ to: 'app', timeout: '1s' }) }"),
    'stack.db.schema',
    /does not exist/,
  ],
  [
    'both build and image',
    source(
      '',
      "{ app: service({ command: ['x'], build: { context: '.', dockerfile: 'load.ts' }, image: 'team/api:1' }), edge: gateway({ to: 'app', timeout: '1s' }) }",
    ),
    'stack.app.image',
    /both build and image/,
  ],
  [
    'no Dockerfile in the build context',
    source('', "{ app: service({ command: ['x'], build: { context: '.' } }), edge: gateway({ to: 'app', timeout: '1s' }) }"),
    'stack.app.build.dockerfile',
    /./,
  ],
  [
    'a service with only an image, run locally',
    source('', "{ app: service({ image: 'team/api:1' }), edge: gateway({ to: 'app', timeout: '1s' }) }"),
    'stack.app',
    /app has no command: locally a part of this kind is a process started from its command \(an image, a container\(\) part, runs on --stack containers only\)/,
  ],
  ['stack function throws', source("stack: () => { throw new Error('no config'); },"), 'stack', /threw: no config/],
  ['scenario file missing', null, '', /does not exist/],
  ['scenario file does not parse', 'export default scenario({ name: ', '', /cannot load the file/],
  ['no default export', `export const x = 1;\n`, 'default', /no default export/],
];

describe('bad input: one clear error (file, field, fix), exit 2, nothing started', () => {
  CASES.forEach(([what, text, field, message, opts], i) => {
    it(what, async () => {
      const file = path.join(dir, `case-${i}.ts`);
      if (text !== null) writeFileSync(file, text.replace('BUSY', String(busyPort)));
      const dirs = runTempDirs();
      const { value: o, seen } = await watchTree(process.pid, () =>
        runScenario({ scenarioFile: file, reportsDir: path.join(dir, 'reports'), ...(opts ?? {}) }),
      );
      expect(o.exitCode).toBe(2);
      expect(o.error).toBeInstanceOf(HarnessError);
      const e = o.error as HarnessError;
      const text2 = e.describe();
      // The file at fault: the load script for a script that does not bundle, else the scenario.
      expect(text2).toContain(field.endsWith('.ts:') ? path.join(dir, 'broken-load.ts') : file);
      if (e instanceof ScenarioError) {
        const p = e.problems.find((x) => (x.field || '(root)').startsWith(field || '(root)'));
        expect(p, `problems: ${JSON.stringify(e.problems)}`).toBeDefined();
        expect(p?.message).toMatch(message);
      } else {
        expect(text2).toContain(field);
        expect(text2).toMatch(message);
      }
      expect(e.hint.length).toBeGreaterThan(5);
      // Nothing started: no stack part or load process, nothing left alive (esbuild's helper, used to
      // check a load script, is stopped), no temp dir, no report.
      expect([...seen.values()].filter((p) => /mariadbd|toxiproxy|haproxy|k6|fixtures\//.test(p.cmd))).toEqual([]);
      expect(survivors(seen)).toEqual([]);
      expect(runTempDirs()).toEqual(dirs);
      expect(o.reportDir).toBeUndefined();
    });
  });

  it('the CLI exits 2 and prints the file, the field and the fix', () => {
    const file = path.join(dir, 'cli-case.ts');
    writeFileSync(file, source(load("target: 'http://10.20.30.40:8080'")));
    const reports = path.join(dir, 'cli-reports');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'run', file, '--reports', reports], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file} › load.target: host '10.20.30.40' is not on loopback`);
    expect(r.stderr).toContain('fix:   brownout sends load only to 127.0.0.1/localhost, or to a host you allow with --allow-host 10.20.30.40');
    // CI sees it too: the JUnit file holds one error naming the field.
    const junit = readFileSync(path.join(reports, 'junit.xml'), 'utf8');
    expect(junit).toContain('errors="1"');
    expect(junit).toMatch(/<error message="[^"]*load\.target[^"]*fix: brownout sends load only/);
  });

  it('--allow-host lets load go to a host the user owns (validation passes that field)', () => {
    const file = path.join(dir, 'cli-allowed.ts');
    // Allowed host, but a broken link: the error is about the link, no longer about the host.
    writeFileSync(file, source(`${load("target: 'http://10.20.30.40:8080'")} timeline: [at('2s', latency({ link: 'x→y', latency: '1ms' }), { for: '1s' })],`));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'run', file, '--allow-host', '10.20.30.40'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).not.toContain('not on loopback');
    expect(r.stderr).toContain('timeline[0].fault.link');
  });
});

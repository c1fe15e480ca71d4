import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../core/errors.ts';
import { brownoutImport, HARNESS_INDEX, importPath, K6_INDEX } from '../core/paths.ts';
import { readCompose, type StackPart } from '../stack/index.ts';

export interface InitOptions {
  /** The folder to write, relative to the project. Default 'chaos'. */
  dir: string;
  /** The command that starts the service, split on spaces. Default: `npm start` when package.json has a start script. */
  command?: string;
  /** The service's health path. */
  health: string;
  /** A fixed port, for a service that cannot take $PORT. */
  port?: string;
  /** 'mariadb' adds a database part the service depends on. */
  database: 'none' | 'mariadb';
  /** A SQL schema for the database (relative to the project). */
  schema?: string;
  /** The team's compose file (relative to the project): the scenario's stack is read from it, on --stack containers. */
  compose?: string;
}

interface ProjectPackage {
  name?: string;
  main?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * `brownout init`: a chaos folder in the user's project (a commented scenario and load script for
 * their service, a tsconfig for the k6 script) and a `chaos` script in their package.json. Asks
 * nothing; never overwrites a file or a script. Exit 0, or 2 on bad input (nothing written then).
 */
export function initProject(projectDir: string, o: InitOptions, out: (line: string) => void, err: (line: string) => void): number {
  const pkgFile = path.join(projectDir, 'package.json');
  if (!existsSync(pkgFile)) {
    err(`brownout init: no package.json in ${projectDir}\nfix: run it in your project's root folder (npm init -y makes a package.json)`);
    return 2;
  }
  let pkg: ProjectPackage;
  try {
    pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as ProjectPackage;
  } catch (e) {
    err(`brownout init: ${pkgFile} is not valid JSON (${(e as Error).message})\nfix: correct package.json, then run brownout init again`);
    return 2;
  }
  if (!/^\/\S*$/.test(o.health)) {
    err(`brownout init: --health ${o.health} is not a path\nfix: give the path your service answers 200 on when it is ready, e.g. --health /health`);
    return 2;
  }
  const port = o.port === undefined ? undefined : Number(o.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    err(`brownout init: --port ${o.port ?? ''} is not a port\nfix: give the port your service always listens on, or leave --port out when it takes $PORT`);
    return 2;
  }
  if (o.schema !== undefined && !existsSync(path.resolve(projectDir, o.schema))) {
    err(`brownout init: --schema ${o.schema}: no such file in ${projectDir}\nfix: give your SQL schema's path from the project root, or leave --schema out`);
    return 2;
  }
  const stack = o.compose === undefined ? undefined : composeStack(projectDir, o.compose, err);
  if (stack === null) return 2;
  const command = o.command ? o.command.split(/\s+/).filter(Boolean) : pkg.scripts?.['start'] ? ['npm', 'start'] : ['node', pkg.main ?? 'server.js'];
  const dir = path.resolve(projectDir, o.dir);
  const scenarioFile = path.join(dir, 'scenario.ts');
  const loadFile = path.join(dir, 'load.k6.ts');
  const tsconfigFile = path.join(dir, 'tsconfig.json');
  const name =
    (pkg.name ?? path.basename(projectDir))
      .replace(/^@[^/]+\//, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'service';
  const files: [string, string][] = [
    [
      scenarioFile,
      stack
        ? composeScenarioText({ name, compose: importPath(scenarioFile, stack.file), ...stack, harness: brownoutImport(scenarioFile, HARNESS_INDEX) })
        : scenarioText({
            name,
            command,
            cwd: importPath(scenarioFile, projectDir).replace(/^\.\/$|^\.$/, '.'),
            health: o.health,
            port,
            database: o.database,
            schema: o.schema === undefined ? undefined : importPath(scenarioFile, path.resolve(projectDir, o.schema)),
            harness: brownoutImport(scenarioFile, HARNESS_INDEX),
          }),
    ],
    [loadFile, loadText(brownoutImport(loadFile, K6_INDEX))],
    [tsconfigFile, TSCONFIG],
  ];
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of files) {
    const rel = path.relative(projectDir, file);
    if (existsSync(file)) out(`kept     ${rel} (exists; not overwritten)`);
    else {
      writeFileSync(file, text);
      out(`wrote    ${rel}`);
    }
  }
  const script = `brownout run ${path.relative(projectDir, scenarioFile).split(path.sep).join('/')}${stack ? ' --stack containers' : ''}`;
  if (pkg.scripts?.['chaos'] !== undefined) out(`kept     package.json scripts.chaos ("${pkg.scripts['chaos']}")`);
  else {
    // Written back as it was read, with one script more (the file's own indentation kept).
    const text = readFileSync(pkgFile, 'utf8');
    const indent = /^(\s+)"/m.exec(text)?.[1] ?? '  ';
    const raw = JSON.parse(text) as Record<string, unknown>;
    raw['scripts'] = { ...((raw['scripts'] as Record<string, string> | undefined) ?? {}), chaos: script };
    writeFileSync(pkgFile, `${JSON.stringify(raw, null, indent)}\n`);
    out(`added    package.json scripts.chaos ("${script}")`);
  }
  // The type check the tsconfig is for needs TypeScript in the project: brownout does not bring it,
  // and `npx tsc` without it fetches an unrelated npm package named "tsc".
  const tsconfigRel = path.relative(projectDir, tsconfigFile);
  if (!pkg.devDependencies?.['typescript'] && !pkg.dependencies?.['typescript'])
    out(`type check (optional): npm install -D typescript, then npx tsc -p ${tsconfigRel}`);
  else out(`type check: npx tsc -p ${tsconfigRel}`);
  out(`next: read ${path.relative(projectDir, scenarioFile)} (its TODOs), then: npm run chaos`);
  return 0;
}

/**
 * The compose file's parts and links as fromCompose reads them, and where the load goes: the first
 * service no other depends on (the entry, a load balancer or the app). null: one error said why.
 */
function composeStack(projectDir: string, rel: string, err: (line: string) => void): { file: string; target: string; links: string[] } | null {
  const file = path.resolve(projectDir, rel);
  let parts: Record<string, StackPart>;
  try {
    parts = readCompose(file, rel, {}, process.env);
  } catch (e) {
    err(`brownout init: ${e instanceof HarnessError ? e.describe() : (e as Error).message}`);
    return null;
  }
  const deps = (p: StackPart) => (p.kind === 'service' ? (p.dependsOn ?? []) : []);
  const links = Object.entries(parts).flatMap(([n, p]) => deps(p).map((d) => `${n}→${d}`));
  const target = Object.keys(parts).find((n) => parts[n]?.kind === 'service' && !Object.values(parts).some((p) => deps(p).includes(n)));
  if (!target) {
    err(
      `brownout init: ${rel} has no service that nothing else depends on, to send the load to\nfix: give the compose file its entry service (an app or a load balancer), or write the scenario by hand (README, "Your own stack on containers")`,
    );
    return null;
  }
  return { file, target, links };
}

/** A scenario on the team's compose stack: the load at its entry, each link in turn 200 ms slower. */
function composeScenarioText(o: { name: string; compose: string; target: string; links: string[]; harness: string }): string {
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const phase = (link: string) => `slow-${link.replace('→', '-')}`;
  const timeline = o.links.map((l, i) => `    at('${5 + 4 * i}s', latency({ link: ${q(l)}, latency: '200ms' }), { for: '3s', name: ${q(phase(l))} }),`);
  const expectations = o.links.map((l) => `    ${q(phase(l))}: ['rate(5xx) == 0', 'rate(no_response) == 0'],`);
  return `import { at, fromCompose, latency, scenario } from ${q(o.harness)};

/**
 * TODO the incident this reproduces, as its write-up tells it: what users saw, for how long, the
 * cause, and what the fix should show. Until then: each link of the stack in turn gets 200 ms
 * slower under load, and every request must still be answered without a 5xx.
 *
 * The stack is your compose file, read as it is (nothing of it is changed): every service a part,
 * MariaDB/MySQL and Redis images as brownout's own (with their database and cache faults), every
 * depends_on a link through Toxiproxy that the service still reaches by the name it dials. It
 * runs on containers: npm run chaos (exit 0 pass, 1 an expectation failed, 2 the run could not be
 * made); the report goes to reports/<run-id>/. Paths here are relative to this file's folder.
 */
export default scenario({
  name: ${q(`${o.name}-chaos`)},
  incident: 'TODO one line: what users saw',

  // fromCompose(file, { env, ports, kinds, services, parts }): README, "Your own stack on containers".
  stack: fromCompose(${q(o.compose)}),

  // 10 requests per second from load.k6.ts, sent to ${o.target} (the service nothing else depends on).
  load: { script: 'load.k6.ts', target: ${q(o.target)}, rate: 10, duration: '${8 + 4 * o.links.length}s', env: { PATHS: '/' } },

  // TODO what happened, and when (from the start of the load).
  timeline: [
${timeline.join('\n')}
  ],

  // What must hold in each phase (a named fault's span is a phase of that name).
  expect: {
    baseline: ['rate(5xx) == 0', 'rate(checks){check:page has a body} == 100%'],
${expectations.join('\n')}
    recovery: ['rate(5xx) == 0', 'rate(checks) == 100%'],
  },
});
`;
}

function scenarioText(o: {
  name: string;
  command: string[];
  cwd: string;
  health: string;
  port: number | undefined;
  database: 'none' | 'mariadb';
  schema: string | undefined;
  harness: string;
}): string {
  const db = o.database === 'mariadb';
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const serviceOpts = [
    `command: [${o.command.map(q).join(', ')}]`,
    `cwd: ${q(o.cwd)}`,
    `health: ${q(o.health)}`,
    ...(o.port !== undefined ? [`port: ${o.port}`] : []),
    ...(db ? ["dependsOn: ['db']"] : []),
  ];
  return `import { at, gateway, latency, ${db ? 'mariadb, ' : ''}scenario, service } from ${q(o.harness)};

/**
 * TODO the incident this reproduces, as its write-up tells it: what users saw, for how long, the
 * cause, and what the fix should show. Until then: ${db ? 'the database' : 'the service'} slows down for 8 s under load,
 * and the service must stay up and recover.
 *
 * Paths here are relative to this file's folder. Run it: npm run chaos (exit 0 pass, 1 an
 * expectation failed, 2 the run could not be made); the report goes to reports/<run-id>/.
 */
export default scenario({
  name: ${q(`${o.name}-chaos`)},
  incident: 'TODO one line: what users saw',

  stack: () => ({
${
  db
    ? `    // A fresh MariaDB for the run (utf8mb4). The service finds it in DB_HOST, DB_PORT, DB_USER,
    // DB_PASSWORD, DB_DATABASE; or build the URL your service reads, e.g.
    // env: { DATABASE_URL: 'mysql://\${DB_USER}:\${DB_PASSWORD}@\${DB_HOST}:\${DB_PORT}/\${DB_DATABASE}' }.
    db: mariadb({${o.schema ? ` schema: ${q(o.schema)} ` : ''}}),
`
    : ''
}    // Your service, started with this command in cwd. It gets PORT and HOST=127.0.0.1 (write
    // \${PORT} in the command for a server that takes its port as a flag) and is ready when health
    // answers 200. setup: [...] runs once before it (migrations, a bootstrap).
    app: service({ ${serviceOpts.join(', ')} }),
    // A gateway in front, as in production: it answers 504 when the service takes longer than timeout.
    edge: gateway({ to: 'app', timeout: '5s' }),
  }),

  // 10 requests per second for 30 s, from load.k6.ts; load.env reaches it as __ENV.
  load: { script: 'load.k6.ts', target: 'edge', rate: 10, duration: '30s', env: { PATHS: ${q(o.health)} } },

  // TODO what happened, and when (from the start of the load).
  timeline: [
    at('10s', latency({ link: ${q(db ? 'app→db' : 'edge→app')}, latency: '200ms' }), { for: '8s' }),
  ],

  // What must hold in each phase. p95 and rate(5xx) are over the phase's requests; {name:page}
  // filters by the tag the load script gives; rate(checks) is the share of the load script's checks
  // that passed ({check:NAME}: one of them).
  expect: {
    baseline: ['p95 < 1000ms', 'rate(5xx) == 0', 'rate(checks){check:page has a body} == 100%'],
    fault: ['rate(5xx) == 0', 'rate(no_response) == 0'],
    recovery: ['recovery < 5s', 'rate(5xx) == 0', 'rate(checks) == 100%'],
    overall: ['p99{name:page} < 4000ms'],
  },
});
`;
}

function loadText(k6Import: string): string {
  return `// The load: TODO the requests of your incident (the write-up's mix, or brownout replay of an access log).
// A k6 script (bundled with esbuild): k6 modules and relative files only, no Node APIs.
import { check } from 'k6';
import http from 'k6/http';
// acknowledge(id) records a write the service confirmed; with the scenario's writes: { db, table }
// the harness checks each one is in the database after the run (lost_writes == 0).
import { acknowledge } from '${k6Import}';

const BASE_URL = __ENV.BASE_URL;
const TIMEOUT = __ENV.REQUEST_TIMEOUT || '10s';
// From the scenario's load.env.
const PATHS = (__ENV.PATHS || '/').split(',');

export default function (): void {
  const p = PATHS[Math.floor(Math.random() * PATHS.length)] ?? '/';
  // The name tag is what expectations filter on: p95{name:page}.
  const res = http.get(\`\${BASE_URL}\${p}\`, { tags: { name: 'page' }, timeout: TIMEOUT });
  // What the client got back, not only its status: a check is judged per phase by its name,
  // rate(checks){check:page has a body} == 100%. TODO check what your client must get (the item it
  // asked for, a list that is not empty): a fast 200 with the wrong body passes every other figure.
  check(res, { 'page has a body': (r) => typeof r.body === 'string' && r.body.length > 0 });
}
`;
}

const TSCONFIG = `{
  // For editors and tsc: the load script runs in k6 (k6 types, no Node), the scenario in Node.
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022"],
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "strict": true,
    "noEmit": true,
    "allowImportingTsExtensions": true,
    "skipLibCheck": true,
    "types": ["k6"]
  },
  "include": ["*.ts"]
}
`;

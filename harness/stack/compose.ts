import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { parse as parseShell } from 'shell-quote';
import { isMap, parseDocument } from 'yaml';
import { callerFolder } from '../core/caller.ts';
import { ScenarioError } from '../core/errors.ts';
import type { HealthOption } from './health.ts';
import type { MariaDbPart } from './parts/mariadb.ts';
import { PART_KINDS, type StackPart } from './parts/index.ts';
import type { ComposeService } from './parts/part.ts';
import type { ServicePart } from './parts/service.ts';

/**
 * A team's docker-compose.yml as a stack: every service a part, every depends_on edge (and every
 * service its environment names as a host) a link through Toxiproxy that the dependent reaches by
 * the very name it dials, so its environment stays as written. Read with the `yaml` parser, no
 * compose binary: what compose itself would do with ${VAR}, env_file, build, healthcheck, tmpfs and
 * bind mounts; published ports ignored (everything stays on the run's network and 127.0.0.1); a key
 * brownout cannot honour is one problem naming the service and the key.
 */

export interface ComposeOptions {
  /** Values for ${VAR} in the file, over the process's environment and the .env file beside it (as compose reads them). */
  env?: Readonly<Record<string, string>>;
  /** The port a service listens on in its container, where its expose: or ports: does not say it. */
  ports?: Readonly<Record<string, number>>;
  /** What a service runs as: 'mariadb' or 'redis' (brownout's, with their DB and cache faults) or 'service' (its image as it is). Default: by its image's name. */
  kinds?: Readonly<Record<string, 'mariadb' | 'redis' | 'memcached' | 'service'>>;
  /** Only these services (by their compose names). Default: every service without a profile. */
  services?: readonly string[];
  /** Options added to a service's part (by its compose name), e.g. { app: { setup: ['npm', 'run', 'migrate'], timeouts: { db: '2s' } } }; env is merged. */
  parts?: Readonly<Record<string, Partial<Omit<ServicePart, 'kind'>> | Partial<Omit<MariaDbPart, 'kind'>>>>;
}

/** A stack function (as a scenario's stack:) made from a compose file; the path is relative to the file that calls fromCompose. */
export function fromCompose(file: string, options: ComposeOptions = {}): (ctx: { mode: string }) => Readonly<Record<string, StackPart>> {
  const home = callerFolder(1) ?? process.cwd();
  return () => readCompose(path.resolve(home, file), file, options, process.env);
}

/** Keys brownout honours, and keys that change nothing on the run's network (ignored). Any other is a problem. */
const HONOURED = new Set([
  'image',
  'build',
  'environment',
  'env_file',
  'command',
  'entrypoint',
  'working_dir',
  'healthcheck',
  'depends_on',
  'ports',
  'expose',
  'tmpfs',
  'volumes',
  'profiles',
]);
const IGNORED = new Set([
  'container_name',
  'hostname',
  'restart',
  'labels',
  'networks',
  'logging',
  'stop_grace_period',
  'stop_signal',
  'init',
  'tty',
  'stdin_open',
  'deploy',
  'platform',
  'pull_policy',
  'mem_limit',
  'mem_reservation',
  'cpus',
  'cpu_shares',
  'shm_size',
  'ulimits',
]);

type Raw = Record<string, unknown>;
type Problems = { field: string; message: string; fix: string }[];

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The file read and mapped to parts; every problem at once, thrown as one ScenarioError naming the compose file. */
export function readCompose(abs: string, given: string, options: ComposeOptions, processEnv: NodeJS.ProcessEnv): Record<string, StackPart> {
  const problems: Problems = [];
  const at = (field: string, message: string, fix: string) => problems.push({ field: `${given} › ${field}`, message, fix });
  const fail = () => new ScenarioError(abs, problems);
  if (!existsSync(abs)) {
    at('(file)', `the compose file does not exist (looked for ${abs})`, 'correct the path: relative to the file that calls fromCompose');
    throw fail();
  }
  const dir = path.dirname(abs);
  const doc = parseDocument(readFileSync(abs, 'utf8'));
  for (const e of doc.errors) at(`line ${e.linePos?.[0]?.line ?? '?'}`, e.message.split('\n')[0] ?? e.message, 'correct the YAML');
  if (problems.length) throw fail();
  if (!isMap(doc.contents) || !isObject(doc.toJS())) {
    at('(file)', 'it is not a compose file (no mapping at its top)', 'give a docker-compose.yml with services:');
    throw fail();
  }
  // ${VAR}: fromCompose's env over the process's over the .env file beside it, as compose reads them.
  const dotEnv = existsSync(path.join(dir, '.env')) ? dotenv.parse(readFileSync(path.join(dir, '.env'))) : {};
  const vars: Record<string, string | undefined> = { ...dotEnv, ...processEnv, ...options.env };
  const top = interpolate(doc.toJS(), vars, (field, message) =>
    at(field, message, 'set the variable (fromCompose(file, { env }), the environment, or .env)'),
  ) as Raw;
  if ('include' in top || 'extends' in top)
    at('include', 'other compose files are not read', 'give one file; run `docker compose config` to write the merged one');
  if (!isObject(top['services'])) {
    at('services', 'no services', 'give services: with at least one service');
    throw fail();
  }
  const services = pickServices(top['services'], options, at);
  const partOf = new Map([...services.keys()].map((n) => [n, n.toLowerCase().replace(/[^a-z0-9_]/g, '_')]));
  for (const [n, p] of partOf) {
    if (!/^[a-z]/.test(p)) at(`services.${n}`, `'${n}' cannot be a part name (it must start with a letter)`, 'rename the service');
    const twin = [...partOf].find(([m, q]) => m !== n && q === p);
    if (twin) at(`services.${n}`, `'${n}' and '${twin[0]}' are one part name (${p})`, 'rename one of them');
  }
  for (const [opt, names] of Object.entries({ ports: options.ports, kinds: options.kinds, parts: options.parts }))
    for (const n of Object.keys(names ?? {}))
      if (!services.has(n))
        at(`services.${n}`, `fromCompose's ${opt} names '${n}', which is not a service here`, `name one of ${[...services.keys()].join(', ')}`);
  const volumes = isObject(top['volumes']) ? top['volumes'] : {};
  const stack: Record<string, StackPart> = {};
  for (const [name, raw] of services) {
    const field = (key: string) => `services.${name}${key ? `.${key}` : ''}`;
    const problem = (key: string, message: string, fix: string) => at(field(key), message, fix);
    const svc = readService(name, raw, { dir, vars, volumes, partOf, options, problem });
    if (!svc) continue;
    const kind = kindFor(name, svc, options, problem);
    if (!kind?.compose) continue;
    const def: Raw = { ...kind.compose.from(svc, { problem }) };
    const extra = (options.parts?.[name] ?? {}) as Raw;
    stack[partOf.get(name) ?? name] = {
      ...def,
      ...extra,
      ...(isObject(def['env']) || isObject(extra['env']) ? { env: { ...(def['env'] as Raw), ...(extra['env'] as Raw) } } : {}),
      kind: def['kind'],
    } as StackPart;
  }
  if (problems.length) throw fail();
  return stack;
}

/** The services to run: fromCompose's list, else every one without a profile (as compose starts them). */
function pickServices(all: Raw, options: ComposeOptions, at: (field: string, message: string, fix: string) => void): Map<string, Raw> {
  const out = new Map<string, Raw>();
  for (const n of options.services ?? [])
    if (!(n in all)) at(`services.${n}`, `fromCompose's services names '${n}', which is not a service here`, `name one of ${Object.keys(all).join(', ')}`);
  for (const [n, raw] of Object.entries(all)) {
    if (!isObject(raw)) {
      at(`services.${n}`, 'a service is a mapping of its keys', 'give image: or build: and its other keys');
      continue;
    }
    const wanted = options.services ? options.services.includes(n) : !Array.isArray(raw['profiles']) || raw['profiles'].length === 0;
    if (wanted) out.set(n, raw);
  }
  return out;
}

/** The kind a service runs as: fromCompose's kinds, else the first kind that stands for its image, else a service. */
function kindFor(name: string, svc: ComposeService, options: ComposeOptions, problem: (key: string, message: string, fix: string) => void) {
  const named = options.kinds?.[name];
  const withCompose = PART_KINDS.filter((k) => k.compose);
  if (named) {
    const kind = withCompose.find((k) => k.kind === named);
    if (!kind) problem('', `fromCompose's kinds gives '${named}'`, `use one of ${withCompose.map((k) => k.kind).join(', ')}`);
    return kind;
  }
  return (svc.image && !svc.build && withCompose.find((k) => k.compose?.images?.test(svc.image ?? ''))) || withCompose.find((k) => k.kind === 'service');
}

interface ServiceContext {
  dir: string;
  vars: Readonly<Record<string, string | undefined>>;
  volumes: Raw;
  partOf: ReadonlyMap<string, string>;
  options: ComposeOptions;
  problem(key: string, message: string, fix: string): void;
}

/** One service's keys, parsed as compose reads them; undefined when a key is one brownout cannot honour. */
function readService(name: string, raw: Raw, ctx: ServiceContext): ComposeService | undefined {
  const { problem } = ctx;
  let honourable = true;
  for (const key of Object.keys(raw)) {
    if (HONOURED.has(key) || IGNORED.has(key) || key.startsWith('x-')) continue;
    honourable = false;
    problem(
      key,
      `brownout cannot honour ${key}: every part runs as an ordinary container on the run's own network`,
      `remove it, or keep it in a compose override file (docker-compose.override.yml) that fromCompose does not read`,
    );
  }
  if (!honourable) return undefined;
  const environment = readEnvironment(raw, ctx);
  const health = readHealth(raw['healthcheck'], problem);
  const build = readBuild(raw['build'], ctx);
  const command = argv(raw['command'], 'command', problem);
  const entrypoint = argv(raw['entrypoint'], 'entrypoint', problem);
  const port = ctx.options.ports?.[name] ?? firstPort(raw, problem);
  return {
    name,
    ...(typeof raw['image'] === 'string' ? { image: raw['image'] } : {}),
    ...(build ? { build } : {}),
    environment,
    ...(command ? { command } : {}),
    ...(entrypoint ? { entrypoint } : {}),
    ...(typeof raw['working_dir'] === 'string' ? { workdir: raw['working_dir'] } : {}),
    ...(health ? { health } : {}),
    dials: readDials(name, raw, environment, ctx),
    ...(port !== undefined ? { port } : {}),
    tmpfs: (Array.isArray(raw['tmpfs']) ? raw['tmpfs'] : raw['tmpfs'] === undefined ? [] : [raw['tmpfs']]).map(String),
    binds: readBinds(raw['volumes'], ctx),
  };
}

/** env_file then environment (which wins), as compose merges them; a bare name takes the variable's value. */
function readEnvironment(raw: Raw, ctx: ServiceContext): Record<string, string> {
  const env: Record<string, string> = {};
  const files = raw['env_file'] === undefined ? [] : Array.isArray(raw['env_file']) ? raw['env_file'] : [raw['env_file']];
  for (const f of files) {
    const rel = isObject(f) ? String(f['path']) : String(f);
    const required = isObject(f) ? f['required'] !== false : true;
    const abs = path.resolve(ctx.dir, rel);
    if (existsSync(abs)) Object.assign(env, dotenv.parse(readFileSync(abs)));
    else if (required) ctx.problem('env_file', `'${rel}' does not exist (looked for ${abs})`, 'correct the path: relative to the compose file');
  }
  Object.assign(env, keyValues(raw['environment'], ctx.vars, true));
  return env;
}

/**
 * A compose list (`KEY=value`, or a bare `KEY` taking the variable's value) or map of strings, as
 * environment and build args are written; a map's empty value takes the variable's when `nullFromVars`.
 */
function keyValues(v: unknown, vars: Readonly<Record<string, string | undefined>>, nullFromVars: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const item of v.map(String)) {
      const i = item.indexOf('=');
      const value = i < 0 ? vars[item] : item.slice(i + 1);
      if (value !== undefined) out[i < 0 ? item : item.slice(0, i)] = value;
    }
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      const value = x === null || x === undefined ? (nullFromVars ? vars[k] : undefined) : String(x);
      if (value !== undefined) out[k] = value;
    }
  }
  return out;
}

/** The parts it reaches and the name it dials: depends_on, and the other services its environment names as a host. */
function readDials(name: string, raw: Raw, environment: Readonly<Record<string, string>>, ctx: ServiceContext): ComposeService['dials'] {
  const dials: { part: string; host: string; from: 'depends_on' | 'environment' }[] = [];
  const d = raw['depends_on'];
  const deps = Array.isArray(d) ? d.map(String) : isObject(d) ? Object.keys(d) : [];
  for (const dep of deps) {
    const cond = isObject(d) && isObject(d[dep]) ? d[dep]['condition'] : undefined;
    const part = ctx.partOf.get(dep);
    if (part && cond === 'service_completed_successfully')
      ctx.problem(
        `depends_on.${dep}`,
        `a one-off service (condition: service_completed_successfully) is not run before ${name}`,
        `leave ${dep} out (fromCompose's services) and give its command as ${name}'s setup: fromCompose(file, { parts: { ${name}: { setup: [...] } } })`,
      );
    if (part) dials.push({ part, host: dep, from: 'depends_on' });
    else if (!ctx.options.services)
      ctx.problem(`depends_on.${dep}`, `'${dep}' is not a service that runs here`, 'name a service of the file (one without a profile)');
  }
  // A host in a value: 'db', db:3306, scheme://[user@]db[:port][/…], in a variable named like a host.
  for (const [key, value] of Object.entries(environment)) {
    for (const [other, part] of ctx.partOf) {
      if (other === name || dials.some((x) => x.host === other)) continue;
      const n = other.replace(/[.-]/g, '\\$&');
      const hostKey = /(HOST|HOSTNAME|ADDR|ADDRESS|SERVER)S?$/i.test(key) && new RegExp(`^${n}$`).test(value);
      if (hostKey || new RegExp(`(^|[/@,=\\s])${n}:\\d+`).test(value) || new RegExp(`://([^/@\\s]*@)?${n}([:/]|$)`).test(value))
        dials.push({ part, host: other, from: 'environment' });
    }
  }
  return dials;
}

/** The healthcheck's test as brownout's health option: CMD → the command, CMD-SHELL or a string → sh -c; NONE or disable → none. */
function readHealth(h: unknown, problem: ServiceContext['problem']): HealthOption | undefined {
  if (!isObject(h) || h['disable'] === true || h['test'] === undefined) return undefined;
  const t = h['test'];
  if (typeof t === 'string') return { command: ['/bin/sh', '-c', t] };
  if (Array.isArray(t) && t[0] === 'NONE') return undefined;
  if (Array.isArray(t) && t[0] === 'CMD' && t.length > 1) return { command: t.slice(1).map(String) };
  if (Array.isArray(t) && t[0] === 'CMD-SHELL' && t.length === 2) return { command: ['/bin/sh', '-c', String(t[1])] };
  problem('healthcheck.test', 'a test is a string, [CMD, ...], [CMD-SHELL, "..."] or [NONE]', 'write it as compose documents it');
  return undefined;
}

/** build: a context path, or { context, dockerfile (from the context), args, target }; paths from the compose file's folder. */
function readBuild(b: unknown, ctx: ServiceContext): ComposeService['build'] | undefined {
  if (b === undefined) return undefined;
  const o: Raw = typeof b === 'string' ? { context: b } : isObject(b) ? b : {};
  if (o['dockerfile_inline'] !== undefined)
    ctx.problem('build.dockerfile_inline', 'an inline Dockerfile is not built here', 'put it in a file and name it in build.dockerfile');
  const context = path.resolve(ctx.dir, String(o['context'] ?? '.'));
  const dockerfile = path.resolve(context, String(o['dockerfile'] ?? 'Dockerfile'));
  if (!existsSync(dockerfile))
    ctx.problem('build.dockerfile', `no Dockerfile at ${dockerfile}`, 'correct build.context or build.dockerfile (relative to the context)');
  const args = keyValues(o['args'], ctx.vars, false);
  return { context, dockerfile, args, ...(typeof o['target'] === 'string' ? { target: o['target'] } : {}) };
}

/** A command or entrypoint: a list as it is, a string split as a shell would (no shell operators). */
function argv(v: unknown, key: string, problem: ServiceContext['problem']): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map(String);
  const words = parseShell(String(v), (name) => `$${name}`);
  if (words.some((w) => typeof w !== 'string')) {
    problem(key, `'${String(v)}' has shell operators, which compose does not run either`, `write it as a list, or as ['/bin/sh', '-c', '...']`);
    return undefined;
  }
  return words as string[];
}

/** The port it listens on in its container: its first expose:, else its first ports: container side. */
function firstPort(raw: Raw, problem: ServiceContext['problem']): number | undefined {
  const expose = Array.isArray(raw['expose']) ? raw['expose'] : [];
  const ports = Array.isArray(raw['ports']) ? raw['ports'] : [];
  const first = expose[0] ?? ports[0];
  if (first === undefined) return undefined;
  // '3000', '8080:3000', '127.0.0.1:8080:3000/tcp', '3000-3005', { target: 3000 }.
  const text = isObject(first) ? String(first['target']) : String(first);
  const n = Number(/(\d+)(?:-\d+)?(?:\/\w+)?$/.exec(text)?.[1]);
  if (Number.isInteger(n) && n > 0 && n < 65536) return n;
  problem(expose.length ? 'expose' : 'ports', `'${text}' names no port`, "write it as compose documents it: '3000' or '8080:3000'");
  return undefined;
}

/**
 * Bind mounts of the project's files (inside the compose file's folder, existing); named volumes
 * start empty each run and are not listed (an external one is a problem: the run would share it).
 */
function readBinds(v: unknown, ctx: ServiceContext): ComposeService['binds'] {
  const binds: { source: string; target: string; readOnly: boolean }[] = [];
  for (const item of Array.isArray(v) ? v : []) {
    let type: string;
    let source = '';
    let target = '';
    let readOnly = false;
    if (isObject(item)) {
      type = String(item['type'] ?? 'volume');
      source = String(item['source'] ?? '');
      target = String(item['target'] ?? '');
      readOnly = item['read_only'] === true;
    } else {
      const parts = String(item).split(':');
      if (parts.length === 1) continue; // an anonymous volume: empty each run, as every volume here
      [source = '', target = ''] = parts;
      readOnly = (parts[2] ?? '').split(',').includes('ro');
      type = /^[./~]/.test(source) ? 'bind' : 'volume';
    }
    if (type === 'tmpfs' || (type === 'volume' && !source)) continue;
    if (type === 'volume') {
      const declared = ctx.volumes[source];
      if (isObject(declared) && declared['external'])
        ctx.problem(
          'volumes',
          `'${source}' is an external volume: the run would use (and change) data outside it`,
          'use a named volume of the file (it starts empty each run), or bind a file of the project',
        );
      continue;
    }
    if (type !== 'bind') {
      ctx.problem('volumes', `a ${type} mount is not made here`, 'bind a file of the project, or use a named volume (empty each run)');
      continue;
    }
    const abs = path.resolve(ctx.dir, source.replace(/^~(?=\/|$)/, process.env['HOME'] ?? '~'));
    if (path.relative(ctx.dir, abs).startsWith('..') || path.isAbsolute(path.relative(ctx.dir, abs)))
      ctx.problem(
        'volumes',
        `${source} is outside the project (the compose file's folder)`,
        'bind files of the project only; the run touches nothing else of this machine',
      );
    else if (!existsSync(abs)) ctx.problem('volumes', `${source} does not exist (looked for ${abs})`, 'correct the path: relative to the compose file');
    else binds.push({ source: abs, target, readOnly });
  }
  return binds;
}

/** ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR:+other}, $VAR and $$ in every string of the file, as compose interpolates. */
export function interpolate(
  v: unknown,
  vars: Readonly<Record<string, string | undefined>>,
  problem: (field: string, message: string) => void,
  field = '',
): unknown {
  if (typeof v === 'string')
    return v.replace(
      /\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
      (_m, dollar: string | undefined, braced: string | undefined, bare: string | undefined) => {
        if (dollar) return '$';
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])(.*))?$/s.exec(braced ?? bare ?? '');
        if (!m?.[1]) {
          problem(field || '(file)', `'\${${braced}}' is not a variable compose knows`);
          return '';
        }
        const [, name, colon, op, arg = ''] = m;
        const value = vars[name];
        const unset = value === undefined || (colon === ':' && value === '');
        if (op === '-') return unset ? arg : (value ?? '');
        if (op === '+') return unset ? '' : arg;
        if (op === '?' && unset) problem(field || '(file)', `${name} is not set: ${arg || 'the file requires it'}`);
        return value ?? '';
      },
    );
  if (Array.isArray(v)) return v.map((x, i) => interpolate(x, vars, problem, `${field}[${i}]`));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolate(x, vars, problem, field ? `${field}.${k}` : k)]));
  return v;
}

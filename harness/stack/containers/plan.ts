import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from '../../core/errors.ts';
import { expandVars } from '../../core/expand.ts';
import { TOOLS } from '../../core/tools.ts';
import type { ResolvedFault, ResolvedLink, ResolvedPart } from '../../scenario/index.ts';
import { haproxyConfig, timeoutErrorPage } from '../haproxy.ts';
import { HTTP_FAULT_LUA, httpFaultConfig, httpFaultMap } from '../http-faults.ts';

/**
 * The containers backend, as data: what the local backend starts as processes, mapped to
 * containers on one network with every link through a Toxiproxy container. Pure, so the mapping is
 * unit-tested here, where no Docker engine runs; harness/stack/containers/start.ts hands it to
 * testcontainers.
 */

/**
 * Which images the parts run. `local` (the default) is built on this machine by
 * `make setup-containers` from a debootstrapped Debian 12 with Debian's MariaDB, Redis and HAProxy,
 * the Toxiproxy and Node binaries of `make setup`: the local backend's versions, no registry
 * needed. `upstream` is the official images, for an engine that reaches their registries.
 */
export const IMAGE_SETS = {
  local: {
    mariadb: 'brownout/mariadb:10.11',
    redis: 'brownout/redis:7.0',
    haproxy: 'brownout/haproxy:2.6',
    // The version setup builds and the local backend runs (harness/setup/versions.env).
    toxiproxy: `brownout/toxiproxy:${TOOLS.toxiproxy.version}`,
    node: 'brownout/node:20',
    services: 'brownout/services:local',
  },
  upstream: {
    mariadb: 'mariadb:10.11',
    redis: 'redis:7.0',
    haproxy: 'haproxy:2.6',
    toxiproxy: `ghcr.io/shopify/toxiproxy:${TOOLS.toxiproxy.version}`,
    node: 'node:20-bookworm-slim',
    services: 'brownout/services:upstream',
  },
} as const;
export type ImageSetName = keyof typeof IMAGE_SETS;
export type ImageSet = (typeof IMAGE_SETS)[ImageSetName];

/**
 * The sample services (and a team's own, when its code is in this repository) are built from here,
 * FROM the set's node image, with the host's network (npm ci reaches the registry that way; an
 * engine started with --iptables=false gives its bridge no way out).
 */
export interface ServiceBuild {
  context: string;
  file: string;
  tag: string;
  buildArgs: Record<string, string>;
}
export const serviceBuild = (images: ImageSet): ServiceBuild => ({
  context: '.',
  file: 'fixtures/Dockerfile',
  tag: images.services,
  buildArgs: { NODE_IMAGE: images.node },
});

/** Every container and the network carry these labels: `brownout clean` and the next run find what a killed run left. */
export const LABELS = { run: 'brownout.run', pid: 'brownout.pid', host: 'brownout.host' } as const;

/**
 * PID 1 of a bare service's container. Locally, a service that dies leaves the machine up: its
 * port refuses connections at once. A container whose main process dies is gone with its address,
 * and connections to it hang instead. So the holder runs the service as its child and stays when
 * it dies (printing HOLDER_EXIT_MARKER, which the run reads as the part's exit); it passes
 * docker stop's SIGTERM on. A kill then reaches the child, as pm2-runtime's workers.
 */
export const HOLDER_EXIT_MARKER = 'brownout-holder: the service exited';
/** Printed when the holder starts the service again after a restart fault (the old process is gone). */
export const HOLDER_RESTART_MARKER = 'brownout-holder: the service stopped for a restart; starting it again';
export const HOLDER = {
  target: '/app/.brownout-holder.cjs',
  content: [
    "const { spawn } = require('node:child_process');",
    'const [command, ...args] = process.argv.slice(2);',
    'let child;',
    'let stopping = false;',
    'let restarting = false;',
    'const start = () => {',
    "  child = spawn(command, args, { stdio: 'inherit' });",
    `  child.on('error', (e) => console.error(\`${HOLDER_EXIT_MARKER} (could not start: \${e.message})\`));`,
    "  child.on('exit', (code, signal) => {",
    '    if (stopping) process.exit(0);',
    // A restart fault: the service stops and starts again in the same container, on the same address.
    `    if (restarting) { restarting = false; console.error('${HOLDER_RESTART_MARKER}'); start(); return; }`,
    `    console.error(\`${HOLDER_EXIT_MARKER} (\${signal ? 'killed by ' + signal : 'exit code ' + code})\`);`,
    '  });',
    '};',
    'start();',
    "for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => {",
    '  stopping = true;',
    '  if (child.exitCode !== null || child.signalCode !== null) process.exit(0);',
    '  child.kill(sig);',
    '});',
    "process.on('SIGHUP', () => {",
    '  if (child.exitCode !== null || child.signalCode !== null) return start();',
    '  restarting = true;',
    "  child.kill('SIGTERM');",
    '});',
    'setInterval(() => undefined, 1 << 30);',
    '',
  ].join('\n'),
} as const;

/** The local backend's MariaDB settings, passed to the server in the container too. */
export const MARIADB_SERVER_FLAGS = ['--skip-name-resolve', '--skip-log-bin', '--innodb-buffer-pool-size=64M', '--max-connections=500'] as const;

/**
 * The server flags of a mariadb part, on either backend: ours, then the part's character set and its
 * variables (given later, so a variable such as max_connections overrides our default).
 */
export function mariadbServerFlags(part: { charset: string; collation: string; variables: Readonly<Record<string, string>> }): string[] {
  return [
    ...MARIADB_SERVER_FLAGS,
    `--character-set-server=${part.charset}`,
    `--collation-server=${part.collation}`,
    ...Object.entries(part.variables).map(([k, v]) => `--${k.replace(/_/g, '-')}=${v}`),
  ];
}

export const TOXIPROXY_API_PORT = 8474;
/** Inside the network every part listens on its image's usual port, so configs read plainly. */
export const PORTS = { mariadb: 3306, redis: 6379, service: 8080, gateway: 8080, httpFaults: 8080 } as const;
/** HAProxy's stats socket on TCP in the gateway container (the harness reads server states there). */
export const GATEWAY_STATS_PORT = 9999;
/** Proxies listen on the Toxiproxy container from here up, one port per link. */
const FIRST_PROXY_PORT = 20_000;

export interface ProxyPlan {
  /** 'app→db' */
  link: string;
  name: string;
  /** The port on the Toxiproxy container (alias 'toxiproxy') clients of the link connect to. */
  listenPort: number;
  /** alias:port of the part behind the link. */
  upstream: string;
}

export type ContainerPlan =
  | {
      kind: 'mariadb';
      part: string;
      alias: string;
      image: string;
      port: number;
      database: string;
      user: string;
      command: string[];
      initScripts: { target: string; content: string }[];
    }
  | { kind: 'redis'; part: string; alias: string; image: string; port: number; command: string[] }
  | {
      kind: 'service';
      part: string;
      alias: string;
      build: ServiceBuild;
      workdir: string;
      port: number;
      command: string[];
      env: Record<string, string>;
      health: string;
      startupTimeoutMs: number;
      files: { target: string; content: string }[];
      supervised: boolean;
    }
  | {
      kind: 'gateway';
      part: string;
      alias: string;
      image: string;
      port: number;
      statsPort: number;
      config: { target: string; content: string };
      timeoutBody: { target: string; content: string } | undefined;
      check: { intervalMs: number; fall: number; rise: number } | undefined;
    };

/** A link's HTTP fault proxy: an HAProxy container between the link's Toxiproxy proxy and the part. */
export interface HttpFaultPlan {
  link: string;
  /** The part whose links start here: the container starts just before that part's proxies. */
  from: string;
  alias: string;
  image: string;
  port: number;
  /** HAProxy's runtime API on TCP (published on 127.0.0.1): the faults set the rules' map there. */
  adminPort: number;
  /** The map's path inside the container, as `set map` names it. */
  mapFile: string;
  files: { target: string; content: string }[];
}

export interface StackPlan {
  runId: string;
  images: ImageSetName;
  network: string;
  toxiproxy: { image: string; alias: string; apiPort: number; proxyPorts: number[] };
  proxies: ProxyPlan[];
  httpFaults: HttpFaultPlan[];
  /** In start order: a part after the parts it depends on. */
  containers: ContainerPlan[];
}

/** Credentials are made per run (as the local backend does); given here so the plan is repeatable in tests. */
export interface PlanSecrets {
  dbPassword(part: string): string;
}

export interface PlanOptions {
  /** Default `local`. */
  images?: ImageSetName;
}

const alias = (part: string) => part.toLowerCase().replace(/[^a-z0-9-]/g, '-');

export function stackPlan(
  parts: readonly ResolvedPart[],
  links: readonly ResolvedLink[],
  runId: string,
  secrets: PlanSecrets,
  opts: PlanOptions = {},
): StackPlan {
  const images = IMAGE_SETS[opts.images ?? 'local'];
  const httpFaults: HttpFaultPlan[] = [];
  const proxies: ProxyPlan[] = links.map((l, i) => {
    const to = parts.find((p) => p.name === l.to);
    const port = to ? PORTS[to.kind] : 0;
    let upstream = `${alias(l.to)}:${port}`;
    if (l.http.length > 0) {
      // Toxiproxy → the link's HTTP fault proxy → the part, as locally.
      const dir = '/usr/local/etc/haproxy';
      const hp = { alias: `http-${alias(l.from)}-${alias(l.to)}`, mapFile: `${dir}/rules.map` };
      const config = httpFaultConfig({
        bind: '0.0.0.0',
        port: PORTS.httpFaults,
        upstream,
        rules: l.http,
        mapFile: hp.mapFile,
        luaFile: `${dir}/faults.lua`,
        adminSocket: `ipv4@0.0.0.0:${GATEWAY_STATS_PORT}`,
        emptyErrorFile: `${dir}/empty.http`,
      });
      httpFaults.push({
        link: l.name,
        from: l.from,
        ...hp,
        image: images.haproxy,
        port: PORTS.httpFaults,
        adminPort: GATEWAY_STATS_PORT,
        files: [
          { target: `${dir}/haproxy.cfg`, content: config },
          { target: hp.mapFile, content: httpFaultMap(l.http) },
          { target: `${dir}/faults.lua`, content: HTTP_FAULT_LUA },
          { target: `${dir}/empty.http`, content: '' },
        ],
      });
      upstream = `${hp.alias}:${PORTS.httpFaults}`;
    }
    return { link: l.name, name: `${runId}-${l.from}-${l.to}`, listenPort: FIRST_PROXY_PORT + i, upstream };
  });
  const proxyOf = (from: string, to: string) => proxies.find((p) => p.link === links.find((l) => l.from === from && l.to === to)?.name);
  const containers: ContainerPlan[] = parts.map((part): ContainerPlan => {
    switch (part.kind) {
      case 'mariadb':
        return {
          kind: 'mariadb',
          part: part.name,
          alias: alias(part.name),
          image: images.mariadb,
          port: PORTS.mariadb,
          database: part.database,
          user: 'brownout',
          command: mariadbServerFlags(part),
          // The image runs /docker-entrypoint-initdb.d/*.sql in name order on first start.
          initScripts: [
            ...(part.schemaPath ? [{ target: '/docker-entrypoint-initdb.d/01-schema.sql', content: readFileSync(part.schemaPath, 'utf8') }] : []),
            ...(part.seedPath ? [{ target: '/docker-entrypoint-initdb.d/02-seed.sql', content: readFileSync(part.seedPath, 'utf8') }] : []),
          ],
        };
      case 'redis':
        // No persistence, as the local backend: a restart starts empty. Reached over the network
        // with no password, which protected mode (Debian's default) would refuse.
        return {
          kind: 'redis',
          part: part.name,
          alias: alias(part.name),
          image: images.redis,
          port: PORTS.redis,
          command: ['redis-server', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
        };
      case 'service': {
        const build = serviceBuild(images);
        const env: Record<string, string> = { HOST: '0.0.0.0', PORT: String(PORTS.service) };
        for (const l of links.filter((x) => x.from === part.name)) {
          const dep = parts.find((p) => p.name === l.to);
          const proxy = proxyOf(l.from, l.to);
          if (!dep || !proxy) continue;
          // Every dependency through its proxy on the Toxiproxy container, named as the local backend names it.
          const p = dep.name.toUpperCase();
          Object.assign(env, { [`${p}_HOST`]: 'toxiproxy', [`${p}_PORT`]: String(proxy.listenPort) });
          if (dep.kind === 'mariadb')
            Object.assign(env, { [`${p}_USER`]: 'brownout', [`${p}_PASSWORD`]: secrets.dbPassword(dep.name), [`${p}_DATABASE`]: dep.database });
          else if (dep.kind === 'redis') env[`${p}_URL`] = `redis://toxiproxy:${proxy.listenPort}`;
          else env[`${p}_URL`] = `http://toxiproxy:${proxy.listenPort}`;
        }
        // ${NAME} in the env and the command: the container's values, as locally the process's.
        for (const [k, v] of Object.entries(part.env)) env[k] = v;
        for (const [k, v] of Object.entries(part.env)) env[k] = expandVars(v, env);
        const argv = part.command.map((a) => expandVars(a, env));
        if (part.setup)
          throw new StackError(
            `${part.name}: a setup step is not run on --stack containers yet`,
            `stack.${part.name}.setup`,
            "run it with the local stack (the default), or do the setup in the service's image",
          );
        // The image holds the build context (the repository) at /app: the part's folder is found there.
        const rel = path.relative(path.resolve(build.context), part.cwd).split(path.sep).join('/');
        if (rel.startsWith('..') || path.isAbsolute(rel))
          throw new StackError(
            `${part.name}: its folder ${part.cwd} is outside the image's build context ${path.resolve(build.context)}`,
            `stack.${part.name}.cwd`,
            'run brownout from the folder the service image is built from',
          );
        const workdir = rel ? `/app/${rel}` : '/app';
        // Under PM2 as locally: the same ecosystem (the command as a binary, restarted at once when
        // it dies), run by the pm2-runtime of the image's npm packages.
        const [program = '', ...args] = argv;
        const ecosystem = {
          target: '/app/ecosystem.json',
          content: JSON.stringify(
            {
              apps: [
                {
                  name: part.name,
                  script: program === 'node' ? '/usr/local/bin/node' : program,
                  args,
                  interpreter: 'none',
                  cwd: workdir,
                  autorestart: true,
                  restart_delay: 0,
                  min_uptime: 200,
                  max_restarts: 1000,
                },
              ],
            },
            null,
            2,
          ),
        };
        const pm2 = part.supervisor === 'pm2';
        // A bare service runs under the holder, so that its death is a process's death, as locally.
        const command = pm2 ? ['/app/node_modules/.bin/pm2-runtime', 'start', ecosystem.target] : ['node', HOLDER.target, ...argv];
        return {
          kind: 'service',
          part: part.name,
          alias: alias(part.name),
          build,
          workdir,
          port: PORTS.service,
          command,
          env,
          health: part.health,
          startupTimeoutMs: part.startupTimeoutMs,
          files: [pm2 ? ecosystem : HOLDER],
          supervised: pm2,
        };
      }
      case 'gateway': {
        const servers = part.to.map((to) => ({ name: to, host: 'toxiproxy', port: proxyOf(part.name, to)?.listenPort ?? 0 }));
        const timeoutBody =
          part.timeoutStatus === 504
            ? undefined
            : { target: '/usr/local/etc/haproxy/timeout.http', content: timeoutErrorPage(part.timeoutStatus, part.timeoutMs) };
        const content = haproxyConfig({
          port: PORTS.gateway,
          bind: '0.0.0.0',
          servers,
          timeoutMs: part.timeoutMs,
          ...(timeoutBody ? { timeoutErrorFile: timeoutBody.target } : {}),
          statsSocket: `ipv4@0.0.0.0:${GATEWAY_STATS_PORT}`,
          check: part.check,
          leader: part.leader,
        });
        return {
          kind: 'gateway',
          part: part.name,
          alias: alias(part.name),
          image: images.haproxy,
          port: PORTS.gateway,
          statsPort: GATEWAY_STATS_PORT,
          config: { target: '/usr/local/etc/haproxy/haproxy.cfg', content },
          timeoutBody,
          check: part.check,
        };
      }
    }
  });
  return {
    runId,
    images: opts.images ?? 'local',
    network: `brownout-${runId}`,
    toxiproxy: { image: images.toxiproxy, alias: 'toxiproxy', apiPort: TOXIPROXY_API_PORT, proxyPorts: proxies.map((p) => p.listenPort) },
    proxies,
    httpFaults,
    containers,
  };
}

/**
 * Process faults on a container: what `docker kill`, `pause` and `restart` stand in for. A kill
 * reaches what serves the part, as locally: a service's processes (the children of PID 1: the
 * holder's one child, or pm2-runtime's workers, which it restarts), else the container's main
 * process.
 */
export type ContainerAction =
  | { action: 'kill'; signal: string; of: 'main' }
  | { action: 'kill'; signal: string; of: 'workers'; exec: string[] }
  | { action: 'pause'; healWith: 'unpause' }
  | { action: 'restart' }
  | { action: 'restart'; of: 'holder-child'; signal: 'SIGHUP' };

/** Node code for `docker exec`: the signal to every child of PID 1, by /proc/<pid>/stat's parent field. */
export function killWorkersScript(signal: string): string {
  return [
    "const fs = require('fs');",
    "for (const d of fs.readdirSync('/proc')) {",
    '  if (!/^[0-9]+$/.test(d)) continue;',
    "  let stat; try { stat = fs.readFileSync('/proc/' + d + '/stat', 'utf8'); } catch { continue; }",
    `  if (Number(d) !== process.pid && stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === '1') process.kill(Number(d), ${JSON.stringify(signal)});`,
    '}',
  ].join('\n');
}

/** The faults that act on a part's processes, which a container stands in for. */
export type ProcessFault = Extract<ResolvedFault, { type: 'kill' | 'freeze' | 'restart' }>;

export function containerAction(fault: ProcessFault, container?: ContainerPlan): ContainerAction;
export function containerAction(fault: ResolvedFault, container?: ContainerPlan): ContainerAction | undefined;
export function containerAction(fault: ResolvedFault, container?: ContainerPlan): ContainerAction | undefined {
  switch (fault.type) {
    case 'kill':
      if (container?.kind === 'service') {
        // Sent from inside (docker exec) by the image's node: it has no ps/pkill. A process whose
        // parent is PID 1 serves the part (an exec'd process has parent 0, outside the namespace).
        return { action: 'kill', signal: fault.signal, of: 'workers', exec: ['node', '-e', killWorkersScript(fault.signal)] };
      }
      return { action: 'kill', signal: fault.signal, of: 'main' };
    case 'freeze':
      // The cgroup freezer: every process of the container stops, as SIGSTOP to the tree does locally.
      return { action: 'pause', healWith: 'unpause' };
    case 'restart':
      // A bare service restarts inside its container (the holder restarts its child on SIGHUP), so
      // its address stays and connections meanwhile are refused at once, as locally. docker restart
      // would take the address away for the gap, and connections to it would hang.
      if (container?.kind === 'service' && !container.supervised) return { action: 'restart', of: 'holder-child', signal: 'SIGHUP' };
      return { action: 'restart' };
    default:
      return undefined;
  }
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { StackError } from '../../core/errors.ts';
import { expandVars } from '../../core/expand.ts';
import { waitUntil } from '../../core/ports.ts';
import { holderPath } from '../../core/tools.ts';
import { alias, HOLDER_EXIT_MARKER, HOLDER_RESTART_MARKER, serviceBuild, type ServiceBuild } from '../containers/base.ts';
import { containerProbe, describeHealth, expandHealth, healthSchema, httpAnswer, resolveHealth, type Health, type HealthOption } from '../health.ts';
import { PM2_DAEMON_ENV, pm2Ecosystem, startService, type StartedLocalService } from '../service.ts';
import { parseBytes } from '../../core/bytes.ts';
import {
  type ComposeContext,
  type ComposeService,
  type ContainerControl,
  type ContainerFaults,
  type ContainerPlanBase,
  envPrefix,
  hostPortEnv,
  mainProcessFaults,
  type PartKind,
  type PartResolveContext,
} from './part.ts';

/** The service under test, or any helper process: a command that serves HTTP on $PORT. */
export interface ServicePart {
  kind: 'service';
  /**
   * argv; the first element is the program. Needed locally; on --stack containers the image's own
   * ENTRYPOINT and CMD run when it is absent.
   */
  command?: readonly string[];
  /** Extra environment. The harness also sets PORT and, per dependency, <NAME>_HOST/_PORT/_URL (services) or <NAME>_HOST/_PORT/_USER/_PASSWORD/_DATABASE (databases). */
  env?: Readonly<Record<string, string>>;
  /**
   * When it is ready: a path answering HTTP 200 ('/health', the default), 'tcp' (its port accepts a
   * connection: a server that is not HTTP), or { command: [...] } (exits 0; on containers run in its
   * container with `docker exec`).
   */
  health?: HealthOption;
  /** Parts this service connects to; each link goes through its own Toxiproxy proxy. */
  dependsOn?: readonly string[];
  /** How long start-up may take. Default '20s'. */
  startupTimeout?: string;
  /** A fixed port on 127.0.0.1 (for a service that cannot take $PORT). Default: a free one. */
  port?: number;
  /**
   * Run the command under a process manager that restarts it when it dies: 'pm2' (pm2-runtime, its
   * PM2_HOME inside the run's temp dir). Default: none, a bare process.
   */
  supervisor?: 'pm2';
  /**
   * With supervisor 'pm2': PM2's max_memory_restart, e.g. '150MB' — PM2 restarts the command once
   * it holds more (a stop, SIGINT, then a start: a service that drains on SIGINT loses no request).
   * brownout's PM2 checks every second (PM2_WORKER_INTERVAL=1000; PM2's own default is 30 s).
   */
  maxMemoryRestart?: string;
  /** The folder the command (and setup) runs in, relative to the scenario's folder. Default: the scenario's folder. */
  cwd?: string;
  /**
   * argv run once before the command, in the same folder and environment (its dependencies are up
   * by then): migrations, a bootstrap. Each line it prints is shown; a non-zero exit stops the run.
   */
  setup?: readonly string[];
  /** How long setup may take. Default '2m'. */
  setupTimeout?: string;
  /**
   * The service's own limit on each dependency, e.g. `{ db: '1s' }`, as it is configured: given to it
   * as <DEP>_TIMEOUT_MS (DB_TIMEOUT_MS=1000), and shown in the report's timeout ladder.
   */
  timeouts?: Readonly<Record<string, string>>;
  /**
   * On --stack containers, the image the service runs in, built here from its Dockerfile (`docker
   * build --network host`; paths from the scenario's folder). brownout passes NODE_IMAGE (its Node 20
   * image, built here: no registry needed) as a build arg: `ARG NODE_IMAGE` and `FROM ${NODE_IMAGE}`.
   */
  build?: ServiceBuildOptions;
  /** On --stack containers, an image already on the engine (`docker images`), instead of `build`. */
  image?: string;
  /** On --stack containers, the folder in the image the command and setup run in. Default: the image's WORKDIR. */
  workdir?: string;
  /**
   * Dependencies it reaches by a host name of its own rather than through the env brownout gives,
   * as a compose file's service does (`db:3306`): `{ db: 'db' }` (part → the name it dials). On
   * --stack containers that name resolves, in its container only, to the link's own Toxiproxy proxy
   * listening on the dependency's port, so its environment stays as written. No <NAME>_* variables
   * are given for them.
   */
  hostnames?: Readonly<Record<string, string>>;
  /** On --stack containers: replaces the image's CMD, its ENTRYPOINT kept (a compose file's `command`). Not with `command`. */
  args?: readonly string[];
  /** On --stack containers: in-memory filesystems, '/path' or '/path:size=64m' (a compose file's tmpfs). */
  tmpfs?: readonly string[];
  /** On --stack containers: files or folders of the project (from the scenario's folder) bound into the container. */
  mounts?: readonly { source: string; target: string; readOnly?: boolean }[];
}

/** A service image's build, as `docker build` takes it. */
export interface ServiceBuildOptions {
  /** The build context, from the scenario's folder. */
  context: string;
  /** The Dockerfile, from the scenario's folder. Default: <context>/Dockerfile. */
  dockerfile?: string;
  /** Build args (NODE_IMAGE is given unless set here). */
  args?: Readonly<Record<string, string>>;
  /** The stage to build, for a multi-stage Dockerfile. */
  target?: string;
}

export interface ResolvedService {
  kind: 'service';
  name: string;
  command?: readonly string[];
  env: Readonly<Record<string, string>>;
  health: Health;
  dependsOn: readonly string[];
  startupTimeoutMs: number;
  port?: number;
  supervisor?: 'pm2';
  /** PM2's max_memory_restart in bytes (with supervisor 'pm2'). */
  maxMemoryRestartBytes?: number;
  /** Absolute: the scenario's folder unless the scenario gives another. */
  cwd: string;
  setup?: { command: readonly string[]; timeoutMs: number };
  /** Per dependency, the service's own limit (ms); its env carries each as <DEP>_TIMEOUT_MS. */
  timeoutsMs: Readonly<Record<string, number>>;
  /** Its image on containers: paths absolute. */
  build?: { context: string; dockerfile: string; args: Readonly<Record<string, string>>; target?: string };
  image?: string;
  workdir?: string;
  /** Dependencies reached by a name of its own (part → host name); none when absent. */
  hostnames?: Readonly<Record<string, string>>;
  args?: readonly string[];
  tmpfs?: readonly string[];
  /** Sources absolute. */
  mounts?: readonly { source: string; target: string; readOnly: boolean }[];
}

export const service = (o: Omit<ServicePart, 'kind'>): ServicePart => ({ kind: 'service', ...o });

/** What container() and program() share with a service: its env, readiness, dependencies and start. */
type AnyProgram = Pick<ServicePart, 'env' | 'health' | 'dependsOn' | 'startupTimeout' | 'setup' | 'setupTimeout'>;

/**
 * Any dependency in a container (on --stack containers only): an image on the engine or built here,
 * on its `port` in its container, ready by `health` (default '/health'; 'tcp' for a server that is
 * not HTTP). Its `command` replaces the image's CMD. A part that depends on it is told <NAME>_HOST,
 * _PORT and _URL (its link's proxy); every link fault and the process faults act on it.
 */
export const container = (
  o: AnyProgram &
    ({ image: string; build?: never } | { build: ServiceBuildOptions; image?: never }) & { port: number; command?: readonly string[]; workdir?: string },
): ServicePart => ({ kind: 'service', ...o });

/**
 * Any program as a dependency, locally (the local backend only): its `command` (`${PORT}` is the free
 * port it gets, or give `port`), in the scenario's folder or `cwd`, ready by `health` (default
 * '/health'; 'tcp' for a server that is not HTTP, or { command }). As container(), reached through
 * its own proxy and told to its dependents as <NAME>_HOST, _PORT and _URL.
 */
export const program = (o: AnyProgram & { command: readonly string[]; port?: number; cwd?: string; supervisor?: 'pm2' }): ServicePart => ({
  kind: 'service',
  ...o,
});

export const SERVICE_DEFAULTS = { health: '/health', startupTimeoutMs: 20_000, setupTimeoutMs: 120_000 } as const;

const duration = z.string().min(1);
/** A host name a service dials (RFC 1123 letters, digits, '-', '.', and '_' as compose service names have). */
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62})$/;

/** Its container: the service's image, the command under the holder or pm2-runtime, the env a local start gets. */
export interface ServicePlan extends ContainerPlanBase {
  kind: 'service';
  /** The image it runs: built here (`build`), or the team's own, which must be on the engine. */
  run: { build: ServiceBuild } | { image: string };
  /** The folder the command runs in; undefined: the image's WORKDIR. */
  workdir: string | undefined;
  /** The command; undefined: the image's own ENTRYPOINT and CMD (under the holder). */
  command: string[] | undefined;
  env: Record<string, string>;
  health: Health;
  startupTimeoutMs: number;
  files: { target: string; content: string }[];
  supervised: boolean;
  /** Run once before the service, in a container of the same image, its dependencies up. */
  setup: { command: string[]; timeoutMs: number } | undefined;
  /** In place of the image's CMD (its ENTRYPOINT kept), when there is no command. */
  args?: string[];
  tmpfs: string[];
  mounts: { source: string; target: string; readOnly: boolean }[];
}

/** The port a service listens on in its container, unless it says its own (`port`). */
const PORT = 8080;
/** Where the holder (harness/setup/holder) is copied in every service's container: PID 1 of a bare one, the kill of any. */
export const HOLDER_PATH = '/.brownout-holder';

/** How long a bare service's restart may take to stop the old process. */
const RESTART_STOP_MS = 10_000;

/** One readiness probe of a service's container: its health path through the published port, or the probe in the container. */
async function probeContainer(c: ServicePlan, control: Pick<ContainerControl, 'urlOf' | 'exec'>): Promise<boolean> {
  if ('http' in c.health) return (await httpAnswer(`${control.urlOf(c.port)}${c.health.http}`)).ready;
  return (await control.exec(containerProbe(c.health, c.port, HOLDER_PATH))).exitCode === 0;
}

/**
 * A service's process faults in its container. A kill reaches what serves it, as locally: the
 * processes holding its listening socket on its port (a wrapper such as npx, npm start or sh -c is
 * passed over, as the local kill passes it), else those whose parent is PID 1 (the holder's one
 * child, or pm2-runtime's workers, which it restarts); sent from inside by the holder's `kill` (any
 * image: no ps, pkill or node needed; an exec'd process has parent 0, outside the namespace). A bare service restarts inside its container (the holder
 * restarts its child on SIGHUP), so its address stays and connections meanwhile are refused at
 * once, as locally; docker restart would take the address away for the gap, and connections to it
 * would hang. Freeze: the cgroup freezer.
 */
export function serviceFaults(c: ServicePlan, control: ContainerControl): ContainerFaults {
  const gone = (what: string) =>
    new StackError(`${c.part} ${what}`, `container ${control.id}\nlast log lines:\n${control.tail()}`, `read ${c.part}'s log in the report`);
  return {
    kill: async (signal) => {
      const r = await control.exec([HOLDER_PATH, 'kill', signal, String(c.port)]);
      if (r.exitCode !== 0)
        throw new StackError(
          `${c.part}: the kill of its workers failed (exit ${r.exitCode})`,
          `docker exec ${control.id} ${HOLDER_PATH} kill ${signal} ${c.port}: ${r.output.trim().slice(0, 300)}`,
          'this is a brownout bug: the holder is copied into every service container',
        );
    },
    freeze: mainProcessFaults(control).freeze,
    restart: async () => {
      if (c.supervised) return control.restart();
      const stopped = control.nextLine(HOLDER_RESTART_MARKER, RESTART_STOP_MS).catch(() => {
        throw gone(`did not stop for its restart within ${RESTART_STOP_MS / 1000} s`);
      });
      await control.signal('SIGHUP');
      await stopped;
      // Ready again when its health check says so, as after any start.
      const ready = await waitUntil(() => probeContainer(c, control), { timeoutMs: c.startupTimeoutMs, intervalMs: 50 });
      if (!ready) throw gone(`was not ready (${describeHealth(c.health)}) within ${c.startupTimeoutMs} ms of its restart`);
    },
  };
}

/** The service's image options, paths made absolute; both `build` and `image` is one problem. */
function resolveImage(p: ServicePart, ctx: PartResolveContext): Pick<ResolvedService, 'build' | 'image' | 'workdir'> {
  if (p.build && p.image)
    ctx.problem('image', 'both build and image are given', 'give one: build (a Dockerfile built here) or image (one already on the engine)');
  const out: Pick<ResolvedService, 'build' | 'image' | 'workdir'> = {};
  if (p.build) {
    const context = ctx.dir('build.context', p.build.context);
    const dockerfile = p.build.dockerfile
      ? ctx.file('build.dockerfile', p.build.dockerfile)
      : ctx.file('build.dockerfile', path.join(p.build.context, 'Dockerfile'));
    if (dockerfile) out.build = { context, dockerfile, args: p.build.args ?? {}, ...(p.build.target ? { target: p.build.target } : {}) };
  }
  if (p.image) out.image = p.image;
  if (p.workdir) out.workdir = p.workdir;
  return out;
}

/** What a service's container alone takes (args, tmpfs, mounts): mount sources must exist; args and command are one or the other. */
/** PM2's max_memory_restart: a size, and only under PM2. */
function resolveMaxMemoryRestart(p: ServicePart, ctx: PartResolveContext): Pick<ResolvedService, 'maxMemoryRestartBytes'> {
  if (p.maxMemoryRestart === undefined) return {};
  const bytes = parseBytes(p.maxMemoryRestart);
  if (bytes === undefined) {
    ctx.problem('maxMemoryRestart', `'${p.maxMemoryRestart}' is not a memory size`, "write e.g. '150MB' or '1GB'");
    return {};
  }
  if (p.supervisor !== 'pm2') {
    ctx.problem(
      'maxMemoryRestart',
      'maxMemoryRestart is a setting of PM2, and the service does not run under it',
      "add supervisor: 'pm2', or drop maxMemoryRestart",
    );
    return {};
  }
  return { maxMemoryRestartBytes: bytes };
}

function resolveContainerOnly(p: ServicePart, ctx: PartResolveContext): Pick<ResolvedService, 'args' | 'tmpfs' | 'mounts'> {
  if (p.args && p.command)
    ctx.problem('args', 'both command and args are given', "give command (the whole argv) or args (the image's ENTRYPOINT kept, its CMD replaced)");
  const mounts = (p.mounts ?? []).map((m, i) => {
    const abs = path.resolve(ctx.dir('mounts', '.'), m.source);
    if (!existsSync(abs))
      ctx.problem(`mounts[${i}].source`, `'${m.source}' does not exist (looked for ${abs})`, "correct the path: relative to the scenario's folder");
    return { source: abs, target: m.target, readOnly: m.readOnly ?? false };
  });
  return { ...(p.args ? { args: p.args } : {}), ...(p.tmpfs?.length ? { tmpfs: p.tmpfs } : {}), ...(mounts.length ? { mounts } : {}) };
}

/** What a service cannot run on a backend without: locally a command; on containers an image (and pm2 a command). */
function cannotRunOn(part: ResolvedService, backend: 'local' | 'containers'): { message: string; fix: string } | undefined {
  const named = Object.values(part.hostnames ?? {});
  if (backend === 'local' && named.length)
    return {
      message: `${part.name} reaches ${named.join(', ')} by name (hostnames, as a compose file's services do): names that resolve on --stack containers only`,
      fix: `run it with --stack containers, or drop stack.${part.name}.hostnames so that it reads where its dependencies are from <NAME>_HOST and <NAME>_PORT`,
    };
  const containerOnly = (['args', 'tmpfs', 'mounts'] as const).filter((k) => part[k] !== undefined);
  if (backend === 'local' && containerOnly.length)
    return {
      message: `${part.name} has ${containerOnly.join(', ')}: options of its container, on --stack containers only`,
      fix: `run it with --stack containers, or drop stack.${part.name}.${containerOnly[0]}`,
    };
  if (backend === 'local' && !part.command)
    return {
      message: `${part.name} has no command: locally a part of this kind is a process started from its command (an image, a container() part, runs on --stack containers only)`,
      fix: `give stack.${part.name}.command, or run it with --stack containers (where its image's own CMD runs)`,
    };
  if (backend === 'containers' && !part.build && !part.image)
    return {
      message: `${part.name} has no image to run in on --stack containers (a program() part runs locally only)`,
      fix: `give stack.${part.name}.build: { context: '.', dockerfile: 'Dockerfile' } (built here) or image: 'name:tag' (already on the engine); README, "Your own service on containers"`,
    };
  if (backend === 'containers' && part.supervisor === 'pm2' && !part.command)
    return { message: `${part.name}: supervisor 'pm2' needs a command`, fix: `give stack.${part.name}.command, which pm2-runtime runs` };
  return undefined;
}

/** How long a compose service may take to be ready: images are slower to start than a local process. */
const COMPOSE_STARTUP = '60s';

/**
 * A compose file's service as this kind's part: its image or build, environment, command (an
 * entrypoint replaces the image's; a command alone its CMD), healthcheck (else its port accepting a
 * connection), its dependencies reached by the names it dials, tmpfs and bind mounts.
 */
function serviceFromCompose(svc: ComposeService, ctx: ComposeContext): ServicePart {
  if (!svc.image && !svc.build) ctx.problem('image', 'it has neither image nor build', 'give the image it runs, or build: with its context');
  if (svc.port === undefined)
    ctx.problem(
      'expose',
      'brownout cannot tell which port it listens on in its container (no expose: or ports:)',
      `add expose: ['<port>'] to it, or give fromCompose(file, { ports: { ${svc.name}: <port> } })`,
    );
  const command = svc.entrypoint ? [...svc.entrypoint, ...(svc.command ?? [])] : undefined;
  const dependsOn = [...new Set(svc.dials.map((d) => d.part))];
  return {
    kind: 'service',
    ...(svc.build ? { build: svc.build } : { image: svc.image ?? '' }),
    env: svc.environment,
    ...(command ? { command } : svc.command ? { args: svc.command } : {}),
    ...(svc.workdir ? { workdir: svc.workdir } : {}),
    ...(svc.port ? { port: svc.port } : {}),
    health: svc.health ?? 'tcp',
    startupTimeout: COMPOSE_STARTUP,
    ...(dependsOn.length ? { dependsOn, hostnames: Object.fromEntries(svc.dials.map((d) => [d.part, d.host])) } : {}),
    ...(svc.tmpfs.length ? { tmpfs: svc.tmpfs } : {}),
    ...(svc.binds.length ? { mounts: svc.binds } : {}),
  };
}

export const serviceKind: PartKind<ServicePart, ResolvedService, StartedLocalService, ServicePlan> = {
  kind: 'service',
  schema: z.strictObject({
    kind: z.literal('service'),
    command: z.array(z.string().min(1)).min(1).optional(),
    env: z.record(z.string(), z.string()).optional(),
    health: healthSchema.optional(),
    dependsOn: z.array(z.string()).optional(),
    startupTimeout: duration.optional(),
    port: z.number().int().min(1).max(65535).optional(),
    supervisor: z.literal('pm2').optional(),
    maxMemoryRestart: z.string().optional(),
    cwd: z.string().min(1).optional(),
    setup: z.array(z.string().min(1)).min(1).optional(),
    setupTimeout: duration.optional(),
    timeouts: z.record(z.string(), duration).optional(),
    build: z
      .strictObject({
        context: z.string().min(1),
        dockerfile: z.string().min(1).optional(),
        args: z.record(z.string(), z.string()).optional(),
        target: z.string().min(1).optional(),
      })
      .optional(),
    image: z
      .string()
      .regex(/^[a-z0-9][A-Za-z0-9._/:@-]*$/, 'an image reference, e.g. my-team/api:1.4')
      .optional(),
    workdir: z.string().regex(/^\//, 'an absolute path in the image').optional(),
    hostnames: z.record(z.string(), z.string().regex(HOSTNAME, 'a host name: letters, digits, . _ and -')).optional(),
    args: z.array(z.string()).optional(),
    tmpfs: z.array(z.string().regex(/^\/[^\s:]*(?::[\w=,.-]+)?$/, "'/path' or '/path:size=64m'")).optional(),
    mounts: z
      .array(
        z.strictObject({ source: z.string().min(1), target: z.string().regex(/^\//, 'an absolute path in the container'), readOnly: z.boolean().optional() }),
      )
      .optional(),
  }),
  resolve: (p, ctx) => {
    const deps = p.dependsOn ?? [];
    for (const d of deps) {
      const kind = ctx.kindOf(d);
      if (!kind) ctx.problem('dependsOn', `'${d}' is not a part of the stack`, `use one of ${ctx.names.join(', ')}`);
      else if (d === ctx.name) ctx.problem('dependsOn', `'${ctx.name}' depends on itself`, 'remove it from its own dependsOn');
      else if (kind === 'gateway') ctx.problem('dependsOn', `'${d}' is a gateway; services cannot depend on one`, 'depend on the service behind it');
      else ctx.link(d);
    }
    // A per-dependency option (hostnames, timeouts) names one of dependsOn.
    const dependency = (key: string, d: string) => {
      if (!deps.includes(d))
        ctx.problem(`${key}.${d}`, `'${d}' is not one of ${ctx.name}'s dependencies`, `name one of dependsOn: ${deps.join(', ') || '(none)'}`);
    };
    for (const d of Object.keys(p.hostnames ?? {})) dependency('hostnames', d);
    const setupTimeoutMs = ctx.duration('setupTimeout', p.setupTimeout, SERVICE_DEFAULTS.setupTimeoutMs);
    const timeoutsMs: Record<string, number> = {};
    for (const [d, t] of Object.entries(p.timeouts ?? {})) {
      dependency('timeouts', d);
      const ms = ctx.duration(`timeouts.${d}`, t, 0);
      if (ms) timeoutsMs[d] = ms;
    }
    // The scenario's env wins: a service may read its limits under other names.
    const timeoutEnv = Object.fromEntries(Object.entries(timeoutsMs).map(([d, ms]) => [`${envPrefix(d)}_TIMEOUT_MS`, String(ms)]));
    return {
      kind: 'service',
      name: ctx.name,
      ...(p.command ? { command: p.command } : {}),
      env: { ...timeoutEnv, ...(p.env ?? {}) },
      timeoutsMs,
      health: resolveHealth(p.health, SERVICE_DEFAULTS.health),
      dependsOn: deps,
      startupTimeoutMs: ctx.duration('startupTimeout', p.startupTimeout, SERVICE_DEFAULTS.startupTimeoutMs) ?? SERVICE_DEFAULTS.startupTimeoutMs,
      cwd: ctx.dir('cwd', p.cwd),
      ...(p.port ? { port: p.port } : {}),
      ...(p.supervisor ? { supervisor: p.supervisor } : {}),
      ...resolveMaxMemoryRestart(p, ctx),
      ...(p.setup ? { setup: { command: p.setup, timeoutMs: setupTimeoutMs ?? SERVICE_DEFAULTS.setupTimeoutMs } } : {}),
      ...(p.hostnames ? { hostnames: p.hostnames } : {}),
      ...resolveContainerOnly(p, ctx),
      ...resolveImage(p, ctx),
    };
  },
  after: (part) => part.dependsOn,
  hostnames: (part) => part.hostnames ?? {},
  waits: (part) => ({ kind: 'service', name: part.name, dependsOn: part.dependsOn, timeoutsMs: part.timeoutsMs }),
  dependencyEnv: (part, reach) => ({ ...hostPortEnv(part.name, reach), [`${envPrefix(part.name)}_URL`]: `http://${reach.host}:${reach.port}` }),
  cannotRunOn,
  start: (part, ctx) =>
    startService(
      {
        name: part.name,
        command: part.command ?? [],
        env: { ...ctx.env, ...part.env },
        health: part.health,
        startupTimeoutMs: part.startupTimeoutMs,
        cwd: part.cwd,
        ...(part.setup ? { setup: part.setup } : {}),
        ...(part.port ? { port: part.port } : {}),
        ...(part.supervisor ? { supervisor: part.supervisor } : {}),
        ...(part.maxMemoryRestartBytes ? { maxMemoryRestartBytes: part.maxMemoryRestartBytes } : {}),
      },
      ctx.res,
    ),
  plan: (part, ctx) => {
    const port = part.port ?? PORT;
    // Every dependency through its proxy on the Toxiproxy container, named as the local backend names it.
    const env: Record<string, string> = { HOST: '0.0.0.0', PORT: String(port), ...ctx.env };
    // ${NAME} in the env and the command: the container's values, as locally the process's.
    for (const [k, v] of Object.entries(part.env)) env[k] = v;
    for (const [k, v] of Object.entries(part.env)) env[k] = expandVars(v, env);
    const argv = part.command?.map((a) => expandVars(a, env));
    // A run said so before anything started (backendProblem); a direct caller of the plan hears it here.
    const cannot = cannotRunOn(part, 'containers');
    if (cannot) throw new StackError(cannot.message, `stack.${part.name}`, cannot.fix);
    const run: ServicePlan['run'] = part.build ? { build: serviceBuild(part.build, ctx.images) } : { image: part.image ?? '' };
    const pm2 = part.supervisor === 'pm2';
    // Under PM2 as locally: the same ecosystem (the command as a binary, restarted at once when it
    // dies), run by the pm2-runtime of the image's npm packages in /app (node at /usr/local/bin).
    const ecosystem =
      pm2 && argv
        ? {
            target: '/app/ecosystem.json',
            content: pm2Ecosystem({
              name: part.name,
              command: argv,
              cwd: part.workdir ?? '/app',
              node: '/usr/local/bin/node',
              ...(part.maxMemoryRestartBytes ? { maxMemoryRestartBytes: part.maxMemoryRestartBytes } : {}),
            }),
          }
        : undefined;
    const command = ecosystem ? ['/app/node_modules/.bin/pm2-runtime', 'start', ecosystem.target] : argv;
    if (ecosystem) Object.assign(env, PM2_DAEMON_ENV);
    const needsNode = 'build' in run && /\$\{?NODE_IMAGE\b/.test(readFileSync(run.build.file, 'utf8'));
    return {
      kind: 'service',
      part: part.name,
      alias: alias(part.name),
      run,
      // An image built FROM brownout's Node image needs it on the engine first (make setup-containers).
      requires: needsNode ? [ctx.images.node] : [],
      workdir: part.workdir,
      port,
      command,
      env,
      health: expandHealth(part.health, (a) => expandVars(a, env)),
      startupTimeoutMs: part.startupTimeoutMs,
      files: ecosystem ? [ecosystem] : [],
      supervised: pm2,
      setup: part.setup ? { command: part.setup.command.map((a) => expandVars(a, env)), timeoutMs: part.setup.timeoutMs } : undefined,
      ...(part.args ? { args: part.args.map((a) => expandVars(a, env)) } : {}),
      tmpfs: [...(part.tmpfs ?? [])],
      mounts: [...(part.mounts ?? [])],
      ...(pm2 ? {} : { exitMarker: HOLDER_EXIT_MARKER }),
    };
  },
  startContainer: async (c, ctx) => {
    const { imageBuilt, imageCommand, oneOff, onRunNetwork, readyByExec, StartedOnly, Wait } = await import('../containers/container.ts');
    const image = 'build' in c.run ? c.run.build.tag : c.run.image;
    if ('build' in c.run) await imageBuilt(c.run.build);
    const holder = holderPath();
    if (!existsSync(holder))
      throw new StackError(
        `the service holder is not built (${holder})`,
        `stack.${c.part}`,
        "run 'npx brownout doctor' (or 'make setup'): it builds it with Go",
      );
    // Migrations, a bootstrap: once, in the same image and environment, its dependencies up.
    if (c.setup) await oneOff(image, { ...c.setup, env: c.env, workdir: c.workdir, part: c.part }, ctx);
    let container = onRunNetwork(image, c.alias, ctx)
      .withEnvironment(c.env)
      .withCopyFilesToContainer([{ source: holder, target: HOLDER_PATH, mode: 0o755 }])
      .withCopyContentToContainer(c.files)
      .withExposedPorts(c.port)
      .withWaitStrategy('http' in c.health ? Wait.forHttp(c.health.http, c.port).forStatusCode(200) : new StartedOnly())
      .withStartupTimeout(c.startupTimeoutMs);
    if (c.workdir) container = container.withWorkingDir(c.workdir);
    if (c.tmpfs.length) container = container.withTmpFs(Object.fromEntries(c.tmpfs.map((t) => [t.split(':')[0] ?? t, t.split(':')[1] ?? ''])));
    if (c.mounts.length) container = container.withBindMounts(c.mounts.map((m) => ({ source: m.source, target: m.target, mode: m.readOnly ? 'ro' : 'rw' })));
    // A bare service under the holder (PID 1), so that its death is a process's death, as locally:
    // its own command, or the image's ENTRYPOINT and CMD.
    if (c.supervised) container = container.withCommand(c.command ?? []);
    else container = container.withEntrypoint([HOLDER_PATH, 'run', '--']).withCommand(c.command ?? (await imageCommand(image, c.part, c.args)));
    const started = await container.start();
    // 'tcp' or a command: probed in the container (the holder dials the port; the command as given).
    if (!('http' in c.health))
      await readyByExec(started, {
        part: c.part,
        argv: containerProbe(c.health, c.port, HOLDER_PATH),
        failed:
          'tcp' in c.health
            ? `nothing accepted a connection on port ${c.port} in its container`
            : `\`${c.health.command.join(' ')}\` did not exit 0 in its container`,
        timeoutMs: c.startupTimeoutMs,
        fix:
          'tcp' in c.health
            ? `make the image listen on port ${c.port} (the part's port: option), or raise startupTimeout`
            : `make the health command exit 0 in the image once the part is ready, or raise startupTimeout`,
      });
    return started;
  },
  // Any image no other kind stands for, and every build: the image as it is, under the holder.
  compose: { from: serviceFromCompose },
  startedInContainer: async (c, _container, ctx) => {
    const faults = serviceFaults(c, ctx.control);
    return {
      part: {
        kind: 'service',
        name: c.part,
        // A getter: a restart may publish the port on another host port.
        get url() {
          return ctx.control.urlOf(c.port);
        },
        restart: faults.restart,
      },
      faults,
    };
  },
};

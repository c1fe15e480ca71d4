import path from 'node:path';
import { z } from 'zod';
import { StackError } from '../../core/errors.ts';
import { expandVars } from '../../core/expand.ts';
import { waitUntil } from '../../core/ports.ts';
import { alias, HOLDER, HOLDER_EXIT_MARKER, HOLDER_RESTART_MARKER, serviceBuild, type ServiceBuild } from '../containers/base.ts';
import { pm2Ecosystem, startService, type StartedService } from '../service.ts';
import { type ContainerControl, type ContainerFaults, type ContainerPlanBase, envPrefix, hostPortEnv, urlPath, type PartKind } from './part.ts';

/** The service under test, or any helper process: a command that serves HTTP on $PORT. */
export interface ServicePart {
  kind: 'service';
  /** argv; the first element is the program. */
  command: readonly string[];
  /** Extra environment. The harness also sets PORT and, per dependency, <NAME>_HOST/_PORT/_URL (services) or <NAME>_HOST/_PORT/_USER/_PASSWORD/_DATABASE (databases). */
  env?: Readonly<Record<string, string>>;
  /** Path answered with 200 once ready. Default '/health'. */
  health?: string;
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
}

export interface ResolvedService {
  kind: 'service';
  name: string;
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  health: string;
  dependsOn: readonly string[];
  startupTimeoutMs: number;
  port?: number;
  supervisor?: 'pm2';
  /** Absolute: the scenario's folder unless the scenario gives another. */
  cwd: string;
  setup?: { command: readonly string[]; timeoutMs: number };
  /** Per dependency, the service's own limit (ms); its env carries each as <DEP>_TIMEOUT_MS. */
  timeoutsMs: Readonly<Record<string, number>>;
}

export const service = (o: Omit<ServicePart, 'kind'>): ServicePart => ({ kind: 'service', ...o });

export const SERVICE_DEFAULTS = { health: '/health', startupTimeoutMs: 20_000, setupTimeoutMs: 120_000 } as const;

const duration = z.string().min(1);

/** Its container: the service's image, the command under the holder or pm2-runtime, the env a local start gets. */
export interface ServicePlan extends ContainerPlanBase {
  kind: 'service';
  build: ServiceBuild;
  workdir: string;
  command: string[];
  env: Record<string, string>;
  health: string;
  startupTimeoutMs: number;
  files: { target: string; content: string }[];
  supervised: boolean;
}

const PORT = 8080;

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

/** How long a bare service's restart may take to stop the old process. */
const RESTART_STOP_MS = 10_000;

/**
 * A service's process faults in its container. A kill reaches what serves it, as locally: the
 * processes whose parent is PID 1 (the holder's one child, or pm2-runtime's workers, which it
 * restarts), sent from inside by the image's node (it has no ps/pkill; an exec'd process has
 * parent 0, outside the namespace). A bare service restarts inside its container (the holder
 * restarts its child on SIGHUP), so its address stays and connections meanwhile are refused at
 * once, as locally; docker restart would take the address away for the gap, and connections to it
 * would hang. Freeze: the cgroup freezer.
 */
export function serviceFaults(c: ServicePlan, control: ContainerControl): ContainerFaults {
  const gone = (what: string) =>
    new StackError(`${c.part} ${what}`, `container ${control.id}\nlast log lines:\n${control.tail()}`, `read ${c.part}'s log in the report`);
  return {
    kill: async (signal) => {
      const r = await control.exec(['node', '-e', killWorkersScript(signal)]);
      if (r.exitCode !== 0)
        throw new StackError(
          `${c.part}: the kill of its workers failed (exit ${r.exitCode})`,
          `docker exec ${control.id}: ${r.output.trim().slice(0, 300)}`,
          'the service image needs node on its PATH (fixtures/Dockerfile has it)',
        );
    },
    freeze: async () => {
      await control.pause();
      return () => control.unpause();
    },
    restart: async () => {
      if (c.supervised) return control.restart();
      const stopped = control.nextLine(HOLDER_RESTART_MARKER, RESTART_STOP_MS).catch(() => {
        throw gone(`did not stop for its restart within ${RESTART_STOP_MS / 1000} s`);
      });
      await control.signal('SIGHUP');
      await stopped;
      // Ready again when its health check answers 200, as after any start.
      const ready = await waitUntil(async () => (await fetch(`${control.urlOf(c.port)}${c.health}`, { signal: AbortSignal.timeout(1000) })).status === 200, {
        timeoutMs: c.startupTimeoutMs,
        intervalMs: 50,
      });
      if (!ready) throw gone(`did not answer 200 on ${c.health} within ${c.startupTimeoutMs} ms of its restart`);
    },
  };
}

export const serviceKind: PartKind<ServicePart, ResolvedService, StartedService, ServicePlan> = {
  kind: 'service',
  schema: z.strictObject({
    kind: z.literal('service'),
    command: z.array(z.string().min(1)).min(1),
    env: z.record(z.string(), z.string()).optional(),
    health: urlPath.optional(),
    dependsOn: z.array(z.string()).optional(),
    startupTimeout: duration.optional(),
    port: z.number().int().min(1).max(65535).optional(),
    supervisor: z.literal('pm2').optional(),
    cwd: z.string().min(1).optional(),
    setup: z.array(z.string().min(1)).min(1).optional(),
    setupTimeout: duration.optional(),
    timeouts: z.record(z.string(), duration).optional(),
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
    const setupTimeoutMs = ctx.duration('setupTimeout', p.setupTimeout, SERVICE_DEFAULTS.setupTimeoutMs);
    const timeoutsMs: Record<string, number> = {};
    for (const [d, t] of Object.entries(p.timeouts ?? {})) {
      if (!deps.includes(d))
        ctx.problem(`timeouts.${d}`, `'${d}' is not one of ${ctx.name}'s dependencies`, `name one of dependsOn: ${deps.join(', ') || '(none)'}`);
      const ms = ctx.duration(`timeouts.${d}`, t, 0);
      if (ms) timeoutsMs[d] = ms;
    }
    // The scenario's env wins: a service may read its limits under other names.
    const timeoutEnv = Object.fromEntries(Object.entries(timeoutsMs).map(([d, ms]) => [`${envPrefix(d)}_TIMEOUT_MS`, String(ms)]));
    return {
      kind: 'service',
      name: ctx.name,
      command: p.command,
      env: { ...timeoutEnv, ...(p.env ?? {}) },
      timeoutsMs,
      health: p.health ?? SERVICE_DEFAULTS.health,
      dependsOn: deps,
      startupTimeoutMs: ctx.duration('startupTimeout', p.startupTimeout, SERVICE_DEFAULTS.startupTimeoutMs) ?? SERVICE_DEFAULTS.startupTimeoutMs,
      cwd: ctx.dir('cwd', p.cwd),
      ...(p.port ? { port: p.port } : {}),
      ...(p.supervisor ? { supervisor: p.supervisor } : {}),
      ...(p.setup ? { setup: { command: p.setup, timeoutMs: setupTimeoutMs ?? SERVICE_DEFAULTS.setupTimeoutMs } } : {}),
    };
  },
  after: (part) => part.dependsOn,
  waits: (part) => ({ kind: 'service', name: part.name, dependsOn: part.dependsOn, timeoutsMs: part.timeoutsMs }),
  dependencyEnv: (part, reach) => ({ ...hostPortEnv(part.name, reach), [`${envPrefix(part.name)}_URL`]: `http://${reach.host}:${reach.port}` }),
  start: (part, ctx) =>
    startService(
      {
        name: part.name,
        command: part.command,
        env: { ...ctx.env, ...part.env },
        health: part.health,
        startupTimeoutMs: part.startupTimeoutMs,
        cwd: part.cwd,
        ...(part.setup ? { setup: part.setup } : {}),
        ...(part.port ? { port: part.port } : {}),
        ...(part.supervisor ? { supervisor: part.supervisor } : {}),
      },
      ctx.res,
    ),
  plan: (part, ctx) => {
    const build = serviceBuild(ctx.images);
    // Every dependency through its proxy on the Toxiproxy container, named as the local backend names it.
    const env: Record<string, string> = { HOST: '0.0.0.0', PORT: String(PORT), ...ctx.env };
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
    const ecosystem = { target: '/app/ecosystem.json', content: pm2Ecosystem({ name: part.name, command: argv, cwd: workdir, node: '/usr/local/bin/node' }) };
    const pm2 = part.supervisor === 'pm2';
    // A bare service runs under the holder, so that its death is a process's death, as locally.
    const command = pm2 ? ['/app/node_modules/.bin/pm2-runtime', 'start', ecosystem.target] : ['node', HOLDER.target, ...argv];
    return {
      kind: 'service',
      part: part.name,
      alias: alias(part.name),
      build,
      requires: [build.buildArgs['NODE_IMAGE'] ?? ctx.images.node],
      workdir,
      port: PORT,
      command,
      env,
      health: part.health,
      startupTimeoutMs: part.startupTimeoutMs,
      files: [pm2 ? ecosystem : HOLDER],
      supervised: pm2,
      ...(pm2 ? {} : { exitMarker: HOLDER_EXIT_MARKER }),
    };
  },
  startContainer: async (c, ctx) => {
    const { imageBuilt, onRunNetwork, Wait } = await import('../containers/container.ts');
    await imageBuilt(c.build);
    return onRunNetwork(c.build.tag, c.alias, ctx)
      .withCommand(c.command)
      .withWorkingDir(c.workdir)
      .withEnvironment(c.env)
      .withCopyContentToContainer(c.files)
      .withExposedPorts(c.port)
      .withWaitStrategy(Wait.forHttp(c.health, c.port).forStatusCode(200))
      .withStartupTimeout(c.startupTimeoutMs)
      .start();
  },
  runningContainer: async (c, _container, ctx) => {
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

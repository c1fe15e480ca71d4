import { randomBytes } from 'node:crypto';
import { StackError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import type { ManagedProcess } from '../core/process.ts';
import { processTree, servingPid } from '../core/procfs.ts';
import type { ResolvedLink, ResolvedPart } from '../scenario/index.ts';
import { startGateway, type StartedGateway } from './haproxy.ts';
import { startHttpFaultProxy, type StartedHttpFaultProxy } from './http-faults.ts';
import { startMariaDb, type StartedMariaDb } from './mariadb.ts';
import type { RunResources } from './resources.ts';
import { startRedis, type StartedRedis } from './redis.ts';
import { startService, type StartedService } from './service.ts';
import { startToxiproxy, type ActiveProxy, type StartedToxiproxy } from './toxiproxy.ts';
import type { RunningStack } from './running.ts';
import { stackPlan, type ImageSetName } from './containers/plan.ts';
import type { StartedContainerStack } from './containers/start.ts';

export type { RunResources, StartedPart, Started } from './resources.ts';
export { trackIn } from './resources.ts';
export type { RunningStack, RunningPart, RunningMariaDb, RunningRedis, RunningService, RunningGateway } from './running.ts';
export { partDir } from './resources.ts';
export { startMariaDb, type StartedMariaDb, type MariaDbOptions } from './mariadb.ts';
export { startToxiproxy, type StartedToxiproxy, type ActiveProxy, type ActiveToxic, type ToxicSpec } from './toxiproxy.ts';
export { startService, type StartedService, type ServiceOptions } from './service.ts';
export { startGateway, haproxyConfig, parseShowStat, watchServerStates, type StartedGateway, type GatewayOptions, type ServerStateWatch } from './haproxy.ts';
export { startRedis, type StartedRedis } from './redis.ts';
export { httpRuleText, httpFaultConfig, type HttpRule, type HttpFaultProxy } from './http-faults.ts';
export {
  stackPlan,
  containerAction,
  killWorkersScript,
  IMAGE_SETS,
  LABELS,
  type ImageSetName,
  type StackPlan,
  type ContainerPlan,
  type ContainerAction,
} from './containers/plan.ts';
export { findContainerEngine, noEngineMessage } from './containers/engine.ts';
export type { StartedContainerStack, StartedContainerPart, ContainerStackOptions } from './containers/start.ts';

export type { RunResources as ContainerRunResources } from './containers/sweep.ts';

/** The containers backend's starter, loaded on first use (testcontainers is not needed locally). */
export async function startContainerStack(
  ...args: Parameters<typeof import('./containers/start.ts').startContainerStack>
): ReturnType<typeof import('./containers/start.ts').startContainerStack> {
  return (await import('./containers/start.ts')).startContainerStack(...args);
}

/** Removes what runs killed outright left in the engine (`all`: every brownout run's); see sweep.ts. */
export async function sweepContainerRuns(
  ...args: Parameters<typeof import('./containers/sweep.ts').sweepRuns>
): ReturnType<typeof import('./containers/sweep.ts').sweepRuns> {
  return (await import('./containers/sweep.ts')).sweepRuns(...args);
}

/** The containers and networks the engine holds with a brownout run label (one run's with its id). */
export async function listContainerRuns(
  ...args: Parameters<typeof import('./containers/sweep.ts').listRunResources>
): ReturnType<typeof import('./containers/sweep.ts').listRunResources> {
  return (await import('./containers/sweep.ts')).listRunResources(...args);
}

/**
 * The scenario's stack on containers, for the run: per-run passwords as the local backend makes
 * them, each container on the run's cleanup list, its output in the run's temp dir.
 */
export async function startStackInContainers(
  parts: readonly ResolvedPart[],
  links: readonly ResolvedLink[],
  res: RunResources,
  images: ImageSetName = 'local',
): Promise<StartedContainerStack> {
  const passwords = new Map<string, string>();
  const dbPassword = (part: string): string => {
    let p = passwords.get(part);
    if (p === undefined) {
      p = randomBytes(12).toString('hex');
      passwords.set(part, p);
      res.secrets?.add(p);
    }
    return p;
  };
  return startContainerStack(stackPlan(parts, links, res.runId, { dbPassword }, { images }), { dbPassword, cleanup: res.cleanup, logDir: res.dir });
}

export type StartedStackPart = StartedMariaDb | StartedService | StartedGateway | StartedRedis;

const log = debug('stack');

/** The local backend's stack: every part a process on loopback. */
export interface StartedStack extends RunningStack {
  readonly backend: 'local';
  readonly toxiproxy: StartedToxiproxy;
  readonly parts: ReadonlyMap<string, StartedStackPart>;
  /** Every process the stack started (Toxiproxy first). */
  processes(): ManagedProcess[];
}

const envName = (part: string) => part.toUpperCase();

/** What a service is told about a dependency it reaches through the proxy at `port`. */
function dependencyEnv(dep: StartedStackPart, port: number): Record<string, string> {
  const p = envName(dep.name);
  // Always 127.0.0.1: a MySQL client given 'localhost' uses the Unix socket and bypasses the proxy.
  const base = { [`${p}_HOST`]: '127.0.0.1', [`${p}_PORT`]: String(port) };
  if (dep.kind === 'mariadb') return { ...base, [`${p}_USER`]: dep.user, [`${p}_PASSWORD`]: dep.password, [`${p}_DATABASE`]: dep.database };
  if (dep.kind === 'redis') return { ...base, [`${p}_URL`]: `redis://127.0.0.1:${port}` };
  return { ...base, [`${p}_URL`]: `http://127.0.0.1:${port}` };
}

function portOf(p: StartedStackPart): number {
  return p.port;
}

/**
 * Starts Toxiproxy, then every part in dependency order; each link gets its proxy just before the
 * part that uses it. Everything is on the run's cleanup list as soon as it exists.
 */
export async function startStack(parts: readonly ResolvedPart[], links: readonly ResolvedLink[], res: RunResources): Promise<StartedStack> {
  const startupMs: Record<string, number> = {};
  let t = Date.now();
  const toxiproxy = await startToxiproxy(res);
  startupMs['toxiproxy'] = Date.now() - t;
  const started = new Map<string, StartedStackPart>();
  const proxies = new Map<string, ActiveProxy>();

  const httpFaults = new Map<string, StartedHttpFaultProxy>();

  const linkTo = async (link: ResolvedLink): Promise<ActiveProxy> => {
    const target = started.get(link.to);
    if (!target) throw new StackError(`link ${link.name}: ${link.to} is not started`, `link ${link.name}`, 'this is a bug in the start order');
    // A link with HTTP faults: Toxiproxy → the link's HTTP fault proxy → the part.
    let upstream = portOf(target);
    if (link.http.length > 0) {
      const hp = await startHttpFaultProxy(link, upstream, link.http, res);
      httpFaults.set(link.name, hp);
      upstream = hp.port;
    }
    const proxy = await toxiproxy.createProxy(`${res.runId}-${link.from}-${link.to}`, upstream);
    proxies.set(link.name, proxy);
    return proxy;
  };

  for (const part of parts) {
    t = Date.now();
    if (part.kind === 'mariadb') {
      started.set(
        part.name,
        await startMariaDb(
          {
            name: part.name,
            database: part.database,
            server: part,
            ...(part.schemaPath ? { schemaPath: part.schemaPath } : {}),
            ...(part.seedPath ? { seedPath: part.seedPath } : {}),
          },
          res,
        ),
      );
    } else if (part.kind === 'redis') {
      started.set(part.name, await startRedis({ name: part.name }, res));
    } else if (part.kind === 'service') {
      const env: Record<string, string> = {};
      for (const link of links.filter((l) => l.from === part.name)) {
        const proxy = await linkTo(link);
        const dep = started.get(link.to);
        if (dep) Object.assign(env, dependencyEnv(dep, proxy.listenPort));
      }
      started.set(
        part.name,
        await startService(
          {
            name: part.name,
            command: part.command,
            env: { ...env, ...part.env },
            health: part.health,
            startupTimeoutMs: part.startupTimeoutMs,
            cwd: part.cwd,
            ...(part.setup ? { setup: part.setup } : {}),
            ...(part.port ? { port: part.port } : {}),
            ...(part.supervisor ? { supervisor: part.supervisor } : {}),
          },
          res,
        ),
      );
    } else {
      // One proxy per server, so a fault can hit the link to one instance.
      const servers = [];
      for (const to of part.to) {
        const link = links.find((l) => l.from === part.name && l.to === to);
        if (!link) throw new StackError(`gateway ${part.name} has no link to ${to}`, `stack.${part.name}`, 'this is a bug in resolution');
        servers.push({ name: to, port: (await linkTo(link)).listenPort });
      }
      started.set(
        part.name,
        await startGateway(
          { name: part.name, servers, timeoutMs: part.timeoutMs, timeoutStatus: part.timeoutStatus, check: part.check, leader: part.leader },
          res,
        ),
      );
    }
    startupMs[part.name] = Date.now() - t;
  }

  const partProcess = (name: string): { proc: ManagedProcess; port: number } => {
    const p = started.get(name);
    if (!p) throw new StackError(`${name} is not a started part`, `part ${name}`, 'name a part of the stack');
    return { proc: p.process, port: p.port };
  };
  const processes = () => [toxiproxy.process, ...[...started.values()].map((p) => p.process), ...[...httpFaults.values()].map((h) => h.process)];

  return {
    backend: 'local',
    toxiproxy,
    startupMs,
    parts: started,
    links: proxies,
    httpFaults,
    urlOf: (name) => {
      const p = started.get(name);
      if (!p || p.kind === 'mariadb' || p.kind === 'redis') throw new StackError(`${name} is not an HTTP part`, `part ${name}`, 'target a service or gateway');
      return p.url;
    },
    processes,
    listToxics: () => toxiproxy.listToxics(),
    kill: async (name, signal) => {
      const { proc, port } = partProcess(name);
      if (proc.pid === undefined || proc.hasExited) return false;
      // Under a process manager the worker serving the port; a bare process is the part itself, whose exit is then expected.
      const target = servingPid(proc.pid, port) ?? proc.pid;
      if (target === proc.pid) proc.expectExit();
      log(`${name}: ${signal} → pid ${target}${target === proc.pid ? '' : ` (worker of ${proc.pid})`}`);
      process.kill(target, signal);
      return true;
    },
    freeze: async (name) => {
      const { proc } = partProcess(name);
      if (proc.pid === undefined || proc.hasExited) throw new StackError(`${name} is not running`, `part ${name}`, 'freeze a part that is up');
      // SIGSTOP to every process of the part's tree (a supervisor and its workers alike); SIGCONT at heal.
      const pids = processTree(proc.pid);
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      return async () => {
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            // gone meanwhile
          }
        }
      };
    },
    onUnexpectedExit: (except, callback) => {
      let told = false;
      for (const proc of processes()) {
        if (except.has(proc.spec.name)) continue;
        void proc.exited.then(() => {
          if (proc.isStopping || told) return;
          told = true;
          callback(
            new StackError(
              `${proc.spec.name} ${proc.exitDescription} during the run`,
              `${proc.commandLine()}\nlast log lines:\n${proc.tail()}`,
              `read ${proc.spec.name}'s log in the report; nothing in the scenario stops it`,
            ),
          );
        });
      }
    },
    versions: () => {
      const v: Record<string, string> = { toxiproxy: toxiproxy.version };
      for (const p of started.values()) {
        if (p.kind === 'mariadb') v['mariadb'] = p.version;
        if (p.kind === 'gateway') v['haproxy'] = p.version;
        if (p.kind === 'redis') v['redis'] = p.version;
      }
      return v;
    },
  };
}

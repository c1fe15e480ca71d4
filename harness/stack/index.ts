import { randomBytes } from 'node:crypto';
import { StackError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import type { ManagedProcess } from '../core/process.ts';
import { processTree, servingPid } from '../core/procfs.ts';
import { cgroupProblem, limitCpu, limitMemory, type Controller } from '../core/cgroup.ts';
import { fillDisk } from '../core/mount.ts';
import type { ResolvedLink } from './link.ts';
import { startHttpFaultProxy, type StartedHttpFaultProxy } from './http-faults.ts';
import { partKind, type ResolvedPart, type StartedLocalStackPart } from './parts/index.ts';
import { track, type RunResources } from './resources.ts';
import { linkTraffic, startToxiproxy, type StartedLinkProxy, type StartedToxiproxy } from './toxiproxy.ts';
import type { StartedStack } from './started.ts';
import { stackPlan, type ImageSetName } from './containers/plan.ts';
import type { StartedContainerStack } from './containers/start.ts';

export type { RunResources, StartedLocalPart, StartedRecord } from './resources.ts';
export type { ResolvedLink } from './link.ts';
export { trackIn } from './resources.ts';
export type { KillSignal, StartedStack, StartedPart, StartedMariaDb, StartedRedis, StartedMemcached, StartedService, StartedGateway } from './started.ts';
export { partDir } from './resources.ts';
export { HOLDER_PATH } from './parts/index.ts';
export { startMariaDb, type StartedLocalMariaDb, type MariaDbOptions } from './mariadb.ts';
export {
  startToxiproxy,
  AcceptCounter,
  type StartedToxiproxy,
  type StartedLinkProxy,
  type AppliedToxic,
  type ToxicSpec,
  type LinkTraffic,
} from './toxiproxy.ts';
export { startService, type StartedLocalService, type ServiceOptions } from './service.ts';
export {
  startGateway,
  haproxyConfig,
  parseShowStat,
  parseStatCounters,
  watchServerStates,
  type ProxyCounters,
  type StartedLocalGateway,
  type GatewayOptions,
  type ServerStateWatch,
} from './haproxy.ts';
export { startRedis, type StartedLocalRedis } from './redis.ts';
export { httpRuleText, httpFaultConfig, type HttpRule, type HttpFaultProxy } from './http-faults.ts';
export { stackPlan, IMAGE_SETS, LABELS, type ImageSetName, type StackPlan, type ContainerPlan } from './containers/plan.ts';
export { findContainerEngine, noEngineMessage } from './containers/engine.ts';
export { readCompose } from './compose.ts';
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

export type { StartedLocalStackPart } from './parts/index.ts';
export {
  PART_KINDS,
  PART_KIND_NAMES,
  partKind,
  envPrefix,
  gateway,
  mariadb,
  memcached,
  memcachedCommand,
  redis,
  service,
  type StackPart,
  type ResolvedPart,
  type PartKindName,
  type PartResolveContext,
  type GatewayPart,
  type HealthCheck,
  type MariaDbPart,
  type MemcachedPart,
  type RedisPart,
  type ServicePart,
} from './parts/index.ts';

const log = debug('stack');

/** The local backend's stack: every part a process on loopback. */
export interface StartedLocalStack extends StartedStack {
  readonly backend: 'local';
  readonly toxiproxy: StartedToxiproxy;
  readonly parts: ReadonlyMap<string, StartedLocalStackPart>;
  /** Every process the stack started (Toxiproxy first). */
  processes(): ManagedProcess[];
}

function portOf(p: StartedLocalStackPart): number {
  return p.port;
}

/** The first part that cannot run on `backend` (its kind says why): a problem of the scenario's stack.<part>. */
export function backendProblem(parts: readonly ResolvedPart[], backend: 'local' | 'containers'): { field: string; message: string; fix: string } | undefined {
  for (const part of parts) {
    const why = partKind(part.kind)?.cannotRunOn?.(part, backend);
    if (why) return { field: `stack.${part.name}`, ...why };
  }
  return undefined;
}

/**
 * Starts Toxiproxy, then every part in dependency order; each link gets its proxy just before the
 * part that uses it. Everything is on the run's cleanup list as soon as it exists.
 */
export async function startStack(parts: readonly ResolvedPart[], links: readonly ResolvedLink[], res: RunResources): Promise<StartedLocalStack> {
  // A part that runs on containers only says so before anything starts.
  const cannot = backendProblem(parts, 'local');
  if (cannot) throw new StackError(cannot.message, cannot.field, cannot.fix);
  const startupMs: Record<string, number> = {};
  let t = Date.now();
  const toxiproxy = await startToxiproxy(res);
  startupMs['toxiproxy'] = Date.now() - t;
  const started = new Map<string, StartedLocalStackPart>();
  const proxies = new Map<string, StartedLinkProxy>();

  const httpFaults = new Map<string, StartedHttpFaultProxy>();

  const linkTo = async (link: ResolvedLink): Promise<StartedLinkProxy> => {
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
    const kind = partKind(part.kind);
    if (!kind) throw new StackError(`no part kind '${part.kind}'`, `stack.${part.name}`, 'this is a bug: resolution admitted a kind that is not registered');
    // Each link gets its proxy just before the part that uses it; the part is told where its dependencies are.
    const env: Record<string, string> = {};
    const ports = new Map<string, number>();
    for (const link of links.filter((l) => l.from === part.name)) {
      const proxy = await linkTo(link);
      ports.set(link.to, proxy.listenPort);
      const dep = started.get(link.to);
      const depPart = parts.find((p) => p.name === link.to);
      const depKind = depPart && partKind(depPart.kind);
      // Always 127.0.0.1: a MySQL client given 'localhost' uses the Unix socket and bypasses the proxy.
      const account = dep && depKind?.account ? depKind.account(dep) : {};
      if (depPart) Object.assign(env, depKind?.dependencyEnv(depPart, { host: '127.0.0.1', port: proxy.listenPort, ...account }));
    }
    started.set(part.name, await kind.start(part, { res, env, proxyPort: (to) => ports.get(to) ?? 0 }));
    startupMs[part.name] = Date.now() - t;
  }

  return localStackHandle({ toxiproxy, startupMs, started, proxies, httpFaults, res });
}

/** What startStack hands back, once every part is up: the running stack's interface on local processes. */
function localStackHandle(stack: {
  toxiproxy: StartedToxiproxy;
  startupMs: Record<string, number>;
  started: ReadonlyMap<string, StartedLocalStackPart>;
  proxies: ReadonlyMap<string, StartedLinkProxy>;
  httpFaults: ReadonlyMap<string, StartedHttpFaultProxy>;
  res: RunResources;
}): StartedLocalStack {
  const { toxiproxy, startupMs, started, proxies, httpFaults, res } = stack;
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
      if (!p || !('url' in p)) throw new StackError(`${name} is not an HTTP part`, `part ${name}`, 'target a service or gateway');
      return p.url;
    },
    processes,
    // Every part is a child of the harness: its own tree has them all.
    processRoots: async () => [],
    partRoots: async () =>
      new Map([...started].flatMap(([name, p]) => (p.process.pid !== undefined && !p.process.hasExited ? [[name, p.process.pid] as const] : []))),
    listToxics: () => toxiproxy.listToxics(),
    linkTraffic: () => linkTraffic(proxies, toxiproxy.accepts),
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
    ...resourceLimits(partProcess, res),
    fillDisk: async (name) => {
      const dir = started.get(name)?.dataDisk;
      if (!dir) throw new StackError(`${name} has no data disk of its own`, `part ${name}`, 'this is a bug: a diskFull fault gives its part one at start');
      const filled = await fillDisk(dir);
      log(`${name}: ${dir} full (${filled.bytes} bytes written)`);
      return filled.heal;
    },
    onUnexpectedExit: (except, callback, onAttackedExit) => {
      let told = false;
      for (const proc of processes()) {
        if (except.has(proc.spec.name)) {
          void proc.exited.then(() => !proc.isStopping && onAttackedExit?.(proc.spec.name, proc.exitDescription));
          continue;
        }
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
        const kind = partKind(p.kind);
        if (kind?.versionName && kind.version) v[kind.versionName] = kind.version(p);
      }
      return v;
    },
  };
}
export { beyondLoopback } from './exposure.ts';

/** The resource faults on local parts (cpu, memory): a cgroup of the run each, the part's whole tree moved in. */
function resourceLimits(partProcess: (name: string) => { proc: ManagedProcess }, res: RunResources): Pick<StartedStack, 'limitCpu' | 'limitMemory'> {
  // A resource fault's cgroup: its part's whole tree (a supervisor and its workers) is moved in.
  const limitable = (name: string, controller: Controller): { pids: number[] } => {
    const { proc } = partProcess(name);
    if (proc.pid === undefined || proc.hasExited)
      throw new StackError(`${name} is not running`, `part ${name}`, `limit the ${controller} of a part that is up`);
    const problem = cgroupProblem(controller);
    if (problem)
      throw new StackError(
        `cannot limit ${name}'s ${controller}: ${problem}`,
        `part ${name}`,
        `run on a machine with cgroup v1's ${controller} controller, as root, or on --stack containers (the container's own limit)`,
      );
    return { pids: processTree(proc.pid) };
  };
  // Recorded before it is made: the ledger's sweep removes it should this process die; the run checks none is left.
  const record = (cgroup: string) => track(res, { cgroup });

  return {
    limitCpu: async (name, cores) => {
      const { pids } = limitable(name, 'cpu');
      const limit = await limitCpu(`${res.runId}-${name}`, pids, cores, record);
      log(`${name}: at most ${cores} cores (${limit.path})`);
      return () => limit.stop();
    },
    limitMemory: async (name, bytes) => {
      const { pids } = limitable(name, 'memory');
      const limit = await limitMemory(`${res.runId}-${name}`, pids, bytes, record).catch((e: unknown) => {
        throw new StackError(
          `cannot limit ${name}'s memory to ${(bytes / 1e6).toFixed(0)} MB: ${(e as Error).message}`,
          `part ${name}`,
          'set the limit above what the part holds when the fault starts, and let it grow into it',
        );
      });
      log(`${name}: at most ${bytes} bytes of memory (${limit.path})`);
      return () => limit.stop();
    },
  };
}

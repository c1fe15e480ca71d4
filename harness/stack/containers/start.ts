import { CFS_PERIOD_US, cfsQuotaUs } from '../../core/cgroup.ts';
import { FILLER } from '../../core/mount.ts';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { getContainerRuntimeClient, ImageName, type StartedTestContainer } from 'testcontainers';
import type { CleanupList } from '../../core/cleanup.ts';
import { StackError } from '../../core/errors.ts';
import { debug } from '../../core/log.ts';
import { linkCalls, setHttpRule, type HttpFaultProxy } from '../http-faults.ts';
import type { StartedPart, StartedStack } from '../started.ts';
import { AcceptCounter, createProxyAt, linkTraffic, listToxics, type StartedLinkProxy } from '../toxiproxy.ts';
import type { ContainerPlan, StackPlan } from './plan.ts';
import { partKind, type ContainerControl, type ContainerFaults } from '../parts/index.ts';
import { onRunNetwork, Wait } from './container.ts';
import { withoutRyuk } from './engine.ts';
import { runLabels, sweepRuns } from './sweep.ts';

const log = debug('stack:containers');

/** Lines of a container's output kept for the error when it stops unasked. */
const TAIL_LINES = 20;

export interface StartedContainerPart {
  readonly plan: ContainerPlan;
  readonly container: StartedTestContainer;
  /** Its kind's kill, freeze and restart on the container (parts/<kind>.ts). */
  readonly faults: ContainerFaults;
}

/** The containers backend's stack: every part a container on one network, every link through the Toxiproxy container. */
export interface StartedContainerStack extends StartedStack {
  readonly backend: 'containers';
  readonly plan: StackPlan;
  readonly containers: ReadonlyMap<string, StartedContainerPart>;
  /** Toxiproxy's API as seen from the host. */
  readonly toxiproxyUrl: string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ContainerStackOptions {
  /** The per-run password of a mariadb part's service account, and (as `<part>-root`) of its root. */
  dbPassword(part: string): string;
  /** The run's cleanup list: each container (and the network) is added the moment it exists. */
  cleanup?: CleanupList;
  /** Each container's output goes to <logDir>/<part>/<part>.log, kept in the report as local logs are. */
  logDir?: string;
}

interface Released {
  name: string;
  stop: () => Promise<void>;
}

/**
 * Each container's output as it comes: kept in <logDir>/<part>/<part>.log, its last lines for
 * errors, a part's exit marker (its server died in a container that stays) told to whoever listens,
 * and waits for a line (a restart's).
 */
class ContainerLogs {
  private readonly tails = new Map<string, string[]>();
  private readonly exits = new Map<string, (line: string) => void>();
  private readonly waits = new Set<{ part: string; marker: string; done: () => void }>();
  constructor(private readonly logDir: string | undefined) {}

  async follow(part: string, c: StartedTestContainer, o: { exitMarker?: string | undefined; onLine?: (line: string) => void } = {}): Promise<void> {
    const tail: string[] = [];
    this.tails.set(part, tail);
    const stream = await c.logs();
    let file: ReturnType<typeof createWriteStream> | undefined;
    if (this.logDir) {
      mkdirSync(path.join(this.logDir, part), { recursive: true });
      file = createWriteStream(path.join(this.logDir, part, `${part}.log`));
    }
    stream.on('data', (d: Buffer | string) => {
      file?.write(d);
      const lines = String(d)
        .split('\n')
        .filter((l) => l.trim());
      tail.push(...lines);
      tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
      for (const l of lines) {
        o.onLine?.(l);
        if (o.exitMarker && l.includes(o.exitMarker)) this.exits.get(part)?.(l.slice(l.indexOf(o.exitMarker) + o.exitMarker.length).trim());
        for (const w of this.waits) if (w.part === part && l.includes(w.marker)) w.done();
      }
    });
    stream.on('end', () => file?.end());
    stream.on('error', () => file?.end());
  }

  tail(part: string): string {
    return (this.tails.get(part) ?? []).join('\n');
  }

  /** Calls back with what follows the part's exit marker when its output shows it. */
  onExit(part: string, callback: (rest: string) => void): void {
    this.exits.set(part, callback);
  }

  nextLine(part: string, marker: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const w = {
        part,
        marker,
        done: () => {
          clearTimeout(timer);
          this.waits.delete(w);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waits.delete(w);
        reject(new Error(`no line with '${marker}' from ${part} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waits.add(w);
    });
  }
}

type Runtime = Awaited<ReturnType<typeof getContainerRuntimeClient>>;

/** The images the plan needs, built here (never pulled: a missing one would otherwise be asked of a registry). */
async function checkImages(runtime: Runtime, plan: StackPlan): Promise<void> {
  if (plan.images !== 'local') return;
  const wanted = [plan.toxiproxy.image, ...plan.containers.flatMap((c) => c.requires), ...plan.httpFaults.map((h) => h.image)];
  const missing: string[] = [];
  for (const image of new Set(wanted)) if (!(await runtime.image.exists(ImageName.fromString(image)))) missing.push(image);
  if (missing.length)
    throw new StackError(
      `the image${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not built on this engine`,
      `engine ${runtime.info.containerRuntime.host}`,
      "run 'make setup-containers' (it builds them here, no registry needed), or --images upstream where your engine reaches a registry",
    );
}

/** The engine's hands on one part's container, for its kind's faults. */
function controlOf(runtime: Runtime, part: string, container: StartedTestContainer, logs: ContainerLogs): ContainerControl {
  const docker = () => runtime.container.getById(container.getId());
  return {
    id: container.getId().slice(0, 12),
    signal: async (signal) => void (await docker().kill({ signal })),
    pause: async () => void (await docker().pause()),
    unpause: async () => void (await docker().unpause()),
    restart: () => container.restart(),
    exec: async (command) => {
      const r = await container.exec(command);
      return { exitCode: r.exitCode, output: r.output };
    },
    nextLine: (marker, timeoutMs) => logs.nextLine(part, marker, timeoutMs),
    tail: () => logs.tail(part),
    urlOf: (port) => `http://${container.getHost()}:${container.getMappedPort(port)}`,
  };
}

/** What the run started so far, released in reverse order (parts, then Toxiproxy, then the network) by stopAll or the run's cleanup list. */
class Releases {
  private readonly started: Released[] = [];
  /** True once any stop was asked (ours or the run's cleanup list): the exits that follow were asked for. */
  stopping = false;
  constructor(private readonly cleanup: CleanupList | undefined) {}

  add(name: string, stop: () => Promise<unknown>): void {
    let p: Promise<void> | undefined;
    const r = {
      name,
      stop: () => {
        if (!p) {
          this.stopping = true;
          p = stop().then(() => undefined);
        }
        return p;
      },
    };
    this.started.push(r);
    this.cleanup?.add(name, r.stop);
  }

  readonly stopAll = async (): Promise<void> => {
    for (const s of [...this.started].reverse()) {
      try {
        await s.stop();
      } catch (e) {
        log(`stop ${s.name}: ${(e as Error).message}`);
      }
    }
  };
}

/** What the start of each part adds to, and what it is given: the run's network, labels, logs and what is up so far. */
interface Starting {
  plan: StackPlan;
  runtime: Runtime;
  labels: Readonly<Record<string, string>>;
  network: string;
  releases: Releases;
  logs: ContainerLogs;
  accepts: AcceptCounter;
  opts: ContainerStackOptions;
  /** Every Toxiproxy's API (the run's and the parts' own), by alias. */
  servers: Map<string, string>;
  links: Map<string, StartedLinkProxy>;
  httpFaults: Map<string, HttpFaultProxy>;
  /** Containers that are not parts (a link's HTTP fault proxy, a part's own Toxiproxy): watched for an unasked exit all the same. */
  helpers: Map<string, StartedTestContainer>;
  containers: Map<string, StartedContainerPart>;
  parts: Map<string, StartedPart>;
  startupMs: Record<string, number>;
}

/** A Toxiproxy container (the run's, or a part's own for the links it dials by name); its log counts each proxy's accepted connections. */
async function startToxiproxy(s: Starting, alias: string, proxyPorts: readonly number[]) {
  const c = await onRunNetwork(s.plan.toxiproxy.image, alias, s)
    .withExposedPorts(s.plan.toxiproxy.apiPort, ...proxyPorts)
    .withWaitStrategy(Wait.forHttp('/version', s.plan.toxiproxy.apiPort))
    .start();
  s.releases.add(`${alias} container ${c.getId().slice(0, 12)}`, () => c.stop());
  await s.logs.follow(alias, c, { onLine: (l) => s.accepts.line(l) });
  const url = `http://${c.getHost()}:${c.getMappedPort(s.plan.toxiproxy.apiPort)}`;
  s.servers.set(alias, url);
  return { container: c, url };
}

/**
 * What a part uses exists before the part starts (services connect at once): the HTTP fault proxies
 * of its links, its own Toxiproxy (the names it dials resolve to it: returned as hosts), its links'
 * proxies.
 */
async function startPartLinks(s: Starting, part: string): Promise<{ host: string; ipAddress: string }[]> {
  for (const h of s.plan.httpFaults.filter((x) => x.from === part)) {
    const hc = await onRunNetwork(h.image, h.alias, s)
      .withCopyContentToContainer(h.files)
      .withExposedPorts(h.port, h.adminPort)
      .withWaitStrategy(Wait.forListeningPorts())
      .start();
    s.releases.add(`${h.alias} container ${hc.getId().slice(0, 12)}`, () => hc.stop());
    await s.logs.follow(h.alias, hc);
    s.helpers.set(h.alias, hc);
    const admin = { host: hc.getHost(), port: hc.getMappedPort(h.adminPort) };
    s.httpFaults.set(h.link, { link: h.link, set: (id, on) => setHttpRule(admin, h.mapFile, h.link, id, on), calls: () => linkCalls(admin) });
  }
  const hosts: { host: string; ipAddress: string }[] = [];
  for (const sc of s.plan.sidecars.filter((x) => x.part === part)) {
    const own = await startToxiproxy(s, sc.alias, sc.proxyPorts);
    s.helpers.set(sc.alias, own.container);
    const ipAddress = own.container.getIpAddress(s.network);
    hosts.push(...sc.hosts.map((host) => ({ host, ipAddress })));
  }
  for (const p of s.plan.proxies.filter((x) => x.link.startsWith(`${part}→`))) {
    const api = s.servers.get(p.server);
    if (!api)
      throw new StackError(
        `no Toxiproxy '${p.server}' for ${p.link}`,
        `part ${part}`,
        'this is a brownout bug: the plan names every Toxiproxy it puts a proxy on',
      );
    s.links.set(p.link, await createProxyAt(api, { name: p.name, listen: `0.0.0.0:${p.listenPort}`, upstream: p.upstream }));
  }
  return hosts;
}

/** One part: its links first, then its kind starts its container and makes the run's handle on it (parts/<kind>.ts). */
async function startPart(s: Starting, c: ContainerPlan): Promise<void> {
  const t = Date.now();
  const hosts = await startPartLinks(s, c.part);
  const kind = partKind(c.kind);
  if (!kind) throw new StackError(`no part kind '${c.kind}'`, `part ${c.part}`, 'this is a brownout bug: every plan comes from a registered kind');
  const container = await kind.startContainer(c, { network: s.network, labels: s.labels, hosts, dbPassword: s.opts.dbPassword });
  s.releases.add(`${c.part} container ${container.getId().slice(0, 12)}`, () => container.stop());
  await s.logs.follow(c.part, container, { exitMarker: c.exitMarker });
  const running = await kind.startedInContainer(c, container, { dbPassword: s.opts.dbPassword, control: controlOf(s.runtime, c.part, container, s.logs) });
  s.containers.set(c.part, { plan: c, container, faults: running.faults });
  const w = running.watch;
  // Released before its container: the poll would otherwise keep the process alive.
  if (w) s.releases.add(`${c.part} server-state watch`, async () => w.stop());
  s.parts.set(c.part, running.part);
  s.startupMs[c.part] = Date.now() - t;
  log(`${c.part} up (${c.kind}) in ${s.startupMs[c.part]} ms`);
}

/** Starts the plan's containers in order; on any failure everything already started is removed. */
export async function startContainerStack(plan: StackPlan, opts: ContainerStackOptions): Promise<StartedContainerStack> {
  withoutRyuk();
  // What runs killed outright left (their teardown never ran) goes first: it holds memory and names.
  await sweepRuns().catch((e: unknown) => log(`sweep: ${(e as Error).message}`));
  const releases = new Releases(opts.cleanup);
  try {
    const runtime = await getContainerRuntimeClient();
    await checkImages(runtime, plan);
    const labels = runLabels(plan.runId);
    // Named after the run (brownout-<run id>), so what a killed run left is recognisable in `docker network ls`.
    const created = await runtime.network.create({ Name: plan.network, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
    releases.add(`network ${plan.network}`, () => runtime.network.remove(created));
    const s: Starting = {
      plan,
      runtime,
      labels,
      network: plan.network,
      releases,
      logs: new ContainerLogs(opts.logDir),
      // The connections each link's proxy accepted, counted from Toxiproxy's log as it comes.
      accepts: new AcceptCounter(),
      opts,
      servers: new Map(),
      links: new Map(),
      httpFaults: new Map(),
      helpers: new Map(),
      containers: new Map(),
      parts: new Map(),
      startupMs: {},
    };
    const t = Date.now();
    const toxiproxy = await startToxiproxy(s, plan.toxiproxy.alias, plan.toxiproxy.proxyPorts);
    s.startupMs['toxiproxy'] = Date.now() - t;
    for (const c of plan.containers) await startPart(s, c);
    return stackHandle({ ...s, toxiproxy: toxiproxy.container, toxiproxyUrl: toxiproxy.url, stopAll: releases.stopAll, isStopping: () => releases.stopping });
  } catch (e) {
    await releases.stopAll();
    if (e instanceof StackError) throw e;
    throw new StackError(
      `the containers stack did not start: ${(e as Error).message}`,
      `network ${plan.network}`,
      'read the message above; `docker ps -a` shows what the engine holds',
      e,
    );
  }
}

/** What startContainerStack hands back, once every part is up: what the starts built, and how to stop it all. */
type HandleParts = Readonly<
  Pick<Starting, 'plan' | 'runtime' | 'logs' | 'accepts' | 'servers' | 'helpers' | 'containers' | 'parts' | 'links' | 'httpFaults' | 'startupMs'>
> & {
  toxiproxy: StartedTestContainer;
  toxiproxyUrl: string;
  stopAll: () => Promise<void>;
  /** True once any stop was asked: the exits that follow are not unexpected. */
  isStopping: () => boolean;
};

/** The run's handle on the started containers: the running stack's interface, on the engine. */
function stackHandle(h: HandleParts): StartedContainerStack {
  const { plan, runtime, toxiproxy, toxiproxyUrl, servers, helpers, containers, parts, links, httpFaults, startupMs, accepts, stopAll } = h;
  const partOf = (name: string): StartedContainerPart => {
    const p = containers.get(name);
    if (!p) throw new StackError(`${name} is not a started part`, `part ${name}`, 'name a part of the stack');
    return p;
  };
  const watched = [['toxiproxy', toxiproxy] as const, ...helpers, ...[...containers].map(([n, c]) => [n, c.container] as const)];
  return {
    backend: 'containers',
    plan,
    parts,
    containers,
    links,
    httpFaults,
    startupMs,
    toxiproxyUrl,
    linkTraffic: () => linkTraffic(links, accepts),
    urlOf: (name) => {
      const p = parts.get(name);
      if (!p || !('url' in p)) throw new StackError(`${name} is not an HTTP part`, `part ${name}`, 'target a service or gateway');
      return p.url;
    },
    versions: () => ({
      toxiproxy: plan.toxiproxy.image,
      ...Object.fromEntries(
        plan.containers.flatMap((c) => {
          const as = partKind(c.kind)?.versionName;
          return as && c.image ? [[as, c.image]] : [];
        }),
      ),
    }),
    listToxics: async () => (await Promise.all([...servers.values()].map((api) => listToxics(api)))).flat(),
    kill: async (name, signal) => {
      const { container, faults } = partOf(name);
      const state = await runtime.container.inspect(runtime.container.getById(container.getId()));
      if (!state.State.Running) return false;
      await faults.kill(signal);
      return true;
    },
    freeze: (name) => partOf(name).faults.freeze(),
    ...containerResources(partOf, runtime),
    partRoots: async () => {
      const roots = await Promise.all(
        [...containers].map(
          async ([name, c]) => [name, (await runtime.container.inspect(runtime.container.getById(c.container.getId()))).State.Pid ?? 0] as const,
        ),
      );
      return new Map(roots.filter(([, pid]) => pid > 0));
    },
    processRoots: async () => {
      const pids = await Promise.all(watched.map(async ([, c]) => (await runtime.container.inspect(runtime.container.getById(c.getId()))).State.Pid ?? 0));
      return pids.filter((pid) => pid > 0);
    },
    onUnexpectedExit: watchExits(h, watched),
    stop: stopAll,
    [Symbol.asyncDispose]: stopAll,
  };
}

/** The resource faults on containers: the container's own limits (docker update) and its data tmpfs (filled by exec). */
function containerResources(partOf: (name: string) => StartedContainerPart, runtime: Runtime): Pick<StartedStack, 'limitCpu' | 'limitMemory' | 'fillDisk'> {
  return {
    limitCpu: async (name, cores) => {
      // The container's CFS quota (docker update --cpu-period/--cpu-quota): every process in it, as locally its cgroup.
      const docker = runtime.container.getById(partOf(name).container.getId());
      await docker.update({ CpuPeriod: CFS_PERIOD_US, CpuQuota: cfsQuotaUs(cores) });
      // -1: no quota, as a container started without --cpus has.
      return async () => void (await docker.update({ CpuQuota: -1 }));
    },
    limitMemory: async (name, bytes) => {
      // The container's memory limit (docker update --memory/--memory-swap, equal: no swap to spill to).
      const docker = runtime.container.getById(partOf(name).container.getId());
      await docker.update({ Memory: bytes, MemorySwap: bytes });
      // Docker cannot unset a memory limit once set (Memory 0 leaves it, -1 is refused): the engine's
      // whole memory is in effect none.
      const all = runtime.info.containerRuntime.memory;
      return async () => void (await docker.update({ Memory: all, MemorySwap: all }));
    },
    fillDisk: async (name) => {
      const { container, plan: c } = partOf(name);
      const dir = c.dataDisk?.target;
      if (!dir) throw new StackError(`${name} has no data disk of its own`, `part ${name}`, 'this is a bug: a diskFull fault gives its part one at start');
      // Zeros until the tmpfs refuses one byte more: cat ends with "No space left on device".
      const file = `${dir}/${FILLER}`;
      const filled = await container.exec(['sh', '-c', 'cat /dev/zero > "$1"; df -k "$2" | tail -1', 'fill', file, dir]);
      if (!/No space left on device/.test(filled.output))
        throw new StackError(
          `could not fill ${name}'s ${dir}`,
          `container ${container.getId().slice(0, 12)}: ${filled.output.trim()}`,
          'read the output above',
        );
      log(`${name}: ${dir} full (${filled.output.trim().split('\n').pop() ?? ''})`);
      let healed: Promise<void> | undefined;
      return () =>
        (healed ??= (async () => {
          const r = await container.exec(['rm', '-f', file]);
          if (r.exitCode !== 0) throw new StackError(`could not empty ${name}'s ${dir}`, r.output.trim(), 'read the output above');
        })());
    },
  };
}

/**
 * Each container's end while the run goes on: an error for a part nobody attacks (and Toxiproxy's,
 * a helper's), told once; the end of a part the timeline attacks is told to onAttackedExit instead.
 */
function watchExits(h: HandleParts, watched: readonly (readonly [string, StartedTestContainer])[]): StartedStack['onUnexpectedExit'] {
  const { runtime, logs } = h;
  // Docker's wait answers when the container stops (not on pause).
  const onContainerExit = (container: StartedTestContainer, then: (status: string) => void) =>
    void runtime.container
      .getById(container.getId())
      .wait()
      .then((r: { StatusCode?: number }) => then(String(r.StatusCode ?? '?')))
      .catch((e: unknown) => log(`wait ${container.getId().slice(0, 12)}: ${(e as Error).message}`));
  return (except, callback, onAttackedExit) => {
    let told = false;
    const tell = (name: string, container: StartedTestContainer, message: string) => {
      if (h.isStopping() || told) return;
      told = true;
      callback(
        new StackError(
          message,
          `container ${container.getId().slice(0, 12)}\nlast log lines:\n${logs.tail(name)}`,
          `read ${name}'s log in the report; nothing in the scenario stops it`,
        ),
      );
    };
    // Toxiproxy too: without it every link is gone.
    for (const [name, container] of watched) {
      if (except.has(name)) {
        // The timeline's own target: its end is recorded, not an error (a bare service's, as its holder tells it).
        logs.onExit(name, (rest) => !h.isStopping() && onAttackedExit?.(name, rest.trim().replace(/^\((.*)\)$/, '$1')));
        onContainerExit(container, (status) => !h.isStopping() && onAttackedExit?.(name, `its container exited (status ${status})`));
        continue;
      }
      onContainerExit(container, (status) => tell(name, container, `${name}'s container exited (status ${status}) during the run`));
      // A bare service's death, as its holder tells it (its container stays up, as a machine would).
      logs.onExit(name, (rest) => tell(name, container, `${name} exited during the run ${rest}`));
    }
  };
}

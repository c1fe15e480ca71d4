import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { getContainerRuntimeClient, ImageName, type StartedTestContainer } from 'testcontainers';
import type { CleanupList } from '../../core/cleanup.ts';
import { StackError } from '../../core/errors.ts';
import { debug } from '../../core/log.ts';
import { linkCalls, setHttpRule, type HttpFaultProxy } from '../http-faults.ts';
import type { RunningPart, RunningStack } from '../running.ts';
import { AcceptCounter, createProxyAt, linkTraffic, listToxics, type ActiveProxy } from '../toxiproxy.ts';
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
export interface StartedContainerStack extends RunningStack {
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

/** Starts the plan's containers in order; on any failure everything already started is removed. */
export async function startContainerStack(plan: StackPlan, opts: ContainerStackOptions): Promise<StartedContainerStack> {
  withoutRyuk();
  // What runs killed outright left (their teardown never ran) goes first: it holds memory and names.
  await sweepRuns().catch((e: unknown) => log(`sweep: ${(e as Error).message}`));
  const started: Released[] = [];
  let stopping = false;
  const add = (name: string, stop: () => Promise<unknown>) => {
    let p: Promise<void> | undefined;
    // Any stop (ours or the run's cleanup list) means the exits that follow were asked for.
    const r = {
      name,
      stop: () => {
        if (!p) {
          stopping = true;
          p = stop().then(() => undefined);
        }
        return p;
      },
    };
    started.push(r);
    opts.cleanup?.add(name, r.stop);
  };
  const stopAll = async () => {
    // Reverse order: parts, then Toxiproxy, then the network.
    for (const s of [...started].reverse()) {
      try {
        await s.stop();
      } catch (e) {
        log(`stop ${s.name}: ${(e as Error).message}`);
      }
    }
  };
  const logs = new ContainerLogs(opts.logDir);
  const startupMs: Record<string, number> = {};
  // The connections each link's proxy accepted, counted from Toxiproxy's log as it comes.
  const accepts = new AcceptCounter();
  try {
    const runtime = await getContainerRuntimeClient();
    await checkImages(runtime, plan);
    const labels = runLabels(plan.runId);
    // Named after the run (brownout-<run id>), so what a killed run left is recognisable in `docker network ls`.
    const created = await runtime.network.create({ Name: plan.network, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
    add(`network ${plan.network}`, () => runtime.network.remove(created));
    const network = plan.network;
    let t = Date.now();
    // A Toxiproxy container: the run's, or a part's own (links it dials by name); its log counts each proxy's accepted connections.
    const startToxiproxy = async (alias: string, proxyPorts: readonly number[]) => {
      const c = await onRunNetwork(plan.toxiproxy.image, alias, { labels, network })
        .withExposedPorts(plan.toxiproxy.apiPort, ...proxyPorts)
        .withWaitStrategy(Wait.forHttp('/version', plan.toxiproxy.apiPort))
        .start();
      add(`${alias} container ${c.getId().slice(0, 12)}`, () => c.stop());
      await logs.follow(alias, c, { onLine: (l) => accepts.line(l) });
      return { container: c, url: `http://${c.getHost()}:${c.getMappedPort(plan.toxiproxy.apiPort)}` };
    };
    const { container: toxiproxy, url: toxiproxyUrl } = await startToxiproxy(plan.toxiproxy.alias, plan.toxiproxy.proxyPorts);
    startupMs['toxiproxy'] = Date.now() - t;
    // Each Toxiproxy's API, by its alias.
    const servers = new Map<string, string>([[plan.toxiproxy.alias, toxiproxyUrl]]);
    const links = new Map<string, ActiveProxy>();
    const httpFaults = new Map<string, HttpFaultProxy>();
    // Containers that are not parts (a link's HTTP fault proxy): watched for an unasked exit all the same.
    const helpers = new Map<string, StartedTestContainer>();
    const containers = new Map<string, StartedContainerPart>();
    const parts = new Map<string, RunningPart>();
    for (const c of plan.containers) {
      t = Date.now();
      // A part's proxies exist before the part that uses them starts (services connect at once),
      // and the HTTP fault proxies behind them before those.
      for (const h of plan.httpFaults.filter((x) => x.from === c.part)) {
        const hc = await onRunNetwork(h.image, h.alias, { labels, network })
          .withCopyContentToContainer(h.files)
          .withExposedPorts(h.port, h.adminPort)
          .withWaitStrategy(Wait.forListeningPorts())
          .start();
        add(`${h.alias} container ${hc.getId().slice(0, 12)}`, () => hc.stop());
        await logs.follow(h.alias, hc);
        helpers.set(h.alias, hc);
        const admin = { host: hc.getHost(), port: hc.getMappedPort(h.adminPort) };
        httpFaults.set(h.link, { link: h.link, set: (id, on) => setHttpRule(admin, h.mapFile, h.link, id, on), calls: () => linkCalls(admin) });
      }
      // The part's own Toxiproxy, for the links it dials by name: those names resolve to it in its container.
      const hosts: { host: string; ipAddress: string }[] = [];
      for (const sc of plan.sidecars.filter((x) => x.part === c.part)) {
        const own = await startToxiproxy(sc.alias, sc.proxyPorts);
        helpers.set(sc.alias, own.container);
        servers.set(sc.alias, own.url);
        const ipAddress = own.container.getIpAddress(network);
        hosts.push(...sc.hosts.map((host) => ({ host, ipAddress })));
      }
      for (const p of plan.proxies.filter((x) => x.link.startsWith(`${c.part}→`))) {
        const api = servers.get(p.server);
        if (!api)
          throw new StackError(
            `no Toxiproxy '${p.server}' for ${p.link}`,
            `part ${c.part}`,
            'this is a brownout bug: the plan names every Toxiproxy it puts a proxy on',
          );
        links.set(p.link, await createProxyAt(api, { name: p.name, listen: `0.0.0.0:${p.listenPort}`, upstream: p.upstream }));
      }
      // Each kind starts its container and makes the run's handle on it (parts/<kind>.ts).
      const kind = partKind(c.kind);
      if (!kind) throw new StackError(`no part kind '${c.kind}'`, `part ${c.part}`, 'this is a brownout bug: every plan comes from a registered kind');
      const container = await kind.startContainer(c, { network, labels, hosts, dbPassword: opts.dbPassword });
      add(`${c.part} container ${container.getId().slice(0, 12)}`, () => container.stop());
      await logs.follow(c.part, container, { exitMarker: c.exitMarker });
      const running = await kind.runningContainer(c, container, { dbPassword: opts.dbPassword, control: controlOf(runtime, c.part, container, logs) });
      containers.set(c.part, { plan: c, container, faults: running.faults });
      const w = running.watch;
      // Released before its container: the poll would otherwise keep the process alive.
      if (w) add(`${c.part} server-state watch`, async () => w.stop());
      parts.set(c.part, running.part);
      startupMs[c.part] = Date.now() - t;
      log(`${c.part} up (${c.kind}) in ${startupMs[c.part]} ms`);
    }
    return stackHandle({
      plan,
      runtime,
      logs,
      toxiproxy,
      toxiproxyUrl,
      servers,
      helpers,
      containers,
      parts,
      links,
      httpFaults,
      startupMs,
      accepts,
      stopAll,
      isStopping: () => stopping,
    });
  } catch (e) {
    await stopAll();
    if (e instanceof StackError) throw e;
    throw new StackError(
      `the containers stack did not start: ${(e as Error).message}`,
      `network ${plan.network}`,
      'read the message above; `docker ps -a` shows what the engine holds',
      e,
    );
  }
}

/** What startContainerStack hands back, once every part is up. */
interface HandleParts {
  plan: StackPlan;
  runtime: Runtime;
  logs: ContainerLogs;
  toxiproxy: StartedTestContainer;
  toxiproxyUrl: string;
  /** Every Toxiproxy's API (the run's and the parts' own), by alias. */
  servers: ReadonlyMap<string, string>;
  helpers: ReadonlyMap<string, StartedTestContainer>;
  containers: ReadonlyMap<string, StartedContainerPart>;
  parts: ReadonlyMap<string, RunningPart>;
  links: ReadonlyMap<string, ActiveProxy>;
  httpFaults: ReadonlyMap<string, HttpFaultProxy>;
  startupMs: Record<string, number>;
  accepts: AcceptCounter;
  stopAll: () => Promise<void>;
  /** True once any stop was asked: the exits that follow are not unexpected. */
  isStopping: () => boolean;
}

/** The run's handle on the started containers: the running stack's interface, on the engine. */
function stackHandle(h: HandleParts): StartedContainerStack {
  const { plan, runtime, logs, toxiproxy, toxiproxyUrl, servers, helpers, containers, parts, links, httpFaults, startupMs, accepts, stopAll } = h;
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
    processRoots: async () => {
      const pids = await Promise.all(watched.map(async ([, c]) => (await runtime.container.inspect(runtime.container.getById(c.getId()))).State.Pid ?? 0));
      return pids.filter((pid) => pid > 0);
    },
    onUnexpectedExit: (except, callback) => {
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
        if (except.has(name)) continue;
        // Docker's wait answers when the container stops (not on pause).
        void runtime.container
          .getById(container.getId())
          .wait()
          .then((r: { StatusCode?: number }) => tell(name, container, `${name}'s container exited (status ${r.StatusCode ?? '?'}) during the run`))
          .catch((e: unknown) => log(`wait ${name}: ${(e as Error).message}`));
        // A bare service's death, as its holder tells it (its container stays up, as a machine would).
        logs.onExit(name, (rest) => tell(name, container, `${name} exited during the run ${rest}`));
      }
    },
    stop: stopAll,
    [Symbol.asyncDispose]: stopAll,
  };
}

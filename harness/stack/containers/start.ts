import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { getContainerRuntimeClient, ImageName, type StartedTestContainer } from 'testcontainers';
import type { CleanupList } from '../../core/cleanup.ts';
import { StackError } from '../../core/errors.ts';
import { debug } from '../../core/log.ts';
import { waitUntil } from '../../core/ports.ts';
import { linkCalls, setHttpRule, type HttpFaultProxy } from '../http-faults.ts';
import type { RunningPart, RunningStack } from '../running.ts';
import { AcceptCounter, createProxyAt, linkTraffic, listToxics, type ActiveProxy } from '../toxiproxy.ts';
import { containerAction, HOLDER_EXIT_MARKER, HOLDER_RESTART_MARKER, type ContainerAction, type ContainerPlan, type StackPlan } from './plan.ts';
import { partKind } from '../parts/index.ts';
import { onRunNetwork, Wait } from './container.ts';
import { withoutRyuk } from './engine.ts';
import { runLabels, sweepRuns } from './sweep.ts';

const log = debug('stack:containers');

/** Lines of a container's output kept for the error when it stops unasked. */
const TAIL_LINES = 20;

export interface StartedContainerPart {
  readonly plan: ContainerPlan;
  readonly container: StartedTestContainer;
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
  const tails = new Map<string, string[]>();
  // A bare service's death, as its holder tells it (its container stays up, as a machine would).
  const serviceExits = new Map<string, (line: string) => void>();
  // A bare service's restart: the holder says when the old process is gone.
  const restarted = new Map<string, () => void>();
  const startupMs: Record<string, number> = {};
  // The connections each link's proxy accepted, counted from Toxiproxy's log as it comes.
  const accepts = new AcceptCounter();
  const followLogs = async (part: string, c: StartedTestContainer, onLine?: (line: string) => void) => {
    const tail: string[] = [];
    tails.set(part, tail);
    const stream = await c.logs();
    let file: ReturnType<typeof createWriteStream> | undefined;
    if (opts.logDir) {
      mkdirSync(path.join(opts.logDir, part), { recursive: true });
      file = createWriteStream(path.join(opts.logDir, part, `${part}.log`));
    }
    stream.on('data', (d: Buffer | string) => {
      file?.write(d);
      const lines = String(d)
        .split('\n')
        .filter((l) => l.trim());
      tail.push(...lines);
      if (onLine) for (const l of lines) onLine(l);
      const exit = lines.find((l) => l.includes(HOLDER_EXIT_MARKER));
      if (exit) serviceExits.get(part)?.(exit);
      if (lines.some((l) => l.includes(HOLDER_RESTART_MARKER))) restarted.get(part)?.();
      tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
    });
    stream.on('end', () => file?.end());
    stream.on('error', () => file?.end());
  };
  try {
    const runtime = await getContainerRuntimeClient();
    if (plan.images === 'local') {
      // Built here, never pulled: a missing one would otherwise be asked of a registry.
      const wanted = [
        plan.toxiproxy.image,
        ...plan.containers.map((c) => (c.kind === 'service' ? (c.build.buildArgs['NODE_IMAGE'] ?? '') : c.image)),
        ...plan.httpFaults.map((h) => h.image),
      ];
      const missing: string[] = [];
      for (const image of new Set(wanted)) if (!(await runtime.image.exists(ImageName.fromString(image)))) missing.push(image);
      if (missing.length)
        throw new StackError(
          `the image${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not built on this engine`,
          `engine ${runtime.info.containerRuntime.host}`,
          "run 'make setup-containers' (it builds them here, no registry needed), or --images upstream where your engine reaches a registry",
        );
    }
    const labels = runLabels(plan.runId);
    // Named after the run (brownout-<run id>), so what a killed run left is recognisable in `docker network ls`.
    const created = await runtime.network.create({ Name: plan.network, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
    add(`network ${plan.network}`, () => runtime.network.remove(created));
    const network = plan.network;
    let t = Date.now();
    const toxiproxy = await onRunNetwork(plan.toxiproxy.image, plan.toxiproxy.alias, { labels, network })
      .withExposedPorts(plan.toxiproxy.apiPort, ...plan.toxiproxy.proxyPorts)
      .withWaitStrategy(Wait.forHttp('/version', plan.toxiproxy.apiPort))
      .start();
    add(`toxiproxy container ${toxiproxy.getId().slice(0, 12)}`, () => toxiproxy.stop());
    await followLogs('toxiproxy', toxiproxy, (l) => accepts.line(l));
    startupMs['toxiproxy'] = Date.now() - t;
    const toxiproxyUrl = `http://${toxiproxy.getHost()}:${toxiproxy.getMappedPort(plan.toxiproxy.apiPort)}`;
    const links = new Map<string, ActiveProxy>();
    const httpFaults = new Map<string, HttpFaultProxy>();
    // Containers that are not parts (a link's HTTP fault proxy): watched for an unasked exit all the same.
    const helpers = new Map<string, StartedTestContainer>();
    const containers = new Map<string, StartedContainerPart>();
    const parts = new Map<string, RunningPart>();
    const partOf = (name: string): StartedContainerPart => {
      const p = containers.get(name);
      if (!p) throw new StackError(`${name} is not a started part`, `part ${name}`, 'name a part of the stack');
      return p;
    };
    /** kill / pause / restart the part's container; returns the heal (unpause for a pause). */
    const act = async (name: string, action: ContainerAction): Promise<() => Promise<void>> => {
      const { container } = partOf(name);
      const docker = runtime.container.getById(container.getId());
      switch (action.action) {
        case 'kill':
          if (action.of === 'workers') {
            const r = await container.exec(action.exec);
            if (r.exitCode !== 0)
              throw new StackError(
                `${name}: the kill of its workers failed (exit ${r.exitCode})`,
                `docker exec ${container.getId().slice(0, 12)}: ${r.output.trim().slice(0, 300)}`,
                'the service image needs node on its PATH (fixtures/Dockerfile has it)',
              );
          } else await docker.kill({ signal: action.signal });
          return async () => undefined;
        case 'pause':
          await docker.pause();
          return async () => void (await docker.unpause());
        case 'restart': {
          const c = partOf(name).plan;
          if ('of' in action && c.kind === 'service') {
            let timer: NodeJS.Timeout | undefined;
            const gone = new Promise<void>((resolve, reject) => {
              restarted.set(name, resolve);
              timer = setTimeout(
                () =>
                  reject(
                    new StackError(
                      `${name} did not stop for its restart within 10 s`,
                      `container ${container.getId().slice(0, 12)}\nlast log lines:\n${(tails.get(name) ?? []).join('\n')}`,
                      `read ${name}'s log in the report`,
                    ),
                  ),
                10_000,
              );
            });
            await docker.kill({ signal: action.signal });
            try {
              await gone;
            } finally {
              clearTimeout(timer);
              restarted.delete(name);
            }
            // Ready again when its health check answers 200, as after any start.
            const url = `http://${container.getHost()}:${container.getMappedPort(c.port)}${c.health}`;
            if (
              !(await waitUntil(async () => (await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200, {
                timeoutMs: c.startupTimeoutMs,
                intervalMs: 50,
              }))
            ) {
              throw new StackError(
                `${name} did not answer 200 on ${c.health} within ${c.startupTimeoutMs} ms of its restart`,
                `container ${container.getId().slice(0, 12)}\nlast log lines:\n${(tails.get(name) ?? []).join('\n')}`,
                `read ${name}'s log in the report`,
              );
            }
            return async () => undefined;
          }
          // testcontainers re-reads the mapped ports and waits for the part's readiness check again.
          await container.restart();
          return async () => undefined;
        }
      }
    };
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
        await followLogs(h.alias, hc);
        helpers.set(h.alias, hc);
        const admin = { host: hc.getHost(), port: hc.getMappedPort(h.adminPort) };
        httpFaults.set(h.link, { link: h.link, set: (id, on) => setHttpRule(admin, h.mapFile, h.link, id, on), calls: () => linkCalls(admin) });
      }
      for (const p of plan.proxies.filter((x) => x.link.startsWith(`${c.part}→`))) {
        links.set(p.link, await createProxyAt(toxiproxyUrl, { name: p.name, listen: `0.0.0.0:${p.listenPort}`, upstream: p.upstream }));
      }
      // Each kind starts its container and makes the run's handle on it (parts/<kind>.ts).
      const kind = partKind(c.kind);
      if (!kind) throw new StackError(`no part kind '${c.kind}'`, `part ${c.part}`, 'this is a brownout bug: every plan comes from a registered kind');
      const container = await kind.startContainer(c, { network, labels, dbPassword: opts.dbPassword });
      add(`${c.part} container ${container.getId().slice(0, 12)}`, () => container.stop());
      await followLogs(c.part, container);
      containers.set(c.part, { plan: c, container });
      const running = await kind.runningContainer(c, container, {
        dbPassword: opts.dbPassword,
        restart: () => act(c.part, containerAction({ type: 'restart', part: c.part }, c)).then(() => undefined),
      });
      const w = running.watch;
      // Released before its container: the poll would otherwise keep the process alive.
      if (w) add(`${c.part} server-state watch`, async () => w.stop());
      parts.set(c.part, running.part);
      startupMs[c.part] = Date.now() - t;
      log(`${c.part} up (${c.kind}) in ${startupMs[c.part]} ms`);
    }
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
        if (!p || (p.kind !== 'service' && p.kind !== 'gateway'))
          throw new StackError(`${name} is not an HTTP part`, `part ${name}`, 'target a service or gateway');
        return p.url;
      },
      versions: () => ({
        toxiproxy: plan.toxiproxy.image,
        ...Object.fromEntries(plan.containers.flatMap((c) => (c.kind === 'service' ? [] : [[c.kind === 'gateway' ? 'haproxy' : c.kind, c.image]]))),
      }),
      listToxics: () => listToxics(toxiproxyUrl),
      kill: async (name, signal) => {
        const { plan: c, container } = partOf(name);
        const state = await runtime.container.inspect(runtime.container.getById(container.getId()));
        if (!state.State.Running) return false;
        await act(name, containerAction({ type: 'kill', part: name, signal }, c));
        return true;
      },
      freeze: (name) => act(name, containerAction({ type: 'freeze', part: name })),
      processRoots: async () => {
        const all = [toxiproxy, ...helpers.values(), ...[...containers.values()].map((c) => c.container)];
        const pids = await Promise.all(all.map(async (c) => (await runtime.container.inspect(runtime.container.getById(c.getId()))).State.Pid ?? 0));
        return pids.filter((pid) => pid > 0);
      },
      onUnexpectedExit: (except, callback) => {
        let told = false;
        // Toxiproxy too: without it every link is gone.
        for (const [name, container] of [['toxiproxy', toxiproxy] as const, ...helpers, ...[...containers].map(([n, c]) => [n, c.container] as const)]) {
          if (except.has(name)) continue;
          // Docker's wait answers when the container stops (not on pause).
          void runtime.container
            .getById(container.getId())
            .wait()
            .then((r: { StatusCode?: number }) => {
              if (stopping || told) return;
              told = true;
              callback(
                new StackError(
                  `${name}'s container exited (status ${r.StatusCode ?? '?'}) during the run`,
                  `container ${container.getId().slice(0, 12)}\nlast log lines:\n${(tails.get(name) ?? []).join('\n')}`,
                  `read ${name}'s log in the report; nothing in the scenario stops it`,
                ),
              );
            })
            .catch((e: unknown) => log(`wait ${name}: ${(e as Error).message}`));
          serviceExits.set(name, (line) => {
            if (stopping || told) return;
            told = true;
            callback(
              new StackError(
                `${name} exited during the run ${line.slice(line.indexOf(HOLDER_EXIT_MARKER) + HOLDER_EXIT_MARKER.length).trim()}`,
                `container ${container.getId().slice(0, 12)}\nlast log lines:\n${(tails.get(name) ?? []).join('\n')}`,
                `read ${name}'s log in the report; nothing in the scenario stops it`,
              ),
            );
          });
        }
      },
      stop: stopAll,
      [Symbol.asyncDispose]: stopAll,
    };
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

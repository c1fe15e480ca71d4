import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { MySqlContainer } from '@testcontainers/mysql';
import mysql from 'mysql2/promise';
import { GenericContainer, getContainerRuntimeClient, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import type { CleanupList } from '../../core/cleanup.ts';
import { StackError } from '../../core/errors.ts';
import { debug } from '../../core/log.ts';
import { waitUntil } from '../../core/ports.ts';
import { settleLimitMs, watchServerStates, type ServerStateWatch } from '../haproxy.ts';
import { flushRedis } from '../redis.ts';
import type { RunningPart, RunningStack } from '../running.ts';
import { createProxyAt, listToxics, type ActiveProxy } from '../toxiproxy.ts';
import { containerAction, type ContainerAction, type ContainerPlan, type StackPlan } from './plan.ts';

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
  const started: Released[] = [];
  let stopping = false;
  const add = (name: string, stop: () => Promise<unknown>) => {
    let p: Promise<void> | undefined;
    // Any stop (ours or the run's cleanup list) means the exits that follow were asked for.
    const r = { name, stop: () => (p ??= ((stopping = true), stop().then(() => undefined))) };
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
  const startupMs: Record<string, number> = {};
  const followLogs = async (part: string, c: StartedTestContainer) => {
    const tail: string[] = [];
    tails.set(part, tail);
    const stream = await c.logs();
    const file = opts.logDir ? (mkdirSync(path.join(opts.logDir, part), { recursive: true }), createWriteStream(path.join(opts.logDir, part, `${part}.log`))) : undefined;
    stream.on('data', (d: Buffer | string) => {
      file?.write(d);
      tail.push(...String(d).split('\n').filter((l) => l.trim()));
      tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
    });
    stream.on('end', () => file?.end());
    stream.on('error', () => file?.end());
  };
  try {
    // Named after the run (brownout-<run id>), so what a killed run left is recognisable in `docker network ls`.
    const network: StartedNetwork = await new Network({ nextUuid: () => plan.network }).start();
    add(`network ${plan.network}`, () => network.stop());
    let t = Date.now();
    const toxiproxy = await new GenericContainer(plan.toxiproxy.image)
      .withNetwork(network)
      .withNetworkAliases(plan.toxiproxy.alias)
      .withExposedPorts(plan.toxiproxy.apiPort, ...plan.toxiproxy.proxyPorts)
      .withWaitStrategy(Wait.forHttp('/version', plan.toxiproxy.apiPort))
      .start();
    add(`toxiproxy container ${toxiproxy.getId().slice(0, 12)}`, () => toxiproxy.stop());
    await followLogs('toxiproxy', toxiproxy);
    startupMs['toxiproxy'] = Date.now() - t;
    const toxiproxyUrl = `http://${toxiproxy.getHost()}:${toxiproxy.getMappedPort(plan.toxiproxy.apiPort)}`;
    const links = new Map<string, ActiveProxy>();
    const containers = new Map<string, StartedContainerPart>();
    const parts = new Map<string, RunningPart>();
    const runtime = await getContainerRuntimeClient();
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
            if (r.exitCode !== 0) throw new StackError(`${name}: the kill of its workers failed (exit ${r.exitCode})`, `docker exec ${container.getId().slice(0, 12)}: ${r.output.trim().slice(0, 300)}`, 'the service image needs node on its PATH (fixtures/Dockerfile has it)');
          } else await docker.kill({ signal: action.signal });
          return async () => undefined;
        case 'pause':
          await docker.pause();
          return async () => void (await docker.unpause());
        case 'restart':
          // testcontainers re-reads the mapped ports and waits for the part's readiness check again.
          await container.restart();
          return async () => undefined;
      }
    };
    for (const c of plan.containers) {
      t = Date.now();
      // A part's proxies exist before the part that uses them starts (services connect at once).
      for (const p of plan.proxies.filter((x) => x.link.startsWith(`${c.part}→`))) {
        links.set(p.link, await createProxyAt(toxiproxyUrl, { name: p.name, listen: `0.0.0.0:${p.listenPort}`, upstream: p.upstream }));
      }
      const container = await startPart(c, network, opts.dbPassword);
      add(`${c.part} container ${container.getId().slice(0, 12)}`, () => container.stop());
      await followLogs(c.part, container);
      containers.set(c.part, { plan: c, container });
      const part = await runningPart(c, container, opts.dbPassword, () => act(c.part, containerAction({ type: 'restart', part: c.part }, c)).then(() => undefined));
      if ('watch' in part) {
        const w = part.watch;
        // Released before its container: the poll would otherwise keep the process alive.
        add(`${c.part} server-state watch`, async () => w.stop());
      }
      parts.set(c.part, part.part);
      startupMs[c.part] = Date.now() - t;
      log(`${c.part} up (${c.kind}) in ${startupMs[c.part]} ms`);
    }
    return {
      backend: 'containers',
      plan,
      parts,
      containers,
      links,
      startupMs,
      toxiproxyUrl,
      urlOf: (name) => {
        const p = parts.get(name);
        if (!p || (p.kind !== 'service' && p.kind !== 'gateway')) throw new StackError(`${name} is not an HTTP part`, `part ${name}`, 'target a service or gateway');
        return p.url;
      },
      versions: () => ({ toxiproxy: plan.toxiproxy.image, ...Object.fromEntries(plan.containers.flatMap((c) => (c.kind === 'service' ? [] : [[c.kind === 'gateway' ? 'haproxy' : c.kind, c.image]]))) }),
      listToxics: () => listToxics(toxiproxyUrl),
      kill: async (name, signal) => {
        const { plan: c, container } = partOf(name);
        const state = await runtime.container.inspect(runtime.container.getById(container.getId()));
        if (!state.State.Running) return false;
        await act(name, containerAction({ type: 'kill', part: name, signal }, c));
        return true;
      },
      freeze: (name) => act(name, containerAction({ type: 'freeze', part: name })),
      onUnexpectedExit: (except, callback) => {
        let told = false;
        // Toxiproxy too: without it every link is gone.
        for (const [name, container] of [['toxiproxy', toxiproxy] as const, ...[...containers].map(([n, c]) => [n, c.container] as const)]) {
          if (except.has(name)) continue;
          // Docker's wait answers when the container stops (not on pause).
          void runtime.container
            .getById(container.getId())
            .wait()
            .then((r: { StatusCode?: number }) => {
              if (stopping || told) return;
              told = true;
              callback(new StackError(`${name}'s container exited (status ${r.StatusCode ?? '?'}) during the run`, `container ${container.getId().slice(0, 12)}\nlast log lines:\n${(tails.get(name) ?? []).join('\n')}`, `read ${name}'s log in the report; nothing in the scenario stops it`));
            })
            .catch((e: unknown) => log(`wait ${name}: ${(e as Error).message}`));
        }
      },
      stop: stopAll,
      [Symbol.asyncDispose]: stopAll,
    };
  } catch (e) {
    await stopAll();
    if (e instanceof StackError) throw e;
    throw new StackError(`the containers stack did not start: ${(e as Error).message}`, `network ${plan.network}`, 'read the message above; `docker ps -a` shows what the engine holds', e);
  }
}

/** What the run uses of a started container: the same part interface as the local backend's. */
async function runningPart(c: ContainerPlan, container: StartedTestContainer, dbPassword: (part: string) => string, restart: () => Promise<void>): Promise<{ part: RunningPart } | { part: RunningPart; watch: ServerStateWatch }> {
  const host = container.getHost();
  switch (c.kind) {
    case 'mariadb':
      return {
        part: {
          kind: 'mariadb',
          name: c.part,
          user: c.user,
          // Root from the host through the mapped port (MariaDB's image lets root in from any host).
          adminConnection: () => mysql.createConnection({ host, port: container.getMappedPort(c.port), user: 'root', password: dbPassword(`${c.part}-root`), database: c.database }),
        },
      };
    case 'redis':
      return { part: { kind: 'redis', name: c.part, flushAll: () => flushRedis(`redis://${host}:${container.getMappedPort(c.port)}`) } };
    case 'service':
      return {
        part: {
          kind: 'service',
          name: c.part,
          // A getter: a restart may publish the port on another host port.
          get url() {
            return `http://${host}:${container.getMappedPort(c.port)}`;
          },
          restart,
        },
      };
    case 'gateway': {
      const url = `http://${host}:${container.getMappedPort(c.port)}`;
      const part = { kind: 'gateway' as const, name: c.part, url, serverChanges: () => [] };
      if (!c.check) return { part };
      // As locally: load starts once HAProxy has checked every server.
      const watch = await watchServerStates({ host, port: container.getMappedPort(c.statsPort) });
      const limit = settleLimitMs(c.check);
      if (!(await waitUntil(async () => watch.settled(), { timeoutMs: limit, intervalMs: 50 }))) {
        watch.stop();
        throw new StackError(`${c.part}: server states did not settle within ${limit} ms (${watch.changes.map((x) => `${x.backend}/${x.server} ${x.status}`).join(', ') || 'none read'})`, `gateway container ${container.getId().slice(0, 12)}`, 'check that every server answers its health check path');
      }
      return { part: { ...part, serverChanges: () => [...watch.changes] }, watch };
    }
  }
}

function startPart(c: ContainerPlan, network: StartedNetwork, dbPassword: (part: string) => string): Promise<StartedTestContainer> {
  switch (c.kind) {
    case 'mariadb':
      // @testcontainers/mysql with MariaDB's image: it takes the MYSQL_* settings and prints the same ready line.
      return new MySqlContainer(c.image)
        .withDatabase(c.database)
        .withUsername(c.user)
        .withUserPassword(dbPassword(c.part))
        .withRootPassword(dbPassword(`${c.part}-root`))
        .withCopyContentToContainer(c.initScripts)
        .withNetwork(network)
        .withNetworkAliases(c.alias)
        .start();
    case 'redis':
      return new GenericContainer(c.image).withCommand(c.command).withExposedPorts(c.port).withNetwork(network).withNetworkAliases(c.alias).withWaitStrategy(Wait.forLogMessage('Ready to accept connections')).start();
    case 'service':
      return GenericContainer.fromDockerfile(c.build.context, c.build.file)
        .build(c.build.tag, { deleteOnExit: false })
        .then((image) =>
          image
            .withCommand(c.command)
            .withEnvironment(c.env)
            .withCopyContentToContainer(c.files)
            .withExposedPorts(c.port)
            .withNetwork(network)
            .withNetworkAliases(c.alias)
            .withWaitStrategy(Wait.forHttp(c.health, c.port).forStatusCode(200))
            .withStartupTimeout(c.startupTimeoutMs)
            .start(),
        );
    case 'gateway':
      return new GenericContainer(c.image)
        .withCopyContentToContainer([c.config, ...(c.timeoutBody ? [c.timeoutBody] : [])])
        .withExposedPorts(c.port, c.statsPort)
        .withNetwork(network)
        .withNetworkAliases(c.alias)
        .withWaitStrategy(Wait.forListeningPorts())
        .start();
  }
}

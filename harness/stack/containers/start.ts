import { MySqlContainer } from '@testcontainers/mysql';
import { GenericContainer, getContainerRuntimeClient, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { Toxiproxy } from 'toxiproxy-node-client';
import { StackError } from '../../core/errors.ts';
import { debug } from '../../core/log.ts';
import type { ContainerAction, ContainerPlan, StackPlan } from './plan.ts';

const log = debug('stack:containers');

export interface StartedContainerPart {
  readonly plan: ContainerPlan;
  readonly container: StartedTestContainer;
  /** Where the harness (on the host) reaches the part: the engine's mapped port. */
  readonly host: string;
  readonly port: number;
}

export interface StartedContainerStack {
  readonly plan: StackPlan;
  readonly parts: ReadonlyMap<string, StartedContainerPart>;
  /** Toxiproxy's API as seen from the host, for the same fault code as the local backend. */
  readonly toxiproxyUrl: string;
  urlOf(part: string): string;
  /** kill / pause / restart the part's container; returns the heal (unpause for a pause). */
  act(part: string, action: ContainerAction): Promise<() => Promise<void>>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the plan's containers in order; on any failure everything already started is removed. */
export async function startContainerStack(plan: StackPlan, dbPassword: (part: string) => string): Promise<StartedContainerStack> {
  const started: { name: string; stop: () => Promise<unknown> }[] = [];
  const stopAll = async () => {
    // Reverse order: parts, then Toxiproxy, then the network.
    for (const s of started.reverse()) {
      try {
        await s.stop();
      } catch (e) {
        log(`stop ${s.name}: ${(e as Error).message}`);
      }
    }
    started.length = 0;
  };
  try {
    const network: StartedNetwork = await new Network().start();
    started.push({ name: `network ${plan.network}`, stop: () => network.stop() });
    const toxiproxy = await new GenericContainer(plan.toxiproxy.image)
      .withNetwork(network)
      .withNetworkAliases(plan.toxiproxy.alias)
      .withExposedPorts(plan.toxiproxy.apiPort, ...plan.toxiproxy.proxyPorts)
      .withWaitStrategy(Wait.forHttp('/version', plan.toxiproxy.apiPort))
      .start();
    started.push({ name: 'toxiproxy', stop: () => toxiproxy.stop() });
    const toxiproxyUrl = `http://${toxiproxy.getHost()}:${toxiproxy.getMappedPort(plan.toxiproxy.apiPort)}`;
    const client = new Toxiproxy(toxiproxyUrl);
    const parts = new Map<string, StartedContainerPart>();
    for (const c of plan.containers) {
      // A part's proxies exist before the part that uses them starts (services connect at once).
      for (const p of plan.proxies.filter((x) => x.link.startsWith(`${c.part}→`))) {
        await client.createProxy({ name: p.name, listen: `0.0.0.0:${p.listenPort}`, upstream: p.upstream });
      }
      const container = await startPart(c, network, dbPassword);
      started.push({ name: c.part, stop: () => container.stop() });
      parts.set(c.part, { plan: c, container, host: container.getHost(), port: container.getMappedPort(c.port) });
      log(`${c.part} up (${c.kind})`);
    }
    const runtime = await getContainerRuntimeClient();
    return {
      plan,
      parts,
      toxiproxyUrl,
      urlOf: (name) => {
        const p = parts.get(name);
        if (!p || (p.plan.kind !== 'service' && p.plan.kind !== 'gateway')) throw new StackError(`${name} is not an HTTP part`, `part ${name}`, 'target a service or gateway');
        return `http://${p.host}:${p.port}`;
      },
      act: async (name, action) => {
        const p = parts.get(name);
        if (!p) throw new StackError(`${name} is not a started part`, `part ${name}`, 'name a part of the stack');
        const docker = runtime.container.getById(p.container.getId());
        switch (action.action) {
          case 'kill':
            await docker.kill({ signal: action.signal });
            return async () => undefined;
          case 'pause':
            await docker.pause();
            return async () => void (await docker.unpause());
          case 'restart':
            await runtime.container.restart(docker);
            return async () => undefined;
        }
      },
      stop: stopAll,
      [Symbol.asyncDispose]: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw new StackError(`the containers stack did not start: ${(e as Error).message}`, `network ${plan.network}`, 'read the message above; `docker ps -a` shows what the engine holds', e);
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
        .withExposedPorts(c.port)
        .withNetwork(network)
        .withNetworkAliases(c.alias)
        .withWaitStrategy(Wait.forListeningPorts())
        .start();
  }
}

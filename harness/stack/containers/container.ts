// What every containerised part is made with: a testcontainers GenericContainer that keeps its
// traffic on this machine, and the docker build of an image from a Dockerfile. Loaded only on
// --stack containers (the part kinds import it when they start a container): a local run never
// loads testcontainers.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, Wait, type WaitStrategy } from 'testcontainers';
import { waitUntil } from '../../core/ports.ts';
import { StackError } from '../../core/errors.ts';
import type { ServiceBuild } from './base.ts';

export { Wait };

const execFileP = promisify(execFile);

/**
 * A container whose traffic stays on this machine:
 * - every port published on 127.0.0.1 only (Docker's default is every interface): the harness and
 *   k6 are the only clients, and nothing of a run is reachable from another machine;
 * - names Docker's DNS does not know (a part whose container is gone) are not passed on to the
 *   host's resolvers (Docker's default: seen here going out to the host's name server) but to
 *   127.0.0.1 inside the container, where nothing answers.
 */
export class LoopbackContainer extends GenericContainer {
  protected override async beforeContainerCreated(): Promise<void> {
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}) as { HostIp?: string }[][]) {
      for (const b of bindings) b.HostIp = '127.0.0.1';
    }
    this.hostConfig.Dns = ['127.0.0.1'];
  }
}

/**
 * Started is enough for testcontainers: the part's own readiness probe follows (readyByExec), for a
 * check testcontainers' strategies cannot make in any image (forListeningPorts and
 * forSuccessfulCommand need a shell in it).
 */
export class StartedOnly implements WaitStrategy {
  private ms = 0;
  async waitUntilReady(): Promise<void> {}
  withStartupTimeout(ms: number): this {
    this.ms = ms;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.ms > 0;
  }
  getStartupTimeout(): number {
    return this.ms;
  }
}

/**
 * Polls `argv` in a started container (`docker exec`) until it exits 0; past `timeoutMs` the
 * container is stopped and the error names the part, what did not happen (`failed`) and the
 * probe's last answer.
 */
export async function readyByExec(
  started: StartedTestContainer,
  o: { part: string; argv: readonly string[]; failed: string; timeoutMs: number; fix: string },
): Promise<void> {
  let last = '';
  const ready = await waitUntil(
    async () => {
      const r = await started.exec([...o.argv]);
      last = `exit ${r.exitCode}${r.output.trim() ? `: ${r.output.trim().slice(0, 300)}` : ''}`;
      return r.exitCode === 0;
    },
    { timeoutMs: o.timeoutMs, intervalMs: 100 },
  );
  if (ready) return;
  await started.stop({ timeout: 1_000 }).catch(() => undefined);
  throw new StackError(
    `${o.part}: ${o.failed} within ${o.timeoutMs} ms`,
    `container ${started.getId().slice(0, 12)}: docker exec ${o.argv.join(' ')}: ${last || 'no answer'}`,
    o.fix,
  );
}

/** A part's container on the run's network: the run's labels, the network, and the part's alias there. */
export function onRunNetwork(
  image: string,
  alias: string,
  run: { labels: Readonly<Record<string, string>>; network: string; hosts?: readonly { host: string; ipAddress: string }[] | undefined },
): LoopbackContainer {
  const c = new LoopbackContainer(image)
    .withLabels({ ...run.labels })
    .withNetworkMode(run.network)
    .withNetworkAliases(alias);
  // Names dialled by a name of the part's own: its link's Toxiproxy (read before Docker's DNS).
  return run.hosts?.length ? c.withExtraHosts(run.hosts.map((h) => ({ host: h.host, ipAddress: h.ipAddress }))) : c;
}

/**
 * An image built as `make setup-containers` builds it: with the docker CLI and the host's network
 * (npm ci reaches the registry that way); Docker's cache makes it a second when nothing changed.
 * testcontainers' own build offers neither the network nor the build's error.
 */
async function buildImage(b: ServiceBuild): Promise<void> {
  const args = [
    'build',
    '--network',
    'host',
    '--force-rm',
    '-q',
    '-t',
    b.tag,
    '-f',
    b.file,
    ...Object.entries(b.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    ...(b.target ? ['--target', b.target] : []),
    b.context,
  ];
  try {
    await execFileP('docker', args, { env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
  } catch (e) {
    const out = e as { stderr?: string; stdout?: string };
    const tail = `${out.stdout ?? ''}${out.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new StackError(
      `the service image ${b.tag} did not build`,
      `docker ${args.join(' ')}\n${tail}`,
      "read the build's output above (an image FROM ${NODE_IMAGE} needs brownout's base images: `make setup-containers` in a brownout checkout)",
      e,
    );
  }
}

const built = new Map<string, Promise<void>>();

/** Builds the image once per tag and process: a stack of several services builds it once. */
export function imageBuilt(b: ServiceBuild): Promise<void> {
  let p = built.get(b.tag);
  if (!p) {
    p = buildImage(b);
    built.set(b.tag, p);
    p.catch(() => built.delete(b.tag));
  }
  return p;
}

/** The image's own ENTRYPOINT and CMD (or `args` in the CMD's place), the command a service without one runs (under the holder). */
export async function imageCommand(image: string, part: string, args?: readonly string[]): Promise<string[]> {
  const { dockerode } = (await getContainerRuntimeClient()).container;
  let config: { Entrypoint?: string[] | string | null; Cmd?: string[] | string | null } = {};
  try {
    config = ((await dockerode.getImage(image).inspect()) as { Config?: typeof config }).Config ?? {};
  } catch (e) {
    throw new StackError(
      `${part}: the image ${image} is not on the engine`,
      `stack.${part}.image`,
      `build it (docker build -t ${image} .) or give build: { context, dockerfile } so brownout builds it`,
      e,
    );
  }
  const list = (v: string[] | string | null | undefined) => (v === undefined || v === null ? [] : typeof v === 'string' ? ['/bin/sh', '-c', v] : v);
  const argv = [...list(config.Entrypoint), ...(args ?? list(config.Cmd))];
  if (!argv.length)
    throw new StackError(`${part}: the image ${image} has no ENTRYPOINT or CMD`, `stack.${part}.command`, 'give the command that starts the service');
  return argv;
}

/**
 * A one-off container of `image` on the run's network (a service's setup): its command run to the
 * end, then removed whatever happened; a non-zero exit is one error with its last lines.
 */
export async function oneOff(
  image: string,
  o: { command: string[]; timeoutMs: number; env: Record<string, string>; workdir: string | undefined; part: string },
  run: { labels: Readonly<Record<string, string>>; network: string },
): Promise<void> {
  // Its output as it comes: a failed one-off is removed with its logs.
  const lines: string[] = [];
  let c = onRunNetwork(image, `${o.part}-setup`, run)
    .withLabels({ ...run.labels, 'brownout.setup': o.part })
    .withEnvironment(o.env)
    .withEntrypoint(o.command.slice(0, 1))
    .withCommand(o.command.slice(1))
    .withLogConsumer((stream) =>
      stream.on('data', (d: Buffer | string) => {
        lines.push(
          ...String(d)
            .split('\n')
            .filter((l) => l.trim()),
        );
        lines.splice(0, Math.max(0, lines.length - 20));
      }),
    )
    .withWaitStrategy(Wait.forOneShotStartup())
    .withStartupTimeout(o.timeoutMs);
  if (o.workdir) c = c.withWorkingDir(o.workdir);
  try {
    await (await c.start()).stop({ remove: true });
  } catch (e) {
    // Gone whatever happened: found by its labels (a failed start holds no handle).
    const { dockerode } = (await getContainerRuntimeClient()).container;
    const runId = run.labels['brownout.run'] ?? '';
    for (const f of await dockerode.listContainers({ all: true, filters: { label: [`brownout.run=${runId}`, `brownout.setup=${o.part}`] } }))
      await dockerode
        .getContainer(f.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    const tail = lines.join('\n');
    throw new StackError(
      `${o.part}: its setup (${o.command.join(' ')}) failed on containers`,
      `stack.${o.part}.setup${tail ? `\nlast lines:\n${tail}` : ''}`,
      'read its output above; it runs in the service image, its dependencies up, before the service',
      e,
    );
  }
}

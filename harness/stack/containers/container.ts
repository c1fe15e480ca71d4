// What every containerised part is made with: a testcontainers GenericContainer that keeps its
// traffic on this machine, and the docker build of an image from a Dockerfile. Loaded only on
// --stack containers (the part kinds import it when they start a container): a local run never
// loads testcontainers.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GenericContainer } from 'testcontainers';
import { StackError } from '../../core/errors.ts';
import type { ServiceBuild } from './plan.ts';

export { Wait } from 'testcontainers';

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

/** A part's container on the run's network: the run's labels, the network, and the part's alias there. */
export function onRunNetwork(image: string, alias: string, run: { labels: Readonly<Record<string, string>>; network: string }): LoopbackContainer {
  return new LoopbackContainer(image)
    .withLabels({ ...run.labels })
    .withNetworkMode(run.network)
    .withNetworkAliases(alias);
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
      'run `make setup-containers` (it builds the base images), then read the build output above',
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

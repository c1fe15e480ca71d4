import { z } from 'zod';
import { alias } from '../containers/base.ts';
import { flushRedis, redisCommand, startRedis, type StartedLocalRedis } from '../redis.ts';
import { type ComposeContext, type ComposeService, envPrefix, hostPortEnv, mainProcessFaults, type ContainerPlanBase, type PartKind } from './part.ts';

/** A Redis server, started fresh (no persistence). Services that depend on it get <NAME>_URL = redis://127.0.0.1:port. */
export interface RedisPart {
  kind: 'redis';
}

export interface ResolvedRedis {
  kind: 'redis';
  name: string;
}

export const redis = (): RedisPart => ({ kind: 'redis' });

/** Its container: the image's server with the local backend's settings. */
export interface RedisPlan extends ContainerPlanBase {
  kind: 'redis';
  image: string;
  command: string[];
}

/** Options of a compose file's redis-server command that only concern its data, which brownout's Redis does not keep. */
const DATA_OPTIONS = new Set(['--save', '--appendonly', '--appendfsync', '--protected-mode', '--loglevel', '--dir', '--dbfilename']);

/** A compose file's Redis service as brownout's Redis (fresh, no persistence): a command may only set what concerns its data. */
function redisFromCompose(svc: ComposeService, ctx: ComposeContext): RedisPart {
  const [program, ...args] = svc.command ?? ['redis-server'];
  // Each --option takes the words after it as its values; a data option's are dropped, any other is named.
  const other: string[] = [];
  let dropping = false;
  for (const a of args) {
    if (a.startsWith('--')) dropping = DATA_OPTIONS.has(a);
    if (!dropping) other.push(a);
  }
  if (program !== 'redis-server' || other.length)
    ctx.problem(
      'command',
      `brownout runs its own Redis (fresh, no persistence); it cannot honour ${other.length ? other.join(' ') : `'${program}'`}`,
      `remove the command, or run the image as it is: fromCompose(file, { kinds: { ${svc.name}: 'service' } })`,
    );
  if (svc.dials.some((d) => d.from === 'depends_on'))
    ctx.problem('depends_on', "brownout's Redis depends on nothing", 'remove depends_on from the cache service');
  if (svc.build)
    ctx.problem(
      'build',
      "a Redis built from a Dockerfile is not brownout's Redis",
      `run it as it is: fromCompose(file, { kinds: { ${svc.name}: 'service' } })`,
    );
  return { kind: 'redis' };
}

export const redisKind: PartKind<RedisPart, ResolvedRedis, StartedLocalRedis, RedisPlan> = {
  kind: 'redis',
  versionName: 'redis',
  schema: z.strictObject({ kind: z.literal('redis') }),
  resolve: (_p, ctx) => ({ kind: 'redis', name: ctx.name }),
  after: () => [],
  dependencyEnv: (part, reach) => ({ ...hostPortEnv(part.name, reach), [`${envPrefix(part.name)}_URL`]: `redis://${reach.host}:${reach.port}` }),
  // Redis makes no command wait on the server (no lock wait): only the client's limit counts.
  waits: (part) => ({ kind: 'other', name: part.name }),
  start: (part, ctx) => startRedis({ name: part.name }, ctx.res),
  version: (started) => started.version,
  // No persistence, as the local backend: a restart starts empty. Reached over the network with no
  // password, which protected mode (Debian's default) would refuse.
  plan: (part, ctx) => ({
    kind: 'redis',
    part: part.name,
    alias: alias(part.name),
    image: ctx.images.redis,
    requires: [ctx.images.redis],
    port: 6379,
    command: ['redis-server', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
  }),
  startContainer: async (c, ctx) => {
    const { onRunNetwork, Wait } = await import('../containers/container.ts');
    return onRunNetwork(c.image, c.alias, ctx)
      .withCommand(c.command)
      .withExposedPorts(c.port)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
      .start();
  },
  compose: { images: /(^|\/)redis(:|@|$)/, from: redisFromCompose },
  startedInContainer: async (c, container, ctx) => {
    const url = `redis://${container.getHost()}:${container.getMappedPort(c.port)}`;
    return {
      part: { kind: 'redis', name: c.part, flushAll: () => flushRedis(url), command: (args) => redisCommand(url, args) },
      faults: mainProcessFaults(ctx.control),
    };
  },
};

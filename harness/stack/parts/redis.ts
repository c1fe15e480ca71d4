import { z } from 'zod';
import { alias, PORTS } from '../containers/base.ts';
import { flushRedis, redisCommand, startRedis, type StartedRedis } from '../redis.ts';
import { envPrefix, hostPortEnv, planOf, type PartKind } from './part.ts';

/** A Redis server, started fresh (no persistence). Services that depend on it get <NAME>_URL = redis://127.0.0.1:port. */
export interface RedisPart {
  kind: 'redis';
}

export interface ResolvedRedis {
  kind: 'redis';
  name: string;
}

export const redis = (): RedisPart => ({ kind: 'redis' });

export const redisKind: PartKind<RedisPart, ResolvedRedis, StartedRedis> = {
  kind: 'redis',
  schema: z.strictObject({ kind: z.literal('redis') }),
  resolve: (_p, ctx) => ({ kind: 'redis', name: ctx.name }),
  after: () => [],
  dependencyEnv: (part, reach) => ({ ...hostPortEnv(part.name, reach), [`${envPrefix(part.name)}_URL`]: `redis://${reach.host}:${reach.port}` }),
  // Redis makes no command wait on the server (no lock wait): only the client's limit counts.
  waits: (part) => ({ kind: 'other', name: part.name }),
  start: (part, ctx) => startRedis({ name: part.name }, ctx.res),
  // No persistence, as the local backend: a restart starts empty. Reached over the network with no
  // password, which protected mode (Debian's default) would refuse.
  plan: (part, ctx) => ({
    kind: 'redis',
    part: part.name,
    alias: alias(part.name),
    image: ctx.images.redis,
    port: PORTS.redis,
    command: ['redis-server', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
  }),
  startContainer: async (plan, ctx) => {
    const c = planOf(plan, 'redis');
    const { onRunNetwork, Wait } = await import('../containers/container.ts');
    return onRunNetwork(c.image, c.alias, ctx)
      .withCommand(c.command)
      .withExposedPorts(c.port)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
      .start();
  },
  runningContainer: async (plan, container) => {
    const c = planOf(plan, 'redis');
    const url = `redis://${container.getHost()}:${container.getMappedPort(c.port)}`;
    return { part: { kind: 'redis', name: c.part, flushAll: () => flushRedis(url), command: (args) => redisCommand(url, args) } };
  },
};

import { describe, expect, it } from 'vitest';
import { redisKind } from './redis.ts';
import { planIn, resolvePart } from './testkit.ts';

describe('redis part', () => {
  it('takes no option; a dependent is told its host, port and URL', () => {
    const { part, problems } = resolvePart(redisKind, 'cache', { kind: 'redis' }, { cache: 'redis', app: 'service' });
    expect(problems).toEqual([]);
    expect(part).toEqual({ kind: 'redis', name: 'cache' });
    expect(redisKind.dependencyEnv({ kind: 'redis', name: 'cache' }, { host: '127.0.0.1', port: 4100 })).toEqual({
      CACHE_HOST: '127.0.0.1',
      CACHE_PORT: '4100',
      CACHE_URL: 'redis://127.0.0.1:4100',
    });
    expect(resolvePart(redisKind, 'cache', { kind: 'redis', maxmemory: '1mb' } as never, {}).problems[0]).toMatch(/maxmemory/);
  });
  it('on containers: brownout’s Redis image, no persistence (a restart starts empty), reachable without a password', () => {
    const plan = planIn(redisKind, { kind: 'redis', name: 'cache' });
    expect(plan).toMatchObject({ kind: 'redis', part: 'cache', port: 6379, requires: [plan.image] });
    expect(plan.command).toEqual(['redis-server', '--save', '', '--appendonly', 'no', '--protected-mode', 'no']);
  });
});

import { FaultError } from '../../core/errors.ts';
import type { StartedRedis, StartedStack } from '../../stack/index.ts';

/** The started redis part a cache fault names. */
export function redisOf(stack: StartedStack, part: string, label: string): StartedRedis {
  const p = stack.parts.get(part);
  if (p?.kind !== 'redis') throw new FaultError(label, `${part} is not a started redis`, 'name a redis part in fault.part');
  return p;
}

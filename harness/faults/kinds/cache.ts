import { FaultError } from '../../core/errors.ts';
import type { RunningRedis, RunningStack } from '../../stack/index.ts';

/** The started redis part a cache fault names. */
export function redisOf(stack: RunningStack, part: string, label: string): RunningRedis {
  const p = stack.parts.get(part);
  if (p?.kind !== 'redis') throw new FaultError(label, `${part} is not a started redis`, 'name a redis part in fault.part');
  return p;
}

import type {
  DownFault,
  Fault,
  FlushCacheFault,
  FreezeFault,
  RedisPart,
  KillFault,
  ResetPeerFault,
  RestartFault,
  RequestFault,
  TimeoutFault,
  GatewayPart,
  LatencyFault,
  LockWaitFault,
  MariaDbPart,
  ScenarioDefinition,
  ServicePart,
  TimelineEntry,
} from './types.ts';

/** Marks a module's default export as a scenario (and gives it its types). */
export function scenario(def: ScenarioDefinition): ScenarioDefinition {
  return def;
}

export const mariadb = (o: Omit<MariaDbPart, 'kind'> = {}): MariaDbPart => ({ kind: 'mariadb', ...o });
export const service = (o: Omit<ServicePart, 'kind'>): ServicePart => ({ kind: 'service', ...o });
export const gateway = (o: Omit<GatewayPart, 'kind'>): GatewayPart => ({ kind: 'gateway', ...o });
export const redis = (): RedisPart => ({ kind: 'redis' });
export const flushCache = (o: Omit<FlushCacheFault, 'type'>): FlushCacheFault => ({ type: 'flushCache', ...o });

export const latency = (o: Omit<LatencyFault, 'type'>): LatencyFault => ({ type: 'latency', ...o });
export const lockWait = (o: Omit<LockWaitFault, 'type'>): LockWaitFault => ({ type: 'lockWait', ...o });

export const timeout = (o: Omit<TimeoutFault, 'type'>): TimeoutFault => ({ type: 'timeout', ...o });
export const resetPeer = (o: Omit<ResetPeerFault, 'type'>): ResetPeerFault => ({ type: 'resetPeer', ...o });
export const down = (o: Omit<DownFault, 'type'>): DownFault => ({ type: 'down', ...o });
export const kill = (o: Omit<KillFault, 'type'>): KillFault => ({ type: 'kill', ...o });
export const freeze = (o: Omit<FreezeFault, 'type'>): FreezeFault => ({ type: 'freeze', ...o });
export const restart = (o: Omit<RestartFault, 'type'>): RestartFault => ({ type: 'restart', ...o });
export const request = (o: Omit<RequestFault, 'type'>): RequestFault => ({ type: 'request', ...o });

/**
 * `at('10s', latency({...}), { for: '5s' })`: apply at 10 s into the load, heal 5 s later.
 * `at('10s', kill({ part: 'app' }))`: an instant fault, nothing to heal.
 */
export function at(when: string, fault: Fault, opts?: { for: string }): TimelineEntry {
  return opts ? { at: when, for: opts.for, fault } : { at: when, fault };
}

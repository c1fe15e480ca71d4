import type {
  Fault,
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

export const latency = (o: Omit<LatencyFault, 'type'>): LatencyFault => ({ type: 'latency', ...o });
export const lockWait = (o: Omit<LockWaitFault, 'type'>): LockWaitFault => ({ type: 'lockWait', ...o });

/** `at('10s', latency({...}), { for: '5s' })`: apply at 10 s into the load, heal 5 s later. */
export function at(when: string, fault: Fault, opts: { for: string }): TimelineEntry {
  return { at: when, for: opts.for, fault };
}

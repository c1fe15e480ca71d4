import { gatewayKind } from './gateway.ts';
import { mariadbKind } from './mariadb.ts';
import { memcachedKind } from './memcached.ts';
import type { PartKind } from './part.ts';
import { redisKind } from './redis.ts';
import { serviceKind } from './service.ts';

/**
 * Every stack part kind. Validation, the local start and the containers plan loop over this list:
 * a new kind is its own file in this folder (type, schema, resolve, dependency env, start, plan)
 * and a line here.
 */
export const PART_KINDS = [mariadbKind, redisKind, memcachedKind, serviceKind, gatewayKind] as const;

type DefOf<K> = K extends PartKind<infer D, infer _R, infer _S, infer _P> ? D : never;
type ResolvedOf<K> = K extends PartKind<infer _D, infer R, infer _S, infer _P> ? R : never;
type LocalOf<K> = K extends PartKind<infer _D, infer _R, infer S, infer _P> ? S : never;
type PlanOf<K> = K extends PartKind<infer _D, infer _R, infer _S, infer P> ? P : never;

/** A stack part as a scenario writes it. */
export type StackPart = DefOf<(typeof PART_KINDS)[number]>;
/** A part resolved: durations in ms, paths absolute, links checked. */
export type ResolvedPart = ResolvedOf<(typeof PART_KINDS)[number]>;
/** A part the local backend started. */
export type StartedLocalStackPart = LocalOf<(typeof PART_KINDS)[number]>;
/** A part's container, as data (the containers backend's plan). */
export type ContainerPlan = PlanOf<(typeof PART_KINDS)[number]>;

/** The list, each kind seen through the union (its methods accept any part of the list). */
type AnyKind = PartKind<StackPart, ResolvedPart, StartedLocalStackPart, ContainerPlan>;
const BY_KIND: ReadonlyMap<string, AnyKind> = new Map(PART_KINDS.map((k): [string, AnyKind] => [k.kind, k]));

export function partKind(kind: string): AnyKind | undefined {
  return BY_KIND.get(kind);
}

/** The registered kinds' names, in the list's order. */
export const PART_KIND_NAMES: readonly StackPart['kind'][] = PART_KINDS.map((k) => k.kind);

export {
  envPrefix,
  type ContainerControl,
  type ContainerFaults,
  type ContainerPlanBase,
  type PartKindName,
  type PartResolveContext,
  type Reach,
} from './part.ts';
export { gateway, type GatewayPart, type GatewayPlan, type HealthCheck, type ResolvedGateway } from './gateway.ts';
export { mariadb, type MariaDbPart, type MariaDbPlan, type ResolvedMariaDb } from './mariadb.ts';
export { redis, type RedisPart, type RedisPlan, type ResolvedRedis } from './redis.ts';
export { memcached, memcachedCommand, type MemcachedPart, type MemcachedPlan, type ResolvedMemcached } from './memcached.ts';
export { HOLDER_PATH, service, serviceFaults, type ServicePart, type ServicePlan, type ResolvedService } from './service.ts';

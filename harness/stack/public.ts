// What scenarios import of the stack: each part kind's helper and documented type (a new kind adds
// its line here and in parts/index.ts's list). harness/index.ts and the DSL re-export this file whole.
export type { StackPart } from './parts/index.ts';
export { gateway, type GatewayPart, type HealthCheck } from './parts/gateway.ts';
export { mariadb, type MariaDbPart } from './parts/mariadb.ts';
export { redis, type RedisPart } from './parts/redis.ts';
export { memcached, type MemcachedPart } from './parts/memcached.ts';
export { container, program, service, type ServicePart } from './parts/service.ts';
export type { HealthOption } from './health.ts';
export { fromCompose, type ComposeOptions } from './compose.ts';

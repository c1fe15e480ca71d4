import { createHash } from 'node:crypto';
import { TOOLS } from '../../core/tools.ts';

/**
 * What the containers backend's parts share: the images, the service holder, the server flags (each
 * kind's container plan is made by the part's own module, parts/<kind>.ts).
 */

/**
 * Which images the parts run. `local` (the default) is built on this machine by
 * `make setup-containers` from a debootstrapped Debian 12 with Debian's MariaDB, Redis and HAProxy,
 * the Toxiproxy and Node binaries of `make setup`: the local backend's versions, no registry
 * needed. `upstream` is the official images, for an engine that reaches their registries.
 */
export const IMAGE_SETS = {
  local: {
    mariadb: 'brownout/mariadb:10.11',
    redis: 'brownout/redis:7.0',
    memcached: 'brownout/memcached:1.6',
    haproxy: 'brownout/haproxy:2.6',
    // The version setup builds and the local backend runs (harness/setup/versions.env).
    toxiproxy: `brownout/toxiproxy:${TOOLS.toxiproxy.version}`,
    node: 'brownout/node:20',
  },
  upstream: {
    mariadb: 'mariadb:10.11',
    redis: 'redis:7.0',
    memcached: 'memcached:1.6',
    haproxy: 'haproxy:2.6',
    toxiproxy: `ghcr.io/shopify/toxiproxy:${TOOLS.toxiproxy.version}`,
    node: 'node:20-bookworm-slim',
  },
} as const;
export type ImageSetName = keyof typeof IMAGE_SETS;
export type ImageSet = (typeof IMAGE_SETS)[ImageSetName];

/** A service image's build, as `docker build` is given it: paths absolute, its tag made from them. */
export interface ServiceBuild {
  context: string;
  file: string;
  tag: string;
  buildArgs: Record<string, string>;
  target?: string;
}

/**
 * A service's build (paths absolute), with NODE_IMAGE (the set's Node image) among its args unless
 * it sets its own. Tagged by what it is built from (brownout/build-<hash>), so that two projects'
 * Dockerfiles never take each other's tag.
 */
export function serviceBuild(
  b: { context: string; dockerfile: string; args: Readonly<Record<string, string>>; target?: string },
  images: ImageSet,
): ServiceBuild {
  const buildArgs = { NODE_IMAGE: images.node, ...b.args };
  const hash = createHash('sha256')
    .update(JSON.stringify([b.context, b.dockerfile, buildArgs, b.target ?? '']))
    .digest('hex')
    .slice(0, 12);
  return { context: b.context, file: b.dockerfile, tag: `brownout/build-${hash}:latest`, buildArgs, ...(b.target ? { target: b.target } : {}) };
}

/** Every container and the network carry these labels: `brownout clean` and the next run find what a killed run left. */
export const LABELS = { run: 'brownout.run', pid: 'brownout.pid', host: 'brownout.host' } as const;

/**
 * What the holder (harness/setup/holder, PID 1 of a bare service's container) prints when the
 * service died (the run reads it as the part's exit) and when a restart's old process is gone.
 */
export const HOLDER_EXIT_MARKER = 'brownout-holder: the service exited';
export const HOLDER_RESTART_MARKER = 'brownout-holder: the service stopped for a restart; starting it again';

/** The local backend's MariaDB settings, passed to the server in the container too. */
export const MARIADB_SERVER_FLAGS = ['--skip-name-resolve', '--skip-log-bin', '--innodb-buffer-pool-size=64M', '--max-connections=500'] as const;

/**
 * The server flags of a mariadb part, on either backend: ours, then the part's character set and its
 * variables (given later, so a variable such as max_connections overrides our default).
 */
export function mariadbServerFlags(part: { charset: string; collation: string; variables: Readonly<Record<string, string>> }): string[] {
  return [
    ...MARIADB_SERVER_FLAGS,
    `--character-set-server=${part.charset}`,
    `--collation-server=${part.collation}`,
    ...Object.entries(part.variables).map(([k, v]) => `--${k.replace(/_/g, '-')}=${v}`),
  ];
}

export const TOXIPROXY_API_PORT = 8474;
/**
 * Inside the network every part listens on its image's usual port (its kind's plan says which), so
 * configs read plainly; a link's HTTP fault proxy on this one.
 */
export const HTTP_FAULTS_PORT = 8080;
/** HAProxy's stats socket on TCP in the gateway container (the harness reads server states there). */
export const GATEWAY_STATS_PORT = 9999;

/** A part's name as a container alias (DNS name on the run's network). */
export const alias = (part: string) => part.toLowerCase().replace(/[^a-z0-9-]/g, '-');

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
    haproxy: 'brownout/haproxy:2.6',
    // The version setup builds and the local backend runs (harness/setup/versions.env).
    toxiproxy: `brownout/toxiproxy:${TOOLS.toxiproxy.version}`,
    node: 'brownout/node:20',
    services: 'brownout/services:local',
  },
  upstream: {
    mariadb: 'mariadb:10.11',
    redis: 'redis:7.0',
    haproxy: 'haproxy:2.6',
    toxiproxy: `ghcr.io/shopify/toxiproxy:${TOOLS.toxiproxy.version}`,
    node: 'node:20-bookworm-slim',
    services: 'brownout/services:upstream',
  },
} as const;
export type ImageSetName = keyof typeof IMAGE_SETS;
export type ImageSet = (typeof IMAGE_SETS)[ImageSetName];

/**
 * The sample services (and a team's own, when its code is in this repository) are built from here,
 * FROM the set's node image, with the host's network (npm ci reaches the registry that way; an
 * engine started with --iptables=false gives its bridge no way out).
 */
export interface ServiceBuild {
  context: string;
  file: string;
  tag: string;
  buildArgs: Record<string, string>;
}
export const serviceBuild = (images: ImageSet): ServiceBuild => ({
  context: '.',
  file: 'fixtures/Dockerfile',
  tag: images.services,
  buildArgs: { NODE_IMAGE: images.node },
});

/** Every container and the network carry these labels: `brownout clean` and the next run find what a killed run left. */
export const LABELS = { run: 'brownout.run', pid: 'brownout.pid', host: 'brownout.host' } as const;

/**
 * PID 1 of a bare service's container. Locally, a service that dies leaves the machine up: its
 * port refuses connections at once. A container whose main process dies is gone with its address,
 * and connections to it hang instead. So the holder runs the service as its child and stays when
 * it dies (printing HOLDER_EXIT_MARKER, which the run reads as the part's exit); it passes
 * docker stop's SIGTERM on. A kill then reaches the child, as pm2-runtime's workers.
 */
export const HOLDER_EXIT_MARKER = 'brownout-holder: the service exited';
/** Printed when the holder starts the service again after a restart fault (the old process is gone). */
export const HOLDER_RESTART_MARKER = 'brownout-holder: the service stopped for a restart; starting it again';
export const HOLDER = {
  target: '/app/.brownout-holder.cjs',
  content: [
    "const { spawn } = require('node:child_process');",
    'const [command, ...args] = process.argv.slice(2);',
    'let child;',
    'let stopping = false;',
    'let restarting = false;',
    'const start = () => {',
    "  child = spawn(command, args, { stdio: 'inherit' });",
    `  child.on('error', (e) => console.error(\`${HOLDER_EXIT_MARKER} (could not start: \${e.message})\`));`,
    "  child.on('exit', (code, signal) => {",
    '    if (stopping) process.exit(0);',
    // A restart fault: the service stops and starts again in the same container, on the same address.
    `    if (restarting) { restarting = false; console.error('${HOLDER_RESTART_MARKER}'); start(); return; }`,
    `    console.error(\`${HOLDER_EXIT_MARKER} (\${signal ? 'killed by ' + signal : 'exit code ' + code})\`);`,
    '  });',
    '};',
    'start();',
    "for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => {",
    '  stopping = true;',
    '  if (child.exitCode !== null || child.signalCode !== null) process.exit(0);',
    '  child.kill(sig);',
    '});',
    "process.on('SIGHUP', () => {",
    '  if (child.exitCode !== null || child.signalCode !== null) return start();',
    '  restarting = true;',
    "  child.kill('SIGTERM');",
    '});',
    'setInterval(() => undefined, 1 << 30);',
    '',
  ].join('\n'),
} as const;

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

import { z } from 'zod';
import { StackError } from '../../core/errors.ts';
import { alias, GATEWAY_STATS_PORT } from '../containers/base.ts';
import { droppedLogLines, haproxyConfig, startGateway, statCounters, timeoutErrorPage, watchServerStates, type StartedLocalGateway } from '../haproxy.ts';
import { type ContainerPlanBase, envPrefix, hostPortEnv, mainProcessFaults, urlPath, type PartKind } from './part.ts';

/** Active health checks a gateway runs against every server behind it. */
export interface HealthCheck {
  /** Checked with GET; a server is up while it answers 2xx/3xx. Default '/health'. */
  path?: string;
  /** Time between two checks, e.g. '2s'. */
  interval: string;
  /** Failed checks in a row before a server is marked down. */
  fall: number;
  /** Passed checks in a row before a down server is marked up again. */
  rise: number;
}

/**
 * An HTTP gateway (HAProxy) in front of one or more services (round-robin), answering
 * `timeoutStatus` after `timeout`.
 */
export interface GatewayPart {
  kind: 'gateway';
  /** The service(s) it forwards to, each through its own Toxiproxy proxy. */
  to: string | readonly string[];
  /** Longest wait for the service's response, e.g. '3s'. */
  timeout: string;
  /** Status answered when the wait runs out: 503 (as many gateways do) or 504 (HAProxy's own). Default 504. */
  timeoutStatus?: 502 | 503 | 504;
  /** Active health checks; without them every server takes traffic, dead or not. */
  check?: HealthCheck;
  /**
   * Requests to `paths` (prefixes) go to the server whose `check` path answers 2xx: the leader. While
   * no server passes it, they go to any server, like every other request. Needs `check`.
   */
  leader?: { paths: readonly string[]; check: string };
}

export interface ResolvedGateway {
  kind: 'gateway';
  name: string;
  /** The servers, in round-robin order. */
  to: readonly string[];
  timeoutMs: number;
  timeoutStatus: 502 | 503 | 504;
  check: { path: string; intervalMs: number; fall: number; rise: number } | undefined;
  leader: { paths: readonly string[]; check: string } | undefined;
}

export const gateway = (o: Omit<GatewayPart, 'kind'>): GatewayPart => ({ kind: 'gateway', ...o });

const duration = z.string().min(1);

/** Its container: HAProxy with the local backend's config, its stats socket on TCP for the harness. */
export interface GatewayPlan extends ContainerPlanBase {
  kind: 'gateway';
  image: string;
  statsPort: number;
  config: { target: string; content: string };
  timeoutBody: { target: string; content: string } | undefined;
  check: { intervalMs: number; fall: number; rise: number } | undefined;
}

const PORT = 8080;

export const gatewayKind: PartKind<GatewayPart, ResolvedGateway, StartedLocalGateway, GatewayPlan> = {
  kind: 'gateway',
  versionName: 'haproxy',
  schema: z.strictObject({
    kind: z.literal('gateway'),
    to: z.union([z.string(), z.array(z.string()).min(1)]),
    timeout: duration,
    timeoutStatus: z.union([z.literal(502), z.literal(503), z.literal(504)]).optional(),
    check: z.strictObject({ path: urlPath.optional(), interval: duration, fall: z.number().int().min(1), rise: z.number().int().min(1) }).optional(),
    leader: z.strictObject({ paths: z.array(urlPath).min(1), check: urlPath }).optional(),
  }),
  resolve: (p, ctx) => {
    const timeoutMs = ctx.duration('timeout', p.timeout, 0);
    const to = typeof p.to === 'string' ? [p.to] : [...p.to];
    const services = ctx.names.filter((n) => ctx.kindOf(n) === 'service');
    for (const t of to) {
      if (ctx.kindOf(t) !== 'service') ctx.problem('to', `'${t}' is not a service of the stack`, `use one of ${services.join(', ') || '(no service defined)'}`);
      else if (!ctx.link(t)) ctx.problem('to', `'${t}' is named twice`, 'name each server once');
    }
    let check: ResolvedGateway['check'];
    if (p.check) {
      const intervalMs = ctx.duration('check.interval', p.check.interval, 0);
      check = { path: p.check.path ?? '/health', intervalMs: intervalMs ?? 0, fall: p.check.fall, rise: p.check.rise };
    }
    if (p.leader && !check) ctx.problem('leader', 'leader routing needs health checks', "add check: { interval: '1s', fall: 2, rise: 2 }");
    return {
      kind: 'gateway',
      name: ctx.name,
      to,
      timeoutMs: timeoutMs ?? 0,
      timeoutStatus: p.timeoutStatus ?? 504,
      check,
      leader: p.leader ? { paths: [...p.leader.paths], check: p.leader.check } : undefined,
    };
  },
  after: (part) => part.to,
  waits: (part) => ({ kind: 'gateway', name: part.name, to: part.to, timeoutMs: part.timeoutMs, timeoutStatus: part.timeoutStatus }),
  // Nothing depends on a gateway (validation says so); told as a service would be, all the same.
  dependencyEnv: (part, reach) => ({ ...hostPortEnv(part.name, reach), [`${envPrefix(part.name)}_URL`]: `http://${reach.host}:${reach.port}` }),
  // One proxy per server, so a fault can hit the link to one instance.
  start: (part, ctx) =>
    startGateway(
      {
        name: part.name,
        servers: part.to.map((to) => ({ name: to, port: ctx.proxyPort(to) })),
        timeoutMs: part.timeoutMs,
        timeoutStatus: part.timeoutStatus,
        check: part.check,
        leader: part.leader,
      },
      ctx.res,
    ),
  version: (started) => started.version,
  plan: (part, ctx) => {
    const servers = part.to.map((to) => ({ name: to, host: 'toxiproxy', port: ctx.proxyPort(to) }));
    const timeoutBody =
      part.timeoutStatus === 504 ? undefined : { target: '/usr/local/etc/haproxy/timeout.http', content: timeoutErrorPage(part.timeoutStatus, part.timeoutMs) };
    const content = haproxyConfig({
      port: PORT,
      bind: '0.0.0.0',
      servers,
      timeoutMs: part.timeoutMs,
      ...(timeoutBody ? { timeoutErrorFile: timeoutBody.target } : {}),
      statsSocket: `ipv4@0.0.0.0:${GATEWAY_STATS_PORT}`,
      check: part.check,
      leader: part.leader,
    });
    return {
      kind: 'gateway',
      part: part.name,
      alias: alias(part.name),
      image: ctx.images.haproxy,
      requires: [ctx.images.haproxy],
      port: PORT,
      statsPort: GATEWAY_STATS_PORT,
      config: { target: '/usr/local/etc/haproxy/haproxy.cfg', content },
      timeoutBody,
      check: part.check,
    };
  },
  startContainer: async (c, ctx) => {
    const { onRunNetwork, Wait } = await import('../containers/container.ts');
    return onRunNetwork(c.image, c.alias, ctx)
      .withCopyContentToContainer([c.config, ...(c.timeoutBody ? [c.timeoutBody] : [])])
      .withExposedPorts(c.port, c.statsPort)
      .withWaitStrategy(Wait.forListeningPorts())
      .start();
  },
  startedInContainer: async (c, container, ctx) => {
    const host = container.getHost();
    const url = `http://${host}:${container.getMappedPort(c.port)}`;
    const stats = { host, port: container.getMappedPort(c.statsPort) };
    const part = {
      kind: 'gateway' as const,
      name: c.part,
      url,
      serverChanges: () => [],
      droppedLogLines: () => droppedLogLines(stats),
      counters: () => statCounters(stats),
    };
    const faults = mainProcessFaults(ctx.control);
    if (!c.check) return { part, faults };
    // As locally: load starts once HAProxy has checked every server.
    const watch = await watchServerStates(stats);
    const problem = await watch.settle(c.check);
    if (problem) {
      watch.stop();
      throw new StackError(
        `${c.part}: ${problem}`,
        `gateway container ${container.getId().slice(0, 12)}`,
        'check that every server answers its health check path',
      );
    }
    return { part: { ...part, serverChanges: () => [...watch.changes] }, faults, watch };
  },
};

import { StackError } from '../../core/errors.ts';
import type { ResolvedLink } from '../link.ts';
import { HTTP_FAULT_LUA, httpFaultConfig, httpFaultMap } from '../http-faults.ts';
import { partKind, type ContainerPlan, type ResolvedPart } from '../parts/index.ts';
import { alias, GATEWAY_STATS_PORT, HTTP_FAULTS_PORT, IMAGE_SETS, type ImageSetName, TOXIPROXY_API_PORT } from './base.ts';

export * from './base.ts';
export type { ContainerPlan } from '../parts/index.ts';

/**
 * The containers backend, as data: what the local backend starts as processes, mapped to
 * containers on one network with every link through a Toxiproxy container. Pure, so the mapping is
 * unit-tested here, where no Docker engine runs; harness/stack/containers/start.ts hands it to
 * testcontainers.
 */

/** Proxies listen on the Toxiproxy container from here up, one port per link. */
const FIRST_PROXY_PORT = 20_000;

function kindOf(part: ResolvedPart) {
  const kind = partKind(part.kind);
  if (!kind) throw new Error(`no part kind '${part.kind}': resolution admitted a kind that is not registered`);
  return kind;
}

export interface ProxyPlan {
  /** 'app→db' */
  link: string;
  name: string;
  /** The Toxiproxy container it is on: the run's ('toxiproxy'), or a part's own (a link its part dials by name). */
  server: string;
  /** The port on that container clients of the link connect to. */
  listenPort: number;
  /** alias:port of the part behind the link. */
  upstream: string;
}

/** A link's HTTP fault proxy: an HAProxy container between the link's Toxiproxy proxy and the part. */
export interface HttpFaultPlan {
  link: string;
  /** The part whose links start here: the container starts just before that part's proxies. */
  from: string;
  alias: string;
  image: string;
  port: number;
  /** HAProxy's runtime API on TCP (published on 127.0.0.1): the faults set the rules' map there. */
  adminPort: number;
  /** The map's path inside the container, as `set map` names it. */
  mapFile: string;
  files: { target: string; content: string }[];
}

export interface StackPlan {
  runId: string;
  images: ImageSetName;
  network: string;
  toxiproxy: { image: string; alias: string; apiPort: number; proxyPorts: number[] };
  /**
   * A part's own Toxiproxy container, for the links it dials by a name of its own (hostnames): each
   * listens on its dependency's own port, and those names resolve to it in that part's container
   * only (so two parts' links to one dependency stay two links). Started just before the part.
   */
  sidecars: { alias: string; part: string; proxyPorts: number[]; hosts: string[] }[];
  proxies: ProxyPlan[];
  httpFaults: HttpFaultPlan[];
  /** In start order: a part after the parts it depends on. */
  containers: ContainerPlan[];
}

/** Credentials are made per run (as the local backend does); given here so the plan is repeatable in tests. */
export interface PlanSecrets {
  dbPassword(part: string): string;
}

export interface PlanOptions {
  /** Default `local`. */
  images?: ImageSetName;
}

export function stackPlan(
  parts: readonly ResolvedPart[],
  links: readonly ResolvedLink[],
  runId: string,
  secrets: PlanSecrets,
  opts: PlanOptions = {},
): StackPlan {
  const images = IMAGE_SETS[opts.images ?? 'local'];
  // One proxy port per link on the Toxiproxy container; each part is told its links' ports.
  const listenPort = (from: string, to: string) => {
    const i = links.findIndex((l) => l.from === from && l.to === to);
    return i < 0 ? 0 : FIRST_PROXY_PORT + i;
  };
  // Per part, the dependencies it dials by a name of its own (its kind's hostnames), read once.
  const dialled = new Map(parts.map((p) => [p.name, kindOf(p).hostnames?.(p) ?? {}]));
  const byName = (from: string): Readonly<Record<string, string>> => dialled.get(from) ?? {};
  const containers: ContainerPlan[] = parts.map((part) => {
    // Every dependency through its proxy on the Toxiproxy container, named as the local backend names
    // it; those it dials by a name of its own are told nothing (their names resolve to its Toxiproxy).
    const env: Record<string, string> = {};
    for (const l of links.filter((x) => x.from === part.name && !(x.to in byName(part.name)))) {
      const dep = parts.find((p) => p.name === l.to);
      if (dep)
        Object.assign(env, kindOf(dep).dependencyEnv(dep, { host: 'toxiproxy', port: listenPort(l.from, l.to), password: secrets.dbPassword(dep.name) }));
    }
    return kindOf(part).plan(part, { images, env, proxyPort: (to) => listenPort(part.name, to) });
  });
  const httpFaults: HttpFaultPlan[] = [];
  const sidecars: StackPlan['sidecars'] = [];
  const proxies: ProxyPlan[] = links.map((l) => {
    const port = containers.find((c) => c.part === l.to)?.port ?? 0;
    let upstream = `${alias(l.to)}:${port}`;
    if (l.http.length > 0) {
      // Toxiproxy → the link's HTTP fault proxy → the part, as locally.
      const dir = '/usr/local/etc/haproxy';
      const hp = { alias: `http-${alias(l.from)}-${alias(l.to)}`, mapFile: `${dir}/rules.map` };
      const config = httpFaultConfig({
        bind: '0.0.0.0',
        port: HTTP_FAULTS_PORT,
        upstream,
        rules: l.http,
        mapFile: hp.mapFile,
        luaFile: `${dir}/faults.lua`,
        adminSocket: `ipv4@0.0.0.0:${GATEWAY_STATS_PORT}`,
        emptyErrorFile: `${dir}/empty.http`,
      });
      httpFaults.push({
        link: l.name,
        from: l.from,
        ...hp,
        image: images.haproxy,
        port: HTTP_FAULTS_PORT,
        adminPort: GATEWAY_STATS_PORT,
        files: [
          { target: `${dir}/haproxy.cfg`, content: config },
          { target: hp.mapFile, content: httpFaultMap(l.http) },
          { target: `${dir}/faults.lua`, content: HTTP_FAULT_LUA },
          { target: `${dir}/empty.http`, content: '' },
        ],
      });
      upstream = `${hp.alias}:${HTTP_FAULTS_PORT}`;
    }
    const host = byName(l.from)[l.to];
    if (host === undefined) return { link: l.name, name: `${runId}-${l.from}-${l.to}`, server: 'toxiproxy', listenPort: listenPort(l.from, l.to), upstream };
    // Dialled as <host>:<the dependency's port>: on the part's own Toxiproxy, at that port.
    const sidecarAlias = `toxiproxy-${alias(l.from)}`;
    let sidecar = sidecars.find((x) => x.part === l.from);
    if (!sidecar) {
      sidecar = { alias: sidecarAlias, part: l.from, proxyPorts: [], hosts: [] };
      sidecars.push(sidecar);
    }
    if (sidecar.proxyPorts.includes(port))
      throw new StackError(
        `${l.from} dials two dependencies by name on one port (${port}): ${sidecar.hosts.join(', ')} and ${host}`,
        `stack.${l.from}.hostnames`,
        `give one of them another port, or drop it from stack.${l.from}.hostnames so it is reached through <NAME>_HOST and <NAME>_PORT`,
      );
    sidecar.proxyPorts.push(port);
    sidecar.hosts.push(host);
    return { link: l.name, name: `${runId}-${l.from}-${l.to}`, server: sidecarAlias, listenPort: port, upstream };
  });
  return {
    runId,
    images: opts.images ?? 'local',
    network: `brownout-${runId}`,
    toxiproxy: {
      image: images.toxiproxy,
      alias: 'toxiproxy',
      apiPort: TOXIPROXY_API_PORT,
      proxyPorts: proxies.filter((p) => p.server === 'toxiproxy').map((p) => p.listenPort),
    },
    sidecars,
    proxies,
    httpFaults,
    containers,
  };
}

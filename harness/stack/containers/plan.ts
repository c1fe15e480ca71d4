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
  /** The port on the Toxiproxy container (alias 'toxiproxy') clients of the link connect to. */
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
  const containers: ContainerPlan[] = parts.map((part) => {
    // Every dependency through its proxy on the Toxiproxy container, named as the local backend names it.
    const env: Record<string, string> = {};
    for (const l of links.filter((x) => x.from === part.name)) {
      const dep = parts.find((p) => p.name === l.to);
      if (dep)
        Object.assign(env, kindOf(dep).dependencyEnv(dep, { host: 'toxiproxy', port: listenPort(l.from, l.to), password: secrets.dbPassword(dep.name) }));
    }
    return kindOf(part).plan(part, { images, env, proxyPort: (to) => listenPort(part.name, to) });
  });
  const httpFaults: HttpFaultPlan[] = [];
  const proxies: ProxyPlan[] = links.map((l) => {
    let upstream = `${alias(l.to)}:${containers.find((c) => c.part === l.to)?.port ?? 0}`;
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
    return { link: l.name, name: `${runId}-${l.from}-${l.to}`, listenPort: listenPort(l.from, l.to), upstream };
  });
  return {
    runId,
    images: opts.images ?? 'local',
    network: `brownout-${runId}`,
    toxiproxy: { image: images.toxiproxy, alias: 'toxiproxy', apiPort: TOXIPROXY_API_PORT, proxyPorts: proxies.map((p) => p.listenPort) },
    proxies,
    httpFaults,
    containers,
  };
}

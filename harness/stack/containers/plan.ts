import type { ResolvedFault, ResolvedLink } from '../../scenario/index.ts';
import { HTTP_FAULT_LUA, httpFaultConfig, httpFaultMap } from '../http-faults.ts';
import { partKind, type ResolvedPart } from '../parts/index.ts';
import { alias, type ContainerPlan, GATEWAY_STATS_PORT, IMAGE_SETS, type ImageSetName, PORTS, TOXIPROXY_API_PORT } from './base.ts';

export * from './base.ts';

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
  const httpFaults: HttpFaultPlan[] = [];
  const proxies: ProxyPlan[] = links.map((l, i) => {
    const to = parts.find((p) => p.name === l.to);
    const port = to ? PORTS[to.kind] : 0;
    let upstream = `${alias(l.to)}:${port}`;
    if (l.http.length > 0) {
      // Toxiproxy → the link's HTTP fault proxy → the part, as locally.
      const dir = '/usr/local/etc/haproxy';
      const hp = { alias: `http-${alias(l.from)}-${alias(l.to)}`, mapFile: `${dir}/rules.map` };
      const config = httpFaultConfig({
        bind: '0.0.0.0',
        port: PORTS.httpFaults,
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
        port: PORTS.httpFaults,
        adminPort: GATEWAY_STATS_PORT,
        files: [
          { target: `${dir}/haproxy.cfg`, content: config },
          { target: hp.mapFile, content: httpFaultMap(l.http) },
          { target: `${dir}/faults.lua`, content: HTTP_FAULT_LUA },
          { target: `${dir}/empty.http`, content: '' },
        ],
      });
      upstream = `${hp.alias}:${PORTS.httpFaults}`;
    }
    return { link: l.name, name: `${runId}-${l.from}-${l.to}`, listenPort: FIRST_PROXY_PORT + i, upstream };
  });
  const proxyPort = (from: string, to: string) => proxies.find((p) => p.link === `${from}→${to}`)?.listenPort ?? 0;
  const containers: ContainerPlan[] = parts.map((part) => {
    // Every dependency through its proxy on the Toxiproxy container, named as the local backend names it.
    const env: Record<string, string> = {};
    for (const l of links.filter((x) => x.from === part.name)) {
      const dep = parts.find((p) => p.name === l.to);
      if (dep) Object.assign(env, kindOf(dep).dependencyEnv(dep, { host: 'toxiproxy', port: proxyPort(l.from, l.to), password: secrets.dbPassword(dep.name) }));
    }
    return kindOf(part).plan(part, { images, env, proxyPort: (to) => proxyPort(part.name, to) });
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

/**
 * Process faults on a container: what `docker kill`, `pause` and `restart` stand in for. A kill
 * reaches what serves the part, as locally: a service's processes (the children of PID 1: the
 * holder's one child, or pm2-runtime's workers, which it restarts), else the container's main
 * process.
 */
export type ContainerAction =
  | { action: 'kill'; signal: string; of: 'main' }
  | { action: 'kill'; signal: string; of: 'workers'; exec: string[] }
  | { action: 'pause'; healWith: 'unpause' }
  | { action: 'restart' }
  | { action: 'restart'; of: 'holder-child'; signal: 'SIGHUP' };

/** Node code for `docker exec`: the signal to every child of PID 1, by /proc/<pid>/stat's parent field. */
export function killWorkersScript(signal: string): string {
  return [
    "const fs = require('fs');",
    "for (const d of fs.readdirSync('/proc')) {",
    '  if (!/^[0-9]+$/.test(d)) continue;',
    "  let stat; try { stat = fs.readFileSync('/proc/' + d + '/stat', 'utf8'); } catch { continue; }",
    `  if (Number(d) !== process.pid && stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === '1') process.kill(Number(d), ${JSON.stringify(signal)});`,
    '}',
  ].join('\n');
}

/** The faults that act on a part's processes, which a container stands in for. */
export type ProcessFault = Extract<ResolvedFault, { type: 'kill' | 'freeze' | 'restart' }>;

export function containerAction(fault: ProcessFault, container?: ContainerPlan): ContainerAction;
export function containerAction(fault: ResolvedFault, container?: ContainerPlan): ContainerAction | undefined;
export function containerAction(fault: ResolvedFault, container?: ContainerPlan): ContainerAction | undefined {
  switch (fault.type) {
    case 'kill':
      if (container?.kind === 'service') {
        // Sent from inside (docker exec) by the image's node: it has no ps/pkill. A process whose
        // parent is PID 1 serves the part (an exec'd process has parent 0, outside the namespace).
        return { action: 'kill', signal: fault.signal, of: 'workers', exec: ['node', '-e', killWorkersScript(fault.signal)] };
      }
      return { action: 'kill', signal: fault.signal, of: 'main' };
    case 'freeze':
      // The cgroup freezer: every process of the container stops, as SIGSTOP to the tree does locally.
      return { action: 'pause', healWith: 'unpause' };
    case 'restart':
      // A bare service restarts inside its container (the holder restarts its child on SIGHUP), so
      // its address stays and connections meanwhile are refused at once, as locally. docker restart
      // would take the address away for the gap, and connections to it would hang.
      if (container?.kind === 'service' && !container.supervised) return { action: 'restart', of: 'holder-child', signal: 'SIGHUP' };
      return { action: 'restart' };
    default:
      return undefined;
  }
}

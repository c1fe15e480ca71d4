import path from 'node:path';
import { Toxiproxy, type Proxy as ToxiproxyProxy, type Toxic } from 'toxiproxy-node-client';
import { StackError, StackStartError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import { ManagedProcess } from '../core/process.ts';
import { freePort, waitUntil } from '../core/ports.ts';
import { INSTALL_TOOLS_FIX, toolPath } from '../core/tools.ts';
import { partDir, track, type RunResources, type StartedLocalPart } from './resources.ts';

const log = debug('stack:toxiproxy');

export interface ToxicSpec {
  name: string;
  type: 'latency' | 'timeout' | 'reset_peer' | 'bandwidth' | 'slow_close' | 'slicer' | 'limit_data';
  stream: 'upstream' | 'downstream';
  toxicity?: number;
  attributes: Readonly<Record<string, number>>;
}

export interface AppliedToxic {
  readonly proxy: string;
  readonly name: string;
  remove(): Promise<void>;
}

export interface StartedLinkProxy {
  readonly name: string;
  /** The port the proxy listens on (127.0.0.1; for containers, on the Toxiproxy container). */
  readonly listenPort: number;
  readonly upstream: string;
  addToxic(spec: ToxicSpec): Promise<AppliedToxic>;
  /** A disabled proxy refuses connections and drops open ones: how "down" is made. */
  setEnabled(enabled: boolean): Promise<void>;
  remove(): Promise<void>;
}

export interface StartedToxiproxy extends StartedLocalPart {
  readonly kind: 'toxiproxy';
  readonly apiUrl: string;
  readonly version: string;
  readonly pid: number | undefined;
  readonly process: ManagedProcess;
  readonly port: number;
  /** The connections each proxy accepted, counted from the server's log. */
  readonly accepts: AcceptCounter;
  createProxy(name: string, upstreamPort: number): Promise<StartedLinkProxy>;
  /** Every toxic on every proxy, straight from the server's API. */
  listToxics(): Promise<{ proxy: string; toxic: string }[]>;
}

/**
 * toxiproxy-node-client throws without the server's error body; read it ourselves so that the
 * error says what the server said.
 */
async function wrap<T>(what: string, apiUrl: string, probe: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    let body = '';
    try {
      const r = await fetch(`${apiUrl}${probe}`);
      body = `${r.status} ${(await r.text()).slice(0, 300)}`;
    } catch {
      body = 'the API did not answer';
    }
    throw new StackError(`toxiproxy: ${what} failed`, `API ${apiUrl}${probe}: ${body}`, 'check that the proxy or toxic exists and the server is running', e);
  }
}

/** The handle of a proxy on the Toxiproxy server at `apiUrl` (either backend's). */
function proxyHandle(p: ToxiproxyProxy, apiUrl: string): StartedLinkProxy {
  const listenPort = Number(p.listen.split(':').pop());
  const toxicHandle = (t: Toxic<unknown>): AppliedToxic => ({
    proxy: p.name,
    name: t.name,
    remove: () => wrap(`removing toxic ${t.name} from ${p.name}`, apiUrl, `/proxies/${encodeURIComponent(p.name)}/toxics`, () => t.remove()),
  });
  return {
    name: p.name,
    listenPort,
    upstream: p.upstream,
    addToxic: async (spec) =>
      toxicHandle(
        await wrap(`adding ${spec.type} toxic to ${p.name}`, apiUrl, `/proxies/${encodeURIComponent(p.name)}/toxics`, () =>
          p.addToxic({ name: spec.name, type: spec.type, stream: spec.stream, toxicity: spec.toxicity ?? 1, attributes: spec.attributes }),
        ),
      ),
    setEnabled: async (enabled) => {
      await wrap(`${enabled ? 'enabling' : 'disabling'} ${p.name}`, apiUrl, `/proxies/${encodeURIComponent(p.name)}`, () =>
        p.update({ enabled, listen: p.listen, upstream: p.upstream }),
      );
    },
    remove: () => wrap(`removing proxy ${p.name}`, apiUrl, `/proxies/${encodeURIComponent(p.name)}`, () => p.remove()),
  };
}

/**
 * What a link carried so far, cumulative: the connections its proxy accepted. (Not bytes:
 * Toxiproxy's -proxy-metrics adds a connection's bytes only when the connection closes, so a pooled
 * connection's traffic would show up minutes late, or never.)
 */
export interface LinkTraffic {
  connections: number;
}

/**
 * Counts the connections each proxy accepted, from the server's log lines as they come (its API
 * has no such counter; every accept is an info line: {"name":…,"message":"Accepted client"}).
 */
export class AcceptCounter {
  private readonly counts = new Map<string, number>();
  line(l: string): void {
    if (!l.includes('"Accepted client"')) return;
    try {
      const e = JSON.parse(l) as { name?: unknown; message?: unknown };
      if (e.message === 'Accepted client' && typeof e.name === 'string') this.counts.set(e.name, (this.counts.get(e.name) ?? 0) + 1);
    } catch {
      // A line cut by the log stream's chunking: not an accept we can name.
    }
  }
  of(proxy: string): number {
    return this.counts.get(proxy) ?? 0;
  }
}

/** Every link's traffic so far, by link name. */
export function linkTraffic(links: ReadonlyMap<string, StartedLinkProxy>, accepts: AcceptCounter): Map<string, LinkTraffic> {
  return new Map([...links].map(([link, proxy]) => [link, { connections: accepts.of(proxy.name) }]));
}

/** Every toxic on every proxy, straight from the server's API. */
export async function listToxics(apiUrl: string): Promise<{ proxy: string; toxic: string }[]> {
  const r = await fetch(`${apiUrl}/proxies`);
  const all = (await r.json()) as Record<string, { toxics: { name: string }[] }>;
  return Object.entries(all).flatMap(([proxy, v]) => v.toxics.map((t) => ({ proxy, toxic: t.name })));
}

/** Creates a proxy on the server at `apiUrl`, the server's error body in the error when it refuses. */
export async function createProxyAt(apiUrl: string, spec: { name: string; listen: string; upstream: string }): Promise<StartedLinkProxy> {
  const p = await wrap(`creating proxy ${spec.name}`, apiUrl, '/proxies', () => new Toxiproxy(apiUrl).createProxy({ ...spec, enabled: true }));
  return proxyHandle(p, apiUrl);
}

export async function startToxiproxy(res: RunResources, name = 'toxiproxy'): Promise<StartedToxiproxy> {
  const t0 = Date.now();
  const dir = partDir(res, name);
  const port = await freePort();
  const bin = toolPath('toxiproxy');
  const accepts = new AcceptCounter();
  const proc = new ManagedProcess({
    name,
    command: bin,
    args: ['-host', '127.0.0.1', '-port', String(port)],
    logFile: path.join(dir, 'toxiproxy.log'),
    onLine: (l) => accepts.line(l),
  });
  track(res, { pid: proc.pid, port });
  const stop = () => proc.stop(3000);
  res.cleanup.add(`${name} (pid ${proc.pid ?? '?'})`, stop);

  const apiUrl = `http://127.0.0.1:${port}`;
  const ready = await waitUntil(async () => (await fetch(`${apiUrl}/version`)).ok, {
    timeoutMs: 10_000,
    abort: () => (proc.hasExited ? proc.exitDescription : undefined),
  });
  if (!ready) {
    throw new StackStartError(
      name,
      proc.hasExited ? `server ${proc.exitDescription}` : 'API not answering after 10 s',
      proc.commandLine(),
      proc.tail(),
      INSTALL_TOOLS_FIX,
    );
  }
  const versionText = (await (await fetch(`${apiUrl}/version`)).text()).trim();
  // 2.12 answers {"version": "2.12.0"}; older servers answered the bare version.
  const version = /"version"\s*:\s*"([^"]+)"/.exec(versionText)?.[1] ?? versionText;
  log(`started on ${apiUrl} (version ${version}) in ${Date.now() - t0} ms`);

  return {
    kind: 'toxiproxy',
    name,
    apiUrl,
    version,
    get pid() {
      return proc.pid;
    },
    process: proc,
    port,
    accepts,
    createProxy: async (proxyName, upstreamPort) => {
      // Port 0: the server binds a free port itself and reports it, so there is no race for it.
      const handle = await createProxyAt(apiUrl, { name: proxyName, listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` });
      track(res, { port: handle.listenPort });
      res.cleanup.add(`proxy ${proxyName}`, async () => {
        if (!proc.hasExited) await handle.remove();
      });
      log(`proxy ${proxyName}: 127.0.0.1:${handle.listenPort} → 127.0.0.1:${upstreamPort}`);
      return handle;
    },
    listToxics: () => listToxics(apiUrl),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

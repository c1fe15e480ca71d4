import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackStartError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import type { ServerStateChange } from '../metrics/index.ts';
import { ManagedProcess } from '../core/process.ts';
import { freePort, portAnswers, waitUntil } from '../core/ports.ts';
import { partDir, track, type RunResources, type StartedLocalPart } from './resources.ts';

const log = debug('stack:haproxy');

export interface GatewayServer {
  /** The part's name; also the server's name in HAProxy's config and stats. */
  name: string;
  /** Where requests to it go: host:port (the Toxiproxy proxy in front of the service). */
  port: number;
  /** Default 127.0.0.1; the containers backend names the Toxiproxy container. */
  host?: string;
}

export interface GatewayOptions {
  name: string;
  servers: readonly GatewayServer[];
  timeoutMs: number;
  /** What the client gets when the service does not answer within timeoutMs. */
  timeoutStatus: 502 | 503 | 504;
  check?: { path: string; intervalMs: number; fall: number; rise: number } | undefined;
  leader?: { paths: readonly string[]; check: string } | undefined;
}

export interface StartedLocalGateway extends StartedLocalPart {
  readonly kind: 'gateway';
  readonly port: number;
  readonly url: string;
  readonly version: string;
  readonly process: ManagedProcess;
  /** Every state change of every server since start (the first entry per server is its state at start). */
  serverChanges(): readonly ServerStateChange[];
  /** HAProxy's count of access-log lines it could not write; undefined when it cannot be asked. */
  droppedLogLines(): Promise<number | undefined>;
  /** Each frontend's, backend's and server's cumulative counters (`show stat`). */
  counters(): Promise<ProxyCounters[]>;
}

const REASONS: Record<number, string> = { 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** HAProxy's config: one frontend, a backend of every server, a leader backend when asked for. */
export function haproxyConfig(o: {
  port: number;
  servers: readonly GatewayServer[];
  timeoutMs: number;
  timeoutErrorFile?: string;
  statsSocket?: string;
  check?: GatewayOptions['check'];
  leader?: GatewayOptions['leader'];
  /** The frontend's address: 127.0.0.1 locally, 0.0.0.0 inside a container. */
  bind?: string;
}): string {
  const c = o.check;
  const serverLines = o.servers.map((s) => {
    const checks = c ? ` check inter ${c.intervalMs}ms fall ${c.fall} rise ${c.rise}` : '';
    return `  server ${s.name} ${s.host ?? '127.0.0.1'}:${s.port}${checks}`;
  });
  const backend = (name: string, checkPath: string | undefined) => [
    `backend ${name}`,
    ...(checkPath ? [`  option httpchk GET ${checkPath}`] : []),
    ...serverLines,
  ];
  return [
    'global',
    '  maxconn 4096',
    // Access log and server state changes on stderr, which is the part's log file (kept in the report).
    '  log stderr format raw daemon',
    // The harness reads server states here (show stat); it is in the run's temp dir.
    ...(o.statsSocket ? [`  stats socket ${o.statsSocket} mode 600 level operator`] : []),
    'defaults',
    '  log global',
    '  mode http',
    '  option httplog',
    '  timeout connect 1s',
    '  timeout client 60s',
    `  timeout server ${o.timeoutMs}ms`,
    '  timeout queue 1s',
    '  retries 0',
    // HAProxy answers 504 on a server timeout; a gateway that answered 503 is reproduced by serving
    // a 503 response as the 504 error page (HAProxy sends error files verbatim).
    ...(o.timeoutErrorFile ? [`  errorfile 504 ${o.timeoutErrorFile}`] : []),
    'frontend edge',
    `  bind ${o.bind ?? '127.0.0.1'}:${o.port}`,
    // Leader-only paths go to the leader; with no leader up they fall through to any server.
    ...(o.leader ? [`  acl leader_path path_beg ${o.leader.paths.join(' ')}`, '  use_backend leader if leader_path { nbsrv(leader) gt 0 }'] : []),
    '  default_backend app',
    ...backend('app', c?.path),
    ...(o.leader ? backend('leader', o.leader.check) : []),
    '',
  ].join('\n');
}

/** `show stat` over the stats socket, as {backend, server, status, check} rows (servers only). */
export function parseShowStat(csv: string): { backend: string; server: string; status: string; check: string }[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.replace(/^#\s*/, '').split(',') ?? [];
  const px = header.indexOf('pxname');
  const sv = header.indexOf('svname');
  const st = header.indexOf('status');
  const ck = header.indexOf('check_status');
  if (px < 0 || sv < 0 || st < 0) return [];
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((f) => f[sv] !== 'FRONTEND' && f[sv] !== 'BACKEND')
    .map((f) => ({ backend: f[px] ?? '', server: f[sv] ?? '', status: f[st] ?? '', check: (ck < 0 ? '' : f[ck]) ?? '' }));
}

/** A server's (or a frontend's) cumulative traffic counters from `show stat`. */
export interface ProxyCounters {
  backend: string;
  /** The server's name, or FRONTEND / BACKEND for the proxy's own rows. */
  server: string;
  /** Connections (sessions) handed to it, cumulative (stot). */
  sessions: number;
  /** Connection attempts retried on the same server (wretr). */
  retries: number;
  /** Requests moved to another server after a failed attempt (wredis). */
  redispatches: number;
  /** HTTP requests (req_tot; frontends and backends in HTTP mode, else 0). */
  requests: number;
}

/** `show stat`'s cumulative counters, a row per frontend, backend and server. */
export function parseStatCounters(csv: string): ProxyCounters[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.replace(/^#\s*/, '').split(',') ?? [];
  const col = (name: string) => header.indexOf(name);
  const [px, sv] = [col('pxname'), col('svname')];
  if (px < 0 || sv < 0) return [];
  const num = (f: string[], name: string) => {
    const i = col(name);
    const v = i < 0 ? '' : (f[i] ?? '');
    return v === '' ? 0 : Number(v);
  };
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .map((f) => ({
      backend: f[px] ?? '',
      server: f[sv] ?? '',
      sessions: num(f, 'stot'),
      retries: num(f, 'wretr'),
      redispatches: num(f, 'wredis'),
      requests: num(f, 'req_tot'),
    }));
}

/** Every row's counters, read now. */
export async function statCounters(socket: StatsSocket): Promise<ProxyCounters[]> {
  return parseStatCounters(await showStat(socket));
}

/** Where HAProxy's stats socket is: a Unix socket path (local) or TCP (a container's mapped port). */
export type StatsSocket = string | { host: string; port: number };

function showStat(socket: StatsSocket): Promise<string> {
  return statsCommand(socket, 'show stat');
}

export function statsCommand(socket: StatsSocket, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const c = net.createConnection(typeof socket === 'string' ? { path: socket } : socket, () => c.end(`${command}\n`));
    c.setTimeout(1000, () => c.destroy(new Error('stats socket did not answer within 1 s')));
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    c.on('error', reject);
  });
}

/** `show info`'s DroppedLogs: log lines HAProxy could not write (its access log is short by as many). */
export function parseDroppedLogs(info: string): number | undefined {
  const m = /^DroppedLogs: (\d+)$/m.exec(info);
  return m ? Number(m[1]) : undefined;
}

/** How many access-log lines the gateway dropped so far; undefined when it cannot be asked. */
export async function droppedLogLines(socket: StatsSocket): Promise<number | undefined> {
  try {
    return parseDroppedLogs(await statsCommand(socket, 'show info'));
  } catch {
    return undefined;
  }
}

export interface ServerStateWatch {
  /** Every state change since the watch started (the first per server: its state then). */
  readonly changes: readonly ServerStateChange[];
  /** Every server checked at least once (not INI) and none half-way between UP and DOWN. */
  settled(): boolean;
  /**
   * Waits until settled, for as long as HAProxy may take to check every server fall + rise times
   * (and then some); undefined when settled, else what was seen. `abort` ends the wait early.
   */
  settle(check: { intervalMs: number; fall: number; rise: number }, abort?: () => string | undefined): Promise<string | undefined>;
  stop(): void;
}

/** Server states polled every 50 ms while the gateway runs: HAProxy's check timing, seen from outside. */
export async function watchServerStates(socket: StatsSocket): Promise<ServerStateWatch> {
  const changes: ServerStateChange[] = [];
  const last = new Map<string, string>();
  let settled = false;
  let watching = true;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    try {
      const rows = parseShowStat(await showStat(socket));
      for (const row of rows) {
        const key = `${row.backend}/${row.server}`;
        if (last.get(key) !== row.status) {
          last.set(key, row.status);
          changes.push({ atMs: Date.now(), backend: row.backend, server: row.server, status: row.status });
        }
      }
      settled = rows.length > 0 && rows.every((r) => !r.check.includes('INI') && (r.status === 'UP' || r.status === 'DOWN'));
    } catch (e) {
      log(`stats socket: ${(e as Error).message}`);
    }
    if (watching) timer = setTimeout(() => void poll(), 50);
  };
  await poll();
  return {
    changes,
    settled: () => settled,
    settle: async (check, abort) => {
      const limit = check.intervalMs * (check.fall + check.rise + 1) + 5000;
      if (await waitUntil(async () => settled, { timeoutMs: limit, intervalMs: 50, ...(abort ? { abort } : {}) })) return undefined;
      return `server states did not settle within ${limit} ms (${changes.map((c) => `${c.backend}/${c.server} ${c.status}`).join(', ') || 'none read'})`;
    },
    stop: () => {
      watching = false;
      clearTimeout(timer);
    },
  };
}

/** The longest stats socket path HAProxy takes ("socket path … too long (max 97)", HAProxy 2.6; the kernel's sun_path is 108). */
export const MAX_SOCKET_PATH = 97;

/**
 * A Unix socket path HAProxy takes: inside the part's dir when it fits, else in a short temp dir of
 * its own, removed at teardown. (100 bytes was allowed here once: a run dir of 98 failed to start.)
 */
export function adminSocketPath(dir: string, res: RunResources): string {
  const inDir = path.join(dir, 'stats.sock');
  if (Buffer.byteLength(inDir) <= MAX_SOCKET_PATH) return inDir;
  const short = mkdtempSync(path.join(os.tmpdir(), 'bo-'));
  res.cleanup.add(`stats socket dir ${short}`, async () => rmSync(short, { recursive: true, force: true }));
  return path.join(short, 's.sock');
}

/** The response HAProxy sends verbatim for a server timeout when the gateway answers 502 or 503 (an error file). */
export function timeoutErrorPage(status: 502 | 503, timeoutMs: number): string {
  const body = `gateway timeout after ${timeoutMs} ms\n`;
  return `HTTP/1.1 ${status} ${REASONS[status] ?? ''}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

export async function startGateway(opts: GatewayOptions, res: RunResources): Promise<StartedLocalGateway> {
  const t0 = Date.now();
  const dir = partDir(res, opts.name);
  const port = await freePort();
  let errorFile: string | undefined;
  if (opts.timeoutStatus !== 504) {
    errorFile = path.join(dir, `timeout-${opts.timeoutStatus}.http`);
    writeFileSync(errorFile, timeoutErrorPage(opts.timeoutStatus, opts.timeoutMs));
  }
  const cfg = path.join(dir, 'haproxy.cfg');
  const statsSocket = adminSocketPath(dir, res);
  writeFileSync(
    cfg,
    haproxyConfig({
      port,
      servers: opts.servers,
      timeoutMs: opts.timeoutMs,
      statsSocket,
      check: opts.check,
      leader: opts.leader,
      ...(errorFile ? { timeoutErrorFile: errorFile } : {}),
    }),
  );
  const bin = '/usr/sbin/haproxy';
  let version = '';
  try {
    version =
      (await promisify(execFile)(bin, ['-v'])).stdout
        .split('\n')[0]
        ?.replace(/^HAProxy version\s*/, '')
        .split(' ')[0] ?? '';
  } catch (e) {
    throw new StackStartError(opts.name, 'haproxy is not installed', `${bin} -v`, '', "run 'make setup' (it installs haproxy)", e);
  }
  // -db: stay in the foreground, so the harness owns the process.
  const proc = new ManagedProcess({ name: opts.name, command: bin, args: ['-db', '-f', cfg], logFile: path.join(dir, 'haproxy.log') });
  track(res, { pid: proc.pid, port });
  let watch: ServerStateWatch | undefined;
  const stop = async () => {
    watch?.stop();
    await proc.stop(3000);
  };
  res.cleanup.add(`${opts.name} (haproxy pid ${proc.pid ?? '?'})`, stop);
  const ready = await waitUntil(() => portAnswers(port), { timeoutMs: 10_000, abort: () => (proc.hasExited ? proc.exitDescription : undefined) });
  if (!ready) {
    throw new StackStartError(
      opts.name,
      proc.hasExited ? `haproxy ${proc.exitDescription}` : 'not listening after 10 s',
      proc.commandLine(),
      proc.tail(),
      `check the generated config ${cfg}`,
    );
  }
  if (opts.check) {
    // Load starts once HAProxy's view is settled: until its first checks ran, HAProxy counts every
    // server as up (a follower would take the leader's traffic).
    watch = await watchServerStates(statsSocket);
    const problem = await watch.settle(opts.check, () => (proc.hasExited ? proc.exitDescription : undefined));
    if (problem) throw new StackStartError(opts.name, problem, proc.commandLine(), proc.tail(), 'check that every server answers its health check path');
  }
  log(`started ${opts.name} on 127.0.0.1:${port} → ${opts.servers.map((s) => `${s.name} 127.0.0.1:${s.port}`).join(', ')} in ${Date.now() - t0} ms`);
  return {
    kind: 'gateway',
    name: opts.name,
    port,
    url: `http://127.0.0.1:${port}`,
    version,
    process: proc,
    serverChanges: () => [...(watch?.changes ?? [])],
    droppedLogLines: () => droppedLogLines(statsSocket),
    counters: () => statCounters(statsSocket),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

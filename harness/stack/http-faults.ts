import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackStartError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import { ManagedProcess } from '../core/process.ts';
import { freePort, portAnswers, waitUntil } from '../core/ports.ts';
import { adminSocketPath, statCounters, statsCommand, type StatsSocket } from './haproxy.ts';
import { partDir, track, type RunResources, type StartedLocalPart } from './resources.ts';

const log = debug('stack:http-faults');

/**
 * What an HTTP fault does to the requests of a link, as a rule of the link's HTTP fault proxy:
 * off until the timeline turns it on (by `id`), then for `share` of the requests whose path
 * starts with `path`. Toxiproxy speaks TCP only, so a link that carries HTTP faults goes through
 * an HAProxy of its own (client → Toxiproxy → this proxy → the part), whose rules do the HTTP.
 */
export type HttpRule = { id: string; path: string; share: number } & (
  | { action: 'error'; status: number; retryAfterS: number | undefined }
  | { action: 'delay'; delayMs: number }
  | { action: 'abort' }
);

/** A link's HTTP fault proxy as faults use it, whichever backend started it. */
export interface HttpFaultProxy {
  readonly link: string;
  /** Turns rule `id` on or off (HAProxy's runtime API: a map entry its rules read per request). */
  set(id: string, on: boolean): Promise<void>;
  /** The HTTP requests the link has carried so far (its frontend's req_tot): the calls its client made. */
  calls(): Promise<number>;
}

/** The HTTP requests through a link's fault proxy so far, from its stats. */
export async function linkCalls(socket: StatsSocket): Promise<number> {
  const front = (await statCounters(socket)).find((r) => r.backend === 'link' && r.server === 'FRONTEND');
  if (!front) throw new Error("no frontend 'link' in the HTTP fault proxy's stats");
  return front.requests;
}

/** Lua for what HAProxy's own actions cannot do: wait (without blocking other requests), and end a transaction with no answer. */
export const HTTP_FAULT_LUA = [
  '-- brownout: HTTP faults',
  'core.register_action("brownout_delay", { "http-req" }, function(txn)',
  '  local ms = tonumber(txn:get_var("txn.brownout_delay_ms"))',
  '  if ms and ms > 0 then core.msleep(ms) end',
  'end, 0)',
  '-- The part answered; the client gets the connection closed instead.',
  'core.register_action("brownout_abort", { "http-res" }, function(txn)',
  '  txn:done()',
  'end, 0)',
  '',
].join('\n');

/** Every rule off: the map the proxy starts with. */
export const httpFaultMap = (rules: readonly HttpRule[]): string => rules.map((r) => `${r.id} 0\n`).join('');

/** A share as HAProxy's rand(10000) bound; 1 is every request (no rand at all). */
function shareCondition(share: number): string {
  return share >= 1 ? '' : ` { rand(10000) -m int lt ${Math.round(share * 10000)} }`;
}

/**
 * The proxy's config. Transparent while no rule is on: keep-alive as the client has it, no
 * timeouts of its own (the client's and the part's decide), no retries, and no answers of its own
 * (empty error files: when the part cannot be reached the client's connection is closed, as
 * Toxiproxy alone would).
 */
export function httpFaultConfig(o: {
  bind: string;
  port: number;
  upstream: string;
  rules: readonly HttpRule[];
  mapFile: string;
  luaFile: string;
  adminSocket: string;
  emptyErrorFile: string;
}): string {
  const on = (r: HttpRule) => `{ str(${r.id}),map(${o.mapFile},0) -m int eq 1 } { path_beg ${r.path} }${shareCondition(r.share)}`;
  const lines: string[] = [];
  for (const r of o.rules) {
    if (r.action === 'error') {
      const body = `brownout: injected ${r.status} (${r.id})`;
      lines.push(
        `  http-request return status ${r.status} content-type text/plain string "${body}"${r.retryAfterS !== undefined ? ` hdr Retry-After ${r.retryAfterS}` : ''} if ${on(r)}`,
      );
    } else if (r.action === 'delay') {
      lines.push(`  http-request set-var(txn.brownout_delay_ms) int(${r.delayMs}) if ${on(r)}`);
    } else {
      lines.push(`  http-request set-var(txn.brownout_abort) int(1) if ${on(r)}`);
    }
  }
  return [
    'global',
    '  maxconn 4096',
    '  log stderr format raw daemon',
    `  stats socket ${o.adminSocket} mode 600 level admin`,
    `  lua-load ${o.luaFile}`,
    'defaults',
    '  log global',
    '  mode http',
    '  option httplog',
    '  timeout connect 5s',
    '  timeout client 1h',
    '  timeout server 1h',
    '  retries 0',
    ...[400, 403, 408, 500, 502, 503, 504].map((s) => `  errorfile ${s} ${o.emptyErrorFile}`),
    'frontend link',
    `  bind ${o.bind}:${o.port}`,
    ...lines,
    ...(o.rules.some((r) => r.action === 'delay') ? ['  http-request lua.brownout_delay if { var(txn.brownout_delay_ms) -m found }'] : []),
    ...(o.rules.some((r) => r.action === 'abort') ? ['  http-response lua.brownout_abort if { var(txn.brownout_abort) -m found }'] : []),
    '  default_backend part',
    'backend part',
    `  server part ${o.upstream}`,
    '',
  ].join('\n');
}

/** The label's words for a rule: 'HTTP 503 (Retry-After 2) for 30% of requests to /api'. */
export function httpRuleText(r: HttpRule): string {
  const what =
    r.action === 'error'
      ? `HTTP ${r.status}${r.retryAfterS !== undefined ? ` (Retry-After ${r.retryAfterS})` : ''}`
      : r.action === 'delay'
        ? `HTTP delay ${r.delayMs} ms`
        : 'HTTP answers dropped';
  const share = r.share >= 1 ? 'every request' : `${Math.round(r.share * 1000) / 10}% of requests`;
  return `${what} for ${share}${r.path === '/' ? '' : ` to ${r.path}`}`;
}

/** Turns a rule on or off through the runtime API; HAProxy answers nothing on success. */
export async function setHttpRule(socket: StatsSocket, mapFile: string, link: string, id: string, on: boolean): Promise<void> {
  const answer = (await statsCommand(socket, `set map ${mapFile} ${id} ${on ? 1 : 0}`)).trim();
  if (answer !== '') throw new Error(`HTTP fault proxy of ${link}: 'set map ${id}' answered: ${answer}`);
}

export interface StartedHttpFaultProxy extends StartedLocalPart, HttpFaultProxy {
  readonly port: number;
  readonly process: ManagedProcess;
}

/** A link's HTTP fault proxy on loopback, forwarding to 127.0.0.1:upstreamPort; every rule off. */
export async function startHttpFaultProxy(
  link: { name: string; from: string; to: string },
  upstreamPort: number,
  rules: readonly HttpRule[],
  res: RunResources,
): Promise<StartedHttpFaultProxy> {
  const name = `http-${link.from}-${link.to}`;
  const dir = partDir(res, name);
  const port = await freePort();
  const mapFile = path.join(dir, 'rules.map');
  const luaFile = path.join(dir, 'faults.lua');
  const emptyErrorFile = path.join(dir, 'empty.http');
  const adminSocket = adminSocketPath(dir, res);
  writeFileSync(mapFile, httpFaultMap(rules));
  writeFileSync(luaFile, HTTP_FAULT_LUA);
  writeFileSync(emptyErrorFile, '');
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfg, httpFaultConfig({ bind: '127.0.0.1', port, upstream: `127.0.0.1:${upstreamPort}`, rules, mapFile, luaFile, adminSocket, emptyErrorFile }));
  const proc = new ManagedProcess({ name, command: '/usr/sbin/haproxy', args: ['-db', '-f', cfg], logFile: path.join(dir, 'haproxy.log') });
  track(res, { pid: proc.pid, port });
  const stop = async () => {
    await proc.stop(3000);
  };
  res.cleanup.add(`${name} (haproxy pid ${proc.pid ?? '?'})`, stop);
  const ready = await waitUntil(() => portAnswers(port), { timeoutMs: 10_000, abort: () => (proc.hasExited ? proc.exitDescription : undefined) });
  if (!ready)
    throw new StackStartError(
      name,
      proc.hasExited ? `haproxy ${proc.exitDescription}` : 'not listening after 10 s',
      proc.commandLine(),
      proc.tail(),
      `check the generated config ${cfg}`,
    );
  log(`started ${name} on 127.0.0.1:${port} → 127.0.0.1:${upstreamPort}, rules ${rules.map((r) => r.id).join(', ')}`);
  return {
    name,
    link: link.name,
    port,
    process: proc,
    set: (id, on) => setHttpRule(adminSocket, mapFile, link.name, id, on),
    calls: () => linkCalls(adminSocket),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackStartError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import { ManagedProcess } from '../core/process.ts';
import { freePort, portAnswers, waitUntil } from '../core/ports.ts';
import { partDir, track, type RunResources, type StartedPart } from './resources.ts';

const log = debug('stack:haproxy');

export interface GatewayOptions {
  name: string;
  /** Where requests go: 127.0.0.1:port (the Toxiproxy proxy in front of the service). */
  upstreamPort: number;
  timeoutMs: number;
  /** What the client gets when the service does not answer within timeoutMs. */
  timeoutStatus: 502 | 503 | 504;
}

export interface StartedGateway extends StartedPart {
  readonly kind: 'gateway';
  readonly port: number;
  readonly url: string;
  readonly version: string;
  readonly process: ManagedProcess;
}

const REASONS: Record<number, string> = { 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** HAProxy's config: one frontend, one backend server, the server timeout as the gateway's limit. */
export function haproxyConfig(o: { port: number; upstreamPort: number; timeoutMs: number; timeoutErrorFile?: string }): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
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
    `  bind 127.0.0.1:${o.port}`,
    '  default_backend app',
    'backend app',
    `  server app1 127.0.0.1:${o.upstreamPort}`,
    '',
  ].join('\n');
}

export async function startGateway(opts: GatewayOptions, res: RunResources): Promise<StartedGateway> {
  const t0 = Date.now();
  const dir = partDir(res, opts.name);
  const port = await freePort();
  let errorFile: string | undefined;
  if (opts.timeoutStatus !== 504) {
    errorFile = path.join(dir, `timeout-${opts.timeoutStatus}.http`);
    const body = `gateway timeout after ${opts.timeoutMs} ms\n`;
    writeFileSync(
      errorFile,
      `HTTP/1.1 ${opts.timeoutStatus} ${REASONS[opts.timeoutStatus] ?? ''}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig({ port, upstreamPort: opts.upstreamPort, timeoutMs: opts.timeoutMs, ...(errorFile ? { timeoutErrorFile: errorFile } : {}) }));
  const bin = '/usr/sbin/haproxy';
  let version = '';
  try {
    version = (await promisify(execFile)(bin, ['-v'])).stdout.split('\n')[0]?.replace(/^HAProxy version\s*/, '').split(' ')[0] ?? '';
  } catch (e) {
    throw new StackStartError(opts.name, 'haproxy is not installed', `${bin} -v`, '', "run 'make setup' (it installs haproxy)", e);
  }
  // -db: stay in the foreground, so the harness owns the process.
  const proc = new ManagedProcess({ name: opts.name, command: bin, args: ['-db', '-f', cfg], logFile: path.join(dir, 'haproxy.log') });
  track(res, { pid: proc.pid, port });
  const stop = () => proc.stop(3000);
  res.cleanup.add(`${opts.name} (haproxy pid ${proc.pid ?? '?'})`, stop);
  const ready = await waitUntil(() => portAnswers(port), { timeoutMs: 10_000, abort: () => (proc.hasExited ? proc.exitDescription : undefined) });
  if (!ready) {
    throw new StackStartError(opts.name, proc.hasExited ? `haproxy ${proc.exitDescription}` : 'not listening after 10 s', proc.commandLine(), proc.tail(), `check the generated config ${cfg}`);
  }
  log(`started ${opts.name} on 127.0.0.1:${port} → 127.0.0.1:${opts.upstreamPort} in ${Date.now() - t0} ms`);
  return { kind: 'gateway', name: opts.name, port, url: `http://127.0.0.1:${port}`, version, process: proc, stop, [Symbol.asyncDispose]: stop };
}

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { StackStartError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import { ManagedProcess } from '../core/process.ts';
import { freePort, waitUntil } from '../core/ports.ts';
import { partDir, track, type RunResources, type StartedLocalPart } from './resources.ts';

const log = debug('stack:redis');
const BIN = '/usr/bin/redis-server';

export interface StartedLocalRedis extends StartedLocalPart {
  readonly kind: 'redis';
  readonly port: number;
  readonly url: string;
  readonly version: string;
  readonly process: ManagedProcess;
  /** FLUSHALL, straight to the server (not through Toxiproxy). */
  flushAll(): Promise<void>;
  /** Any command, straight to the server (the cache faults: CLIENT PAUSE, CONFIG SET, SCAN, ...). */
  command(args: readonly string[]): Promise<unknown>;
}

/** The commands the harness itself sends. */
interface AdminClient {
  ping(): Promise<string>;
  flushAll(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
}

/** Sends one command on a short-lived client, straight to the server. */
async function withClient<T>(url: string, fn: (c: AdminClient) => Promise<T>): Promise<T> {
  const c = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  c.on('error', () => undefined); // reported through the awaited command instead
  await c.connect();
  try {
    return await fn(c);
  } finally {
    c.destroy();
  }
}

/** FLUSHALL on a short-lived client, straight to the server at `url`. */
export function flushRedis(url: string): Promise<void> {
  return withClient(url, async (c) => void (await c.flushAll()));
}

/** One command on a short-lived client, straight to the server at `url`; Redis's own reply. */
export function redisCommand(url: string, args: readonly string[]): Promise<unknown> {
  return withClient(url, (c) => c.sendCommand([...args]));
}

/** A Redis server on a free loopback port, no persistence, its files in the run's temp dir. */
export async function startRedis(opts: { name: string }, res: RunResources): Promise<StartedLocalRedis> {
  const t0 = Date.now();
  const dir = partDir(res, opts.name);
  const port = await freePort();
  let version = '';
  try {
    version = /v=(\S+)/.exec((await promisify(execFile)(BIN, ['--version'])).stdout)?.[1] ?? '';
  } catch (e) {
    throw new StackStartError(opts.name, 'redis-server is not installed', `${BIN} --version`, '', "run 'make setup' (it installs redis-server)", e);
  }
  const proc = new ManagedProcess({
    name: opts.name,
    command: BIN,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', ''],
    logFile: path.join(dir, 'redis.log'),
  });
  track(res, { pid: proc.pid, port });
  const stop = () => proc.stop(3000);
  res.cleanup.add(`${opts.name} (redis pid ${proc.pid ?? '?'})`, stop);
  const url = `redis://127.0.0.1:${port}`;
  const ready = await waitUntil(() => withClient(url, async (c) => (await c.ping()) === 'PONG'), {
    timeoutMs: 10_000,
    intervalMs: 50,
    abort: () => (proc.hasExited ? proc.exitDescription : undefined),
  });
  if (!ready)
    throw new StackStartError(
      opts.name,
      proc.hasExited ? `redis-server ${proc.exitDescription}` : 'no PONG within 10 s',
      proc.commandLine(),
      proc.tail(),
      'read the log above',
    );
  log(`started ${opts.name} on ${url} in ${Date.now() - t0} ms`);
  return {
    kind: 'redis',
    name: opts.name,
    port,
    url,
    version,
    process: proc,
    flushAll: () => flushRedis(url),
    command: (args) => redisCommand(url, args),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

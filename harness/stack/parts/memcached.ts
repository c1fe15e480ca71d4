import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { StackStartError } from '../../core/errors.ts';
import { ManagedProcess } from '../../core/process.ts';
import { freePort, waitUntil } from '../../core/ports.ts';
import { alias } from '../containers/base.ts';
import { partDir, track, type StartedLocalPart } from '../resources.ts';
import {
  type ComposeContext,
  type ComposeService,
  type ContainerPlanBase,
  envPrefix,
  hostPortEnv,
  type LocalStartContext,
  mainProcessFaults,
  type PartKind,
} from './part.ts';

/**
 * A memcached server, started fresh (64 MB, nothing kept). Services that depend on it get
 * <NAME>_HOST, <NAME>_PORT and <NAME>_SERVERS = host:port (the form memcached clients take).
 * Its faults: kill, freeze, cpu, memory (any part's), flushCache (flush_all), and the link's toxics.
 */
export interface MemcachedPart {
  kind: 'memcached';
}

export interface ResolvedMemcached {
  kind: 'memcached';
  name: string;
}

export const memcached = (): MemcachedPart => ({ kind: 'memcached' });

const BIN = '/usr/bin/memcached';
const PORT = 11211;
/** Its memory for items, MB (memcached's own default). */
const MEMORY_MB = 64;

/** One line of memcached's text protocol sent, its answer's first line back; rejects after 1 s. */
export function memcachedCommand(host: string, port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let got = '';
    const done = (e?: Error) => {
      socket.destroy();
      if (e) reject(e);
      else resolve(got.split('\r\n')[0] ?? '');
    };
    socket.setTimeout(1000, () => done(new Error(`memcached at ${host}:${port}: no answer to '${line}' within 1 s`)));
    socket.on('error', (e) => done(e));
    socket.on('data', (b) => {
      got += b.toString('latin1');
      if (got.includes('\r\n')) done();
    });
    socket.on('connect', () => socket.write(`${line}\r\n`));
  });
}

/** flush_all, straight to the server (not through Toxiproxy). */
async function flushAll(host: string, port: number): Promise<void> {
  const answer = await memcachedCommand(host, port, 'flush_all');
  if (answer !== 'OK') throw new Error(`memcached at ${host}:${port} answered '${answer}' to flush_all`);
}

// ---- Local: a process on a free loopback port.

export interface StartedLocalMemcached extends StartedLocalPart {
  readonly kind: 'memcached';
  readonly port: number;
  readonly version: string;
  readonly process: ManagedProcess;
  flushAll(): Promise<void>;
}

async function startLocal(name: string, ctx: LocalStartContext): Promise<StartedLocalMemcached> {
  const { res } = ctx;
  const dir = partDir(res, name);
  let version = '';
  try {
    version = /memcached (\S+)/.exec((await promisify(execFile)(BIN, ['-V'])).stdout)?.[1] ?? '';
  } catch (e) {
    throw new StackStartError(name, 'memcached is not installed', `${BIN} -V`, '', "run 'make setup' (it installs memcached)", e);
  }
  const port = await freePort();
  // root may run it only as a named user; -U 0: no UDP (the links are TCP, through Toxiproxy).
  const proc = new ManagedProcess({
    name,
    command: BIN,
    args: ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', String(MEMORY_MB), ...(process.getuid?.() === 0 ? ['-u', 'root'] : [])],
    logFile: path.join(dir, 'memcached.log'),
  });
  track(res, { pid: proc.pid, port });
  const stop = () => proc.stop(3000);
  res.cleanup.add(`${name} (memcached pid ${proc.pid ?? '?'})`, stop);
  const ready = await waitUntil(async () => (await memcachedCommand('127.0.0.1', port, 'version')).startsWith('VERSION'), {
    timeoutMs: 10_000,
    intervalMs: 50,
    abort: () => (proc.hasExited ? proc.exitDescription : undefined),
  });
  if (!ready)
    throw new StackStartError(
      name,
      proc.hasExited ? `memcached ${proc.exitDescription}` : 'no VERSION within 10 s',
      proc.commandLine(),
      proc.tail(),
      'read the log above',
    );
  return { kind: 'memcached', name, port, version, process: proc, flushAll: () => flushAll('127.0.0.1', port), stop, [Symbol.asyncDispose]: stop };
}

// ---- Containers: brownout's memcached image, the same settings.

export interface MemcachedPlan extends ContainerPlanBase {
  kind: 'memcached';
  image: string;
  command: string[];
}

/** A compose file's memcached service as brownout's (fresh, 64 MB): its command's own options are not honoured, and said so. */
function memcachedFromCompose(svc: ComposeService, ctx: ComposeContext): MemcachedPart {
  const [program, ...args] = svc.command ?? ['memcached'];
  if (program !== 'memcached' || args.length)
    ctx.problem(
      'command',
      `brownout runs its own memcached (fresh, ${MEMORY_MB} MB); it cannot honour ${args.length ? args.join(' ') : `'${program}'`}`,
      `remove the command, or run the image as it is: fromCompose(file, { kinds: { ${svc.name}: 'service' } })`,
    );
  return { kind: 'memcached' };
}

export const memcachedKind: PartKind<MemcachedPart, ResolvedMemcached, StartedLocalMemcached, MemcachedPlan> = {
  kind: 'memcached',
  versionName: 'memcached',
  schema: z.strictObject({ kind: z.literal('memcached') }),
  resolve: (_p, ctx) => ({ kind: 'memcached', name: ctx.name }),
  after: () => [],
  dependencyEnv: (part, reach) => ({ ...hostPortEnv(part.name, reach), [`${envPrefix(part.name)}_SERVERS`]: `${reach.host}:${reach.port}` }),
  // No command waits on the server: only the client's limit counts.
  waits: (part) => ({ kind: 'other', name: part.name }),
  start: (part, ctx) => startLocal(part.name, ctx),
  version: (started) => started.version,
  plan: (part, ctx) => ({
    kind: 'memcached',
    part: part.name,
    alias: alias(part.name),
    image: ctx.images.memcached,
    requires: [ctx.images.memcached],
    port: PORT,
    command: ['memcached', '-l', '0.0.0.0', '-p', String(PORT), '-U', '0', '-m', String(MEMORY_MB)],
  }),
  startContainer: async (c, ctx) => {
    const { onRunNetwork, Wait } = await import('../containers/container.ts');
    return onRunNetwork(c.image, c.alias, ctx).withCommand(c.command).withExposedPorts(c.port).withWaitStrategy(Wait.forListeningPorts()).start();
  },
  compose: { images: /(^|\/)memcached(:|@|$)/, from: memcachedFromCompose },
  startedInContainer: async (c, container, ctx) => {
    const host = container.getHost();
    const port = container.getMappedPort(c.port);
    return { part: { kind: 'memcached', name: c.part, flushAll: () => flushAll(host, port) }, faults: mainProcessFaults(ctx.control) };
  },
};

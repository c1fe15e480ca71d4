import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { StackStartError } from '../core/errors.ts';
import { expandVars } from '../core/expand.ts';
import { debug } from '../core/log.ts';
import { ManagedProcess, quotedCommand } from '../core/process.ts';
import { freePort, waitUntil } from '../core/ports.ts';
import { describeHealth, expandHealth, probeLocal, type Health, type ProbeAnswer } from './health.ts';
import { partDir, track, type RunResources, type StartedLocalPart } from './resources.ts';

const log = debug('stack:service');

export interface ServiceOptions {
  name: string;
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  health: Health;
  startupTimeoutMs: number;
  /** A fixed port; default a free one. */
  port?: number;
  /** Run under pm2-runtime, which restarts the command when it dies. */
  supervisor?: 'pm2';
  /** PM2's max_memory_restart in bytes (under pm2 only). */
  maxMemoryRestartBytes?: number;
  /** Where the command (and setup) runs. Default: the harness's working directory. */
  cwd?: string;
  /** Run once before the command, same folder and environment; its lines are shown as they come. */
  setup?: { command: readonly string[]; timeoutMs: number };
}

const require = createRequire(import.meta.url);

/**
 * PM2's ecosystem for a service, on either backend: the command as a binary (interpreter none; `node`
 * as the given node binary), restarted at once when it dies, in `cwd`.
 */
/** PM2's own settings brownout runs it with: its worker (max_memory_restart's check) every second, not every 30 s, for scaled-down scenarios. */
export const PM2_DAEMON_ENV = { PM2_WORKER_INTERVAL: '1000' } as const;

export function pm2Ecosystem(o: {
  name: string;
  command: readonly string[];
  cwd: string;
  node: string;
  env?: Record<string, string>;
  maxMemoryRestartBytes?: number;
}): string {
  const [program = '', ...args] = o.command;
  const app = {
    name: o.name,
    script: program === 'node' ? o.node : program,
    args,
    interpreter: 'none',
    cwd: o.cwd,
    autorestart: true,
    restart_delay: 0,
    min_uptime: 200,
    max_restarts: 1000,
    ...(o.maxMemoryRestartBytes ? { max_memory_restart: o.maxMemoryRestartBytes } : {}),
    ...(o.env ? { env: o.env } : {}),
  };
  return JSON.stringify({ apps: [app] }, null, 2);
}

/**
 * The argv that runs `command` under pm2-runtime: an ecosystem file with the command as a binary
 * (interpreter none), restarted at once when it dies; PM2_HOME inside the part's dir.
 */
function underPm2(
  name: string,
  command: readonly string[],
  env: Record<string, string>,
  dir: string,
  cwd: string,
  maxMemoryRestartBytes: number | undefined,
): { argv: string[]; env: Record<string, string> } {
  const ecosystem = path.join(dir, 'ecosystem.json');
  // It holds the service's whole environment: readable by this user only.
  writeFileSync(ecosystem, pm2Ecosystem({ name, command, cwd, node: process.execPath, env, ...(maxMemoryRestartBytes ? { maxMemoryRestartBytes } : {}) }), {
    mode: 0o600,
  });
  const pm2Runtime = path.join(path.dirname(require.resolve('pm2/package.json')), 'bin', 'pm2-runtime');
  return { argv: [process.execPath, pm2Runtime, 'start', ecosystem], env: { ...env, ...PM2_DAEMON_ENV, PM2_HOME: path.join(dir, 'pm2-home') } };
}

export interface StartedLocalService extends StartedLocalPart {
  readonly kind: 'service';
  readonly port: number;
  readonly url: string;
  /** The current process (a new one after restart()). */
  readonly process: ManagedProcess;
  /** Stops the process and starts it again on the same port, ready when health answers 200. */
  restart(): Promise<void>;
}

/**
 * How long a health path may answer the same 4xx before the start fails, without waiting out
 * startupTimeout: a service that is up and says 404 will not say 200 on that path later.
 */
const WRONG_PATH_MS = 3_000;

/** The service under test (or a helper): a child process serving HTTP on $PORT, ready when `health` answers 200. */
export async function startService(opts: ServiceOptions, res: RunResources): Promise<StartedLocalService> {
  const t0 = Date.now();
  const dir = partDir(res, opts.name);
  const port = opts.port ?? (await freePort());
  // The harness's values (PORT, HOST, each dependency's) can be named as ${NAME} in the command and env.
  const own: Record<string, string> = { ...opts.env, PORT: String(port), HOST: '127.0.0.1' };
  const env = Object.fromEntries(Object.entries(own).map(([k, v]) => [k, expandVars(v, own)]));
  const argv = opts.command.map((a) => expandVars(a, env));
  const health = expandHealth(opts.health, (a) => expandVars(a, env));
  const run = opts.supervisor === 'pm2' ? underPm2(opts.name, argv, env, dir, opts.cwd ?? process.cwd(), opts.maxMemoryRestartBytes) : { argv, env };
  const [command = '', ...args] = run.argv;
  // What an error names: the command the user wrote (under PM2 the process is pm2-runtime and a temporary ecosystem file).
  const shown = opts.supervisor === 'pm2' ? `${quotedCommand(argv)} (under pm2-runtime)` : quotedCommand(run.argv);
  const url = `http://127.0.0.1:${port}`;
  if (opts.setup) await runSetup(opts, { ...opts.setup, command: opts.setup.command.map((a) => expandVars(a, env)) }, env, dir, res);
  const spawnOne = () =>
    new ManagedProcess({
      name: opts.name,
      command,
      args,
      env: run.env,
      logFile: path.join(dir, `${opts.name}.log`),
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
  let proc = spawnOne();
  track(res, { pid: proc.pid, port });
  // Always the current process: restart() replaces it.
  const stop = () => proc.stop(3000);
  res.cleanup.add(`${opts.name} (service)`, stop);

  const waitHealthy = async () => {
    const p = proc;
    // What the last probe found: the error says it (a 404 means another path, not a slow start).
    let last: ProbeAnswer | undefined;
    // Since when the health path has answered the same 4xx: a path the service does not serve, whatever the wait.
    let clientErrorSince: number | undefined;
    const ready = await waitUntil(
      async () => {
        const a = await probeLocal(health, { port, env: run.env, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
        const clientError = a.status !== undefined && a.status >= 400 && a.status < 500;
        clientErrorSince = clientError && a.status === last?.status ? (clientErrorSince ?? Date.now()) : undefined;
        last = a;
        return a.ready;
      },
      {
        timeoutMs: opts.startupTimeoutMs,
        intervalMs: 50,
        abort: () =>
          p.hasExited ? p.exitDescription : clientErrorSince !== undefined && Date.now() - clientErrorSince >= WRONG_PATH_MS ? 'a client error' : undefined,
      },
    );
    if (!ready) throw notReady({ ...opts, health }, { process: p, shown, port, last, wrongPath: clientErrorSince !== undefined });
  };
  await waitHealthy();
  log(`started ${opts.name} on ${url} in ${Date.now() - t0} ms`);
  return {
    kind: 'service',
    name: opts.name,
    port,
    url,
    get process() {
      return proc;
    },
    restart: async () => {
      await proc.stop(3000);
      proc = spawnOne();
      track(res, { pid: proc.pid });
      await waitHealthy();
    },
    stop: () => stop(),
    [Symbol.asyncDispose]: () => stop(),
  };
}

/** Why a part's start failed: its process exited, its health path answered something else, or nothing was ready in time. */
function notReady(
  opts: ServiceOptions,
  o: { process: ManagedProcess; shown: string; port: number; last: ProbeAnswer | undefined; wrongPath: boolean },
): StackStartError {
  const p = o.process;
  const ready = describeHealth(opts.health);
  if (p.hasExited)
    return new StackStartError(
      opts.name,
      `the process ${p.exitDescription} before ${ready}`,
      o.shown,
      p.tail(),
      `read the log lines above; the process must keep running (it is ready when ${ready})`,
    );
  const path = 'http' in opts.health ? opts.health.http : undefined;
  const answer = o.last?.status;
  if (path !== undefined && answer !== undefined)
    return new StackStartError(
      opts.name,
      `${path} answered ${answer}${o.last?.statusText ? ` ${o.last.statusText}` : ''}, not 200, for ${o.wrongPath ? `${WRONG_PATH_MS} ms (a 4xx the whole time: a path it does not serve, not a slow start)` : `${opts.startupTimeoutMs} ms`}`,
      o.shown,
      p.tail(),
      `set the service's health option to a path that answers 200 when it is ready (now '${path}'), e.g. health: '/', or health: 'tcp' for a server that is not HTTP`,
    );
  if ('command' in opts.health)
    return new StackStartError(
      opts.name,
      `\`${opts.health.command.join(' ')}\` did not exit 0 within ${opts.startupTimeoutMs} ms${o.last?.said ? ` (last: ${o.last.said})` : ''}`,
      o.shown,
      p.tail(),
      `make the health command exit 0 once the part is ready (it runs in the part's folder with its environment, PORT=${o.port}), or raise startupTimeout (now ${opts.startupTimeoutMs} ms)`,
    );
  return new StackStartError(
    opts.name,
    `nothing ${'tcp' in opts.health ? 'accepted a connection' : 'answered'} on 127.0.0.1:${o.port} within ${opts.startupTimeoutMs} ms`,
    o.shown,
    p.tail(),
    `make the part listen on 127.0.0.1:$PORT (it gets PORT=${o.port} and HOST=127.0.0.1 in its environment), give port: if it cannot take $PORT, or raise startupTimeout (now ${opts.startupTimeoutMs} ms)`,
  );
}

/** The service's setup step: once, before the service starts; a failure stops the run with its output. */
async function runSetup(
  opts: ServiceOptions,
  setup: NonNullable<ServiceOptions['setup']>,
  env: Record<string, string>,
  dir: string,
  res: RunResources,
): Promise<void> {
  const t0 = Date.now();
  const [command = '', ...args] = setup.command;
  res.say?.(`${opts.name}: setup ${[command, ...args].join(' ')}`);
  const proc = new ManagedProcess({
    name: `${opts.name} setup`,
    command,
    args,
    env,
    logFile: path.join(dir, `${opts.name}-setup.log`),
    onLine: (line) => res.say?.(`${opts.name} setup | ${line}`),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  track(res, { pid: proc.pid });
  res.cleanup.add(`${opts.name} setup`, () => proc.stop(3000));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), setup.timeoutMs);
  });
  const ended = await Promise.race([proc.exited, timedOut]);
  clearTimeout(timer);
  if (ended === 'timeout') {
    await proc.stop(3000);
    throw new StackStartError(
      opts.name,
      `setup did not finish within ${setup.timeoutMs} ms`,
      proc.commandLine(),
      proc.tail(),
      'make the setup step finish (it must not start the server itself), or raise setupTimeout',
    );
  }
  await proc.stop(3000);
  if (ended.code !== 0) {
    throw new StackStartError(
      opts.name,
      `setup ${proc.exitDescription}`,
      proc.commandLine(),
      proc.tail(),
      `fix the setup step (its output is above and in ${opts.name}-setup.log of the run's logs)`,
    );
  }
  log(`${opts.name}: setup done in ${Date.now() - t0} ms`);
}

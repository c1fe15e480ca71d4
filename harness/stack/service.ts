import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { StackStartError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import { ManagedProcess } from '../core/process.ts';
import { freePort, waitUntil } from '../core/ports.ts';
import { partDir, track, type RunResources, type StartedPart } from './resources.ts';

const log = debug('stack:service');

export interface ServiceOptions {
  name: string;
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  health: string;
  startupTimeoutMs: number;
  /** A fixed port; default a free one. */
  port?: number;
  /** Run under pm2-runtime, which restarts the command when it dies. */
  supervisor?: 'pm2';
  cwd?: string;
}

const require = createRequire(import.meta.url);

/**
 * The argv that runs `command` under pm2-runtime: an ecosystem file with the command as a binary
 * (interpreter none), restarted at once when it dies; PM2_HOME inside the part's dir.
 */
function underPm2(name: string, command: readonly string[], env: Record<string, string>, dir: string): { argv: string[]; env: Record<string, string> } {
  const [program = '', ...args] = command;
  const script = program === 'node' ? process.execPath : program;
  const ecosystem = path.join(dir, 'ecosystem.json');
  writeFileSync(
    ecosystem,
    JSON.stringify({ apps: [{ name, script, args, interpreter: 'none', cwd: process.cwd(), autorestart: true, restart_delay: 0, min_uptime: 200, max_restarts: 1000, env }] }, null, 2),
  );
  const pm2Runtime = path.join(path.dirname(require.resolve('pm2/package.json')), 'bin', 'pm2-runtime');
  return { argv: [process.execPath, pm2Runtime, 'start', ecosystem], env: { ...env, PM2_HOME: path.join(dir, 'pm2-home') } };
}

export interface StartedService extends StartedPart {
  readonly kind: 'service';
  readonly port: number;
  readonly url: string;
  /** The current process (a new one after restart()). */
  readonly process: ManagedProcess;
  /** Stops the process and starts it again on the same port, ready when health answers 200. */
  restart(): Promise<void>;
}

/** The service under test (or a helper): a child process serving HTTP on $PORT, ready when `health` answers 200. */
export async function startService(opts: ServiceOptions, res: RunResources): Promise<StartedService> {
  const t0 = Date.now();
  const dir = partDir(res, opts.name);
  const port = opts.port ?? (await freePort());
  const env = { ...opts.env, PORT: String(port), HOST: '127.0.0.1' };
  const run = opts.supervisor === 'pm2' ? underPm2(opts.name, opts.command, env, dir) : { argv: [...opts.command], env };
  const [command = '', ...args] = run.argv;
  const url = `http://127.0.0.1:${port}`;
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
    const ready = await waitUntil(async () => (await fetch(`${url}${opts.health}`, { signal: AbortSignal.timeout(1000) })).status === 200, {
      timeoutMs: opts.startupTimeoutMs,
      intervalMs: 50,
      abort: () => (p.hasExited ? p.exitDescription : undefined),
    });
    if (!ready) {
      throw new StackStartError(
        opts.name,
        p.hasExited ? `the process ${p.exitDescription} before ${opts.health} answered 200` : `${opts.health} did not answer 200 within ${opts.startupTimeoutMs} ms`,
        p.commandLine(),
        p.tail(),
        `make the service listen on 127.0.0.1:$PORT and answer 200 on ${opts.health}, or raise startupTimeout`,
      );
    }
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

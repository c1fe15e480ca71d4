import { execFile } from 'node:child_process';
import net from 'node:net';
import { z } from 'zod';
import { URL_PATH } from './parts/part.ts';

/**
 * When a part is ready, as a scenario writes it (testcontainers' Wait.forHttp, forListeningPorts,
 * forSuccessfulCommand; compose's healthcheck `test`):
 * - a path ('/health'): it answers HTTP 200 there;
 * - 'tcp': its port accepts a TCP connection (a database, a cache, any server that is not HTTP);
 * - { command: [...] }: the command exits 0 (locally in the part's folder and environment; on
 *   containers `docker exec` in its container, no shell needed).
 */
export type HealthOption = string | { readonly command: readonly string[] };

/** A part's readiness check, resolved. */
export type Health = { readonly http: string } | { readonly tcp: true } | { readonly command: readonly string[] };

const isHealthOption = (v: unknown): v is HealthOption => {
  if (typeof v === 'string') return v === 'tcp' || URL_PATH.test(v);
  if (typeof v !== 'object' || v === null || Object.keys(v).join() !== 'command') return false;
  const c = (v as { command: unknown }).command;
  return Array.isArray(c) && c.length > 0 && c.every((a) => typeof a === 'string' && a.length > 0);
};

/** One problem for any wrong health, naming the three forms (a URL path has no space or line break: it goes into HTTP request lines). */
export const healthSchema = z.custom<HealthOption>(isHealthOption, {
  message: "not a health check: a path ('/health', no space or line break), 'tcp', or { command: [...] }",
  params: {
    fix: "give health: '/health' (answers 200 when ready), health: 'tcp' (its port accepts a connection) or health: { command: ['prog', 'arg'] } (exits 0)",
  },
});

export function resolveHealth(o: HealthOption | undefined, fallbackPath: string): Health {
  if (o === undefined) return { http: fallbackPath };
  if (o === 'tcp') return { tcp: true };
  if (typeof o === 'string') return { http: o };
  return { command: [...o.command] };
}

/** A command's `${NAME}`s expanded with the part's values (as its own command's); a path or 'tcp' as it is. */
export function expandHealth(h: Health, expand: (arg: string) => string): Health {
  return 'command' in h ? { command: h.command.map(expand) } : h;
}

/** What being ready is, for messages ("before …", "ready when …"): "/health answered 200", "its port accepted a TCP connection", "`pg_isready` exited 0". */
export function describeHealth(h: Health): string {
  if ('http' in h) return `${h.http} answered 200`;
  if ('tcp' in h) return 'its port accepted a TCP connection';
  return `\`${h.command.join(' ')}\` exited 0`;
}

/** What one probe found: ready or not, and what it saw (an HTTP answer, a command's exit and output). */
export interface ProbeAnswer {
  ready: boolean;
  status?: number;
  statusText?: string;
  /** A command's exit and the start of its output; a refused connection's error. */
  said?: string;
}

/** How long one probe may take. */
export const PROBE_TIMEOUT_MS = 2_000;

/** A TCP connection to host:port opens within the probe's time. */
export function tcpOpens(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (a: ProbeAnswer) => {
      socket.destroy();
      resolve(a);
    };
    socket.setTimeout(timeoutMs, () => done({ ready: false, said: `no connection within ${timeoutMs} ms` }));
    socket.once('connect', () => done({ ready: true }));
    socket.once('error', (e) => done({ ready: false, said: e.message }));
  });
}

/** An HTTP health path's answer: ready on 200 (the body is not read). */
export async function httpAnswer(url: string): Promise<ProbeAnswer> {
  const r = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  await r.body?.cancel();
  return { ready: r.status === 200, status: r.status, statusText: r.statusText };
}

/** One probe of a local process listening on 127.0.0.1:port, with the part's environment and folder for a command. */
export async function probeLocal(h: Health, o: { port: number; env: Readonly<Record<string, string>>; cwd?: string }): Promise<ProbeAnswer> {
  if ('http' in h) return httpAnswer(`http://127.0.0.1:${o.port}${h.http}`);
  if ('tcp' in h) return tcpOpens('127.0.0.1', o.port);
  const [program = '', ...args] = h.command;
  return new Promise((resolve) => {
    execFile(
      program,
      args,
      { env: { ...process.env, ...o.env }, ...(o.cwd ? { cwd: o.cwd } : {}), timeout: PROBE_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim().slice(0, 300);
        if (!err) return resolve({ ready: true });
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
        const exit = e.killed ? `killed after ${PROBE_TIMEOUT_MS} ms` : typeof e.code === 'number' ? `exit ${e.code}` : e.message;
        resolve({ ready: false, said: output ? `${exit}: ${output}` : exit });
      },
    );
  });
}

/** The argv a container probe runs with `docker exec` (tcp through the holder, copied into every service's container). */
export function containerProbe(h: Exclude<Health, { http: string }>, port: number, holder: string): string[] {
  return 'tcp' in h ? [holder, 'probe', String(port)] : [...h.command];
}

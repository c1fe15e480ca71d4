import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { holderPath, TOOLS, toolPath, toolsDir, type ToolName } from '../core/tools.ts';

/** One thing a run needs, and whether this machine has it. */
export interface Check {
  name: string;
  /** What was found (a version, a path), or why not. */
  detail: string;
  ok: boolean;
  /** Needed only for --stack containers. */
  optional?: boolean;
}

const SETUP_SCRIPT = path.resolve(import.meta.dirname, '../setup/setup.sh');

function versionOf(bin: string, args: string[]): string | undefined {
  try {
    return execFileSync(bin, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')[0]
      ?.trim();
  } catch {
    return undefined;
  }
}

function debianBinary(name: string): string | undefined {
  return ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'].map((d) => path.join(d, name)).find((p) => existsSync(p));
}

/** What a run needs: Node, the pinned tools in the per-user cache, MariaDB, HAProxy and Redis; Docker for --stack containers. */
export function checks(): Check[] {
  const out: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  out.push({ name: 'node', detail: `${process.version}${major >= 20 ? '' : ' (brownout needs >= 20)'}`, ok: major >= 20 });
  for (const name of Object.keys(TOOLS) as ToolName[]) {
    const bin = toolPath(name);
    const v = existsSync(bin) ? versionOf(bin, name === 'k6' ? ['version'] : ['-version']) : undefined;
    const ok = v?.includes(TOOLS[name].version.replace(/^v/, '')) ?? false;
    out.push({ name: `${name} ${TOOLS[name].version}`, detail: ok ? bin : `missing (built into ${toolsDir()} by the install)`, ok });
  }
  // Copied into every service's container (--stack containers); built with the tools.
  const holder = holderPath();
  out.push({ name: 'service holder', detail: existsSync(holder) ? holder : `missing (built into ${toolsDir()} by the install)`, ok: existsSync(holder) });
  for (const [name, bin, args] of [
    ['mariadb', 'mariadbd', ['--version']],
    ['haproxy', 'haproxy', ['-v']],
    ['redis', 'redis-server', ['--version']],
    ['memcached', 'memcached', ['-V']],
  ] as const) {
    const p = debianBinary(bin);
    const v = p ? versionOf(p, [...args]) : undefined;
    out.push({ name, detail: v ?? `missing (${bin}; the install takes it from apt-get)`, ok: v !== undefined });
  }
  const docker = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 10_000 });
  out.push({
    name: 'docker engine',
    detail: docker.status === 0 ? `server ${docker.stdout.trim()}` : 'not answering (needed only for --stack containers)',
    ok: docker.status === 0,
    optional: true,
  });
  return out;
}

export function renderChecks(list: readonly Check[]): string {
  const w = Math.max(...list.map((c) => c.name.length));
  return list.map((c) => `${c.ok ? 'ok     ' : c.optional ? 'absent ' : 'MISSING'}  ${c.name.padEnd(w)}  ${c.detail}`).join('\n');
}

/**
 * `brownout doctor`: what is there and what is missing; unless `check` only, installs what is
 * missing (the same setup.sh `make setup` runs: go build of the pinned tools, apt-get for the
 * servers). Exit 0 when everything a local run needs is there afterwards, else 2.
 */
export function doctor(opts: { check: boolean }, write: (text: string) => void): number {
  let list = checks();
  write(`${renderChecks(list)}\n`);
  const missing = list.filter((c) => !c.ok && !c.optional);
  if (missing.length === 0) {
    write('brownout doctor: everything a run needs is here\n');
    return 0;
  }
  if (opts.check) {
    write(
      `brownout doctor: missing ${missing.map((c) => c.name).join(', ')}\nfix: run 'npx brownout doctor' without --check to install them (Go builds the pinned tools; apt-get the servers, as root or with sudo)\n`,
    );
    return 2;
  }
  write(`brownout doctor: installing ${missing.map((c) => c.name).join(', ')} (${SETUP_SCRIPT})\n`);
  const r = spawnSync('bash', [SETUP_SCRIPT], { stdio: 'inherit' });
  list = checks();
  write(`${renderChecks(list)}\n`);
  const still = list.filter((c) => !c.ok && !c.optional);
  if (r.status !== 0 || still.length) {
    write(
      `brownout doctor: still missing ${still.map((c) => c.name).join(', ') || '(the install failed)'}\nfix: read the install's message above; it names what to install by hand\n`,
    );
    return 2;
  }
  write('brownout doctor: everything a run needs is here\n');
  return 0;
}

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** harness/setup/versions.env: the pinned versions, shared with setup.sh. */
function pinned(): Map<string, string> {
  const text = readFileSync(path.resolve(import.meta.dirname, '../setup/versions.env'), 'utf8');
  const lines = text.split('\n').map((l) => /^([A-Z0-9_]+)=(\S+)/.exec(l));
  return new Map(lines.flatMap((m) => (m?.[1] && m[2] ? [[m[1], m[2]] as const] : [])));
}

const versions = pinned();

export const TOOLS = {
  k6: { version: versions.get('K6_VERSION') ?? '', binary: 'k6' },
  toxiproxy: { version: versions.get('TOXIPROXY_VERSION') ?? '', binary: 'toxiproxy-server' },
} as const;
export type ToolName = keyof typeof TOOLS;

/**
 * Where the pinned tools live: a per-user cache keyed by version (never the user's repository), so
 * every project on the machine shares one build. BROWNOUT_TOOLS moves it; setup.sh uses the same rule.
 */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['BROWNOUT_TOOLS']) return path.resolve(env['BROWNOUT_TOOLS']);
  const cache = env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  return path.join(cache, 'brownout', 'tools');
}

/** The binary of a pinned tool: <tools>/<name>-<version>/<binary>. */
export function toolPath(name: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const t = TOOLS[name];
  return path.join(toolsDir(env), `${name}-${t.version}`, t.binary);
}

/**
 * The containers backend's PID 1 for a service (harness/setup/holder/main.go, static Go): built by
 * setup into the tools cache, keyed by its source's hash as setup.sh keys it.
 */
export function holderPath(env: NodeJS.ProcessEnv = process.env): string {
  const source = readFileSync(path.resolve(import.meta.dirname, '../setup/holder/main.go'));
  const version = createHash('sha256').update(source).digest('hex').slice(0, 12);
  return path.join(toolsDir(env), `holder-${version}`, 'brownout-holder');
}

/** The fix line for a missing tool, for a checkout and an installed package alike. */
export const INSTALL_TOOLS_FIX = "run 'npx brownout doctor' (or 'make setup' in a brownout checkout): it builds the pinned k6 and Toxiproxy server";

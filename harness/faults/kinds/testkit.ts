// What each fault kind's unit test (<kind>.test.ts beside it) uses: the kind resolved against a small
// stack as a scenario would resolve it, and applied to a stack that records what the kind asked of
// it. The real stack's answers to those asks are the integration tests' (tests/integration/*faults*).
import { parseDurationMs } from '../../core/duration.ts';
import type { HttpFaultProxy, StartedPart, StartedStack, ToxicSpec } from '../../stack/index.ts';
import type { FaultKind, FaultResolveContext, PartKindName } from '../kind.ts';

/** The stack every kind test resolves against: its parts by kind, and its links. */
export const TEST_PARTS: Readonly<Record<string, PartKindName>> = { db: 'mariadb', cache: 'redis', app: 'service', api: 'service', lb: 'gateway' };
export const TEST_LINKS = ['app→db', 'app→cache', 'app→api', 'lb→app'] as const;

export interface Resolved<R> {
  fault: R;
  label: string;
  /** `field: message` of each problem, fields as a scenario's error names them (timeline[0].fault.<key>). */
  problems: string[];
}

/**
 * The kind's schema and resolve, as the scenario's timeline does for entry 0 of length `forMs`:
 * problems collected, never thrown. A def the schema refuses gives its problems and no fault.
 */
export function resolveWith<D extends { type: string }, R extends { type: D['type'] }>(kind: FaultKind<D, R>, def: D, forMs = 5000): Resolved<R | undefined> {
  const problems: string[] = [];
  const field = (key: string) => (key ? `timeline[0].fault.${key}` : 'timeline[0]');
  const parsed = kind.schema.safeParse(def);
  if (!parsed.success) return { fault: undefined, label: '', problems: parsed.error.issues.map((i) => `${field(i.path.join('.'))}: ${i.message}`) };
  const linkName = (text: string) => text.replace(/\s*(->|→)\s*/, '→');
  const ctx: FaultResolveContext = {
    forMs,
    entry: 0,
    problem: (key, message) => void problems.push(`${field(key)}: ${message}`),
    link: (text) => {
      const name = linkName(text);
      if (!(TEST_LINKS as readonly string[]).includes(name)) problems.push(`${field('link')}: '${text}' is not a link of the stack`);
      return name;
    },
    httpLink: (text) => {
      const name = linkName(text);
      if (TEST_PARTS[name.split('→')[1] ?? ''] !== 'service' || !(TEST_LINKS as readonly string[]).includes(name))
        problems.push(`${field('link')}: '${text}' is not a link to a service of the stack`);
      return name;
    },
    duration: (key, text, fallback) => {
      if (text === undefined) return fallback;
      const ms = parseDurationMs(text);
      if (ms === undefined) problems.push(`${field(key)}: '${text}' is not a duration`);
      return ms ?? fallback;
    },
    part: (key, name, kinds) => {
      const k = TEST_PARTS[name];
      if (!k || (kinds !== 'any' && !kinds.includes(k)))
        problems.push(`${field(key)}: '${name}' is not a ${kinds === 'any' ? '' : `${kinds.join(' or ')} `}part of the stack`);
      return name;
    },
  };
  const fault = kind.resolve(parsed.data, ctx);
  return { fault, label: kind.label(parsed.data, fault), problems };
}

/** resolveWith for a def that must resolve: its fault and label, or a thrown list of its problems. */
export function resolved<D extends { type: string }, R extends { type: D['type'] }>(kind: FaultKind<D, R>, def: D, forMs = 5000): { fault: R; label: string } {
  const r = resolveWith(kind, def, forMs);
  if (!r.fault || r.problems.length > 0) throw new Error(`expected ${def.type} to resolve; problems: ${r.problems.join('; ')}`);
  return { fault: r.fault, label: r.label };
}

/** A stack that records, one line each, what a fault asked of it, and answers as `redisReply` says. */
export interface RecordingStack {
  stack: StartedStack;
  calls: string[];
}

export function recordingStack(o: { redisReply?: (args: readonly string[]) => unknown } = {}): RecordingStack {
  const calls: string[] = [];
  const record = (line: string) => void calls.push(line);
  const parts = new Map<string, StartedPart>();
  for (const [name, kind] of Object.entries(TEST_PARTS)) {
    if (kind === 'redis')
      parts.set(name, {
        kind,
        name,
        flushAll: async () => record(`${name}: FLUSHALL`),
        command: async (args) => {
          record(`${name}: ${args.join(' ')}`);
          return o.redisReply?.(args) ?? 'OK';
        },
      });
    if (kind === 'service') parts.set(name, { kind, name, url: `http://127.0.0.1:1/${name}`, restart: async () => record(`${name}: restart`) });
  }
  const links = new Map(
    TEST_LINKS.map((link) => [
      link,
      {
        name: link,
        listenPort: 1,
        upstream: link,
        addToxic: async (spec: ToxicSpec) => {
          record(`${link}: add ${spec.type} ${spec.name} ${spec.stream} ${spec.toxicity ?? 1} ${JSON.stringify(spec.attributes)}`);
          return { proxy: link, name: spec.name, remove: async () => record(`${link}: remove ${spec.name}`) };
        },
        setEnabled: async (on: boolean) => record(`${link}: ${on ? 'enabled' : 'disabled'}`),
        remove: async () => record(`${link}: proxy removed`),
      },
    ]),
  );
  const httpFaults = new Map<string, HttpFaultProxy>(
    TEST_LINKS.map((link) => [link, { link, set: async (id, on) => record(`${link}: rule ${id} ${on ? 'on' : 'off'}`), calls: async () => 0 }]),
  );
  const limit = (what: string) => async (part: string, amount: number) => {
    record(`${part}: ${what} ${amount}`);
    return async () => record(`${part}: ${what} lifted`);
  };
  const stack: StartedStack = {
    backend: 'local',
    parts,
    links,
    httpFaults,
    startupMs: {},
    urlOf: (part) => `http://127.0.0.1:1/${part}`,
    versions: () => ({}),
    listToxics: async () => [],
    linkTraffic: () => new Map(),
    kill: async (part, signal) => {
      record(`${part}: ${signal}`);
      return true;
    },
    freeze: async (part) => {
      record(`${part}: frozen`);
      return async () => record(`${part}: thawed`);
    },
    fillDisk: async (part) => {
      record(`${part}: disk filled`);
      return async () => record(`${part}: disk emptied`);
    },
    limitCpu: limit('cpu'),
    limitMemory: limit('memory'),
    onUnexpectedExit: () => undefined,
    processRoots: async () => [],
    partRoots: async () => new Map(),
  };
  return { stack, calls };
}

/** Applies the fault and heals it twice (heal is idempotent): the calls at apply, and those the heals added. */
export async function applyAndHeal<D extends { type: string }, R extends { type: D['type'] }>(
  kind: FaultKind<D, R>,
  fault: R,
  rec: RecordingStack = recordingStack(),
): Promise<{ applied: string[]; healed: string[] }> {
  const applied = await kind.apply(fault, rec.stack, 'f0', 'test');
  const atApply = rec.calls.length;
  await Promise.all([applied.heal(), applied.heal()]);
  await applied.heal();
  return { applied: rec.calls.slice(0, atApply), healed: rec.calls.slice(atApply) };
}

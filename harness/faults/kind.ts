import { z } from 'zod';
import { cgroupProblem, type Controller } from '../core/cgroup.ts';
import { FaultError } from '../core/errors.ts';
import type { StartedLinkProxy, AppliedToxic, HttpRule, PartKindName, StartedStack, ToxicSpec } from '../stack/index.ts';

/** The stack part kinds a fault can name. */
/** The stack part kinds a fault can name (the stack's own list). */
export type { PartKindName } from '../stack/index.ts';

/** An applied fault. heal() is idempotent: the timeline and the teardown may both call it. */
export interface AppliedFault {
  readonly label: string;
  heal(): Promise<void>;
}

/** What resolving a fault may ask of the scenario around it; each check adds its own problem. */
export interface FaultResolveContext {
  /** A problem of timeline[i].fault.<key> ('' for the entry itself). */
  problem(key: string, message: string, fix: string): void;
  /** The link 'from→to' ('from->to' accepted); a problem when the stack has no such link. */
  link(text: string): string;
  /** As link(), and a problem unless its far end is a service (speaks HTTP). */
  httpLink(text: string): string;
  /** The entry's index in the timeline (an id within the run). */
  readonly entry: number;
  /** ms of a duration option, `fallback` when not given; a problem when it does not parse. */
  duration(key: string, text: string | undefined, fallback: number): number;
  /** The part named in option `key`; a problem when it is not a part of one of `kinds` ('any': a part of any kind). */
  part(key: string, name: string, kinds: readonly PartKindName[] | 'any'): string;
  /** The entry's `for` in ms (0 for an instant fault): for a fault that must know its length up front. */
  readonly forMs: number;
}

/**
 * One kind of fault, whole: the user's documented type (Def), its schema, how it resolves, its
 * label, the part it hits, and how it is applied (and healed) on a running stack, whichever backend.
 * Registered in kinds/index.ts; validation, the run and the docs loop over that list.
 * Methods (not arrow properties), so that every kind fits the list's FaultKind<Fault, ResolvedFault>.
 */
export interface FaultKind<Def extends { type: string }, Resolved extends { type: Def['type'] }> {
  readonly type: Def['type'];
  /** The user's object, type included, checked against Def (a z.strictObject: unknown options are errors). */
  readonly schema: z.ZodType<Def>;
  /** Happens at one moment: no `for`, nothing to heal (kill, restart, request, flushCache). */
  readonly instant: boolean;
  /** Where the options decide instead (killConnections once, or every N until heal). */
  instantWith?(def: Def): boolean;
  /** Aimed at a part's process: a scenario with one accepts that part dying (that is what it measures). */
  readonly hitsProcess: boolean;
  resolve(def: Def, ctx: FaultResolveContext): Resolved;
  /** The entry's name in the timeline and the report, e.g. 'latency 4s on app→imager'. */
  label(def: Def, fault: Resolved): string;
  /** The part it hits: the part it names, or the far end of its link. */
  partHit(fault: Resolved): string;
  apply(fault: Resolved, stack: StartedStack, id: string, label: string): Promise<AppliedFault>;
  /** Why it cannot be applied on a backend here (no cgroup v1 controller, not root), said before anything starts. */
  cannotApplyOn?(fault: Resolved, backend: 'local' | 'containers'): { message: string; fix: string } | undefined;
  /** A fault that needs its part's data on a filesystem of its own size, given the part at start (diskFull). */
  dataDisk?(fault: Resolved): { part: string; bytes: number };
  /** An HTTP fault: the rule its link's HTTP fault proxy is started with (off until apply). */
  httpRule?(fault: Resolved): { link: string; rule: HttpRule };
}

/** A resource fault's cgroup v1 controller missing here, on the local backend: why, and the containers backend instead. */
export function cgroupCannot(controller: Controller, backend: 'local' | 'containers', root?: string): { message: string; fix: string } | undefined {
  const problem = backend === 'local' ? cgroupProblem(controller, root) : undefined;
  return problem
    ? {
        message: `a ${controller} fault needs cgroup v1's ${controller} controller on the local backend: ${problem}`,
        fix: `run on a machine with cgroup v1's ${controller} controller, as root, or on --stack containers (the container's own limit)`,
      }
    : undefined;
}

/** heal() that runs once, whoever calls it how often. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

/** For instant faults: nothing to heal. */
export const noHeal = once(async () => undefined);

export function proxyOf(stack: StartedStack, link: string, label: string): StartedLinkProxy {
  const proxy = stack.links.get(link);
  if (!proxy) throw new FaultError(label, `no proxy for link ${link}`, `links are: ${[...stack.links.keys()].join(', ')}`);
  return proxy;
}

/** Toxics added together and removed together; one that fails to add takes the others back off. */
export async function applyToxics(stack: StartedStack, link: string, label: string, toxics: readonly ToxicSpec[]): Promise<AppliedFault> {
  const proxy = proxyOf(stack, link, label);
  const active: AppliedToxic[] = [];
  try {
    for (const t of toxics) active.push(await proxy.addToxic(t));
  } catch (e) {
    await Promise.allSettled(active.map((a) => a.remove()));
    throw e;
  }
  return { label, heal: once(async () => void (await Promise.all(active.map((a) => a.remove())))) };
}

/** The far end of a resolved link 'from→to'. */
export const linkEnd = (link: string): string => link.split('→')[1] ?? link;

/** Options every Toxiproxy toxic takes: which way, and on what share of connections. */
export interface ToxicOptions {
  /** downstream = what the far end sends back (responses), upstream = what is sent to it, both. */
  stream?: 'downstream' | 'upstream' | 'both';
  /** The share of connections the toxic applies to, 0 < toxicity <= 1 (Toxiproxy's toxicity). Default 1. */
  toxicity?: number;
}

export const toxicOptionsSchema = {
  stream: z.enum(['downstream', 'upstream', 'both']).optional(),
  toxicity: z.number().gt(0).max(1).optional(),
};

/** Resolved: the streams one toxic each, and the share. */
export interface ResolvedToxicOptions {
  streams: readonly ('upstream' | 'downstream')[];
  toxicity: number;
}

export function resolveToxicOptions(o: ToxicOptions, defaultStream: 'downstream' | 'upstream' | 'both'): ResolvedToxicOptions {
  const stream = o.stream ?? defaultStream;
  return { streams: stream === 'both' ? ['upstream', 'downstream'] : [stream], toxicity: o.toxicity ?? 1 };
}

/** One toxic per stream, named `${id}-${type}-${stream}`. */
export function toxicsFor(id: string, type: ToxicSpec['type'], o: ResolvedToxicOptions, attributes: Readonly<Record<string, number>>): ToxicSpec[] {
  return o.streams.map((stream) => ({ name: `${id}-${type}-${stream}`, type, stream, toxicity: o.toxicity, attributes }));
}

/** ' (30% of connections)' when the toxic does not touch every connection. */
export const shareText = (o: ResolvedToxicOptions): string =>
  (o.toxicity < 1 ? ` (${Math.round(o.toxicity * 100)}% of connections)` : '') + (o.streams.length === 2 ? ' both ways' : '');

/**
 * A Toxiproxy toxic kind: its schema, how its own options resolve and what the toxic's attributes
 * are; the link, the streams and share, the label's tail, the part hit and the apply are common to all.
 */
export function toxicKind<
  Def extends ToxicOptions & { type: string; link: string },
  Resolved extends ResolvedToxicOptions & { type: Def['type']; link: string },
>(o: {
  type: Def['type'];
  toxic: ToxicSpec['type'];
  schema: z.ZodType<Def>;
  /** Which way by default: the toxic's usual direction (responses for most). */
  defaultStream: 'downstream' | 'upstream' | 'both';
  resolve: (def: Def, common: { link: string } & ResolvedToxicOptions, ctx: FaultResolveContext) => Resolved;
  /** What it does, before ' on LINK' and the share. */
  does: (def: Def, f: Resolved) => string;
  attributes: (f: Resolved) => Readonly<Record<string, number>>;
  /** The share's words, when not shareText's. */
  share?: (f: Resolved) => string;
}): FaultKind<Def, Resolved> {
  return {
    type: o.type,
    schema: o.schema,
    instant: false,
    hitsProcess: false,
    resolve: (f, ctx) => o.resolve(f, { link: ctx.link(f.link), ...resolveToxicOptions(f, o.defaultStream) }, ctx),
    label: (d, f) => `${o.does(d, f)} on ${f.link}${(o.share ?? shareText)(f)}`,
    partHit: (f) => linkEnd(f.link),
    apply: (f, stack, id, label) => applyToxics(stack, f.link, label, toxicsFor(id, o.toxic, f, o.attributes(f))),
  };
}

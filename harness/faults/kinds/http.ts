import { z } from 'zod';
import { FaultError } from '../../core/errors.ts';
import { httpRuleText, type HttpRule, type StartedStack } from '../../stack/index.ts';
import { linkEnd, once, type AppliedFault, type FaultKind, type FaultResolveContext } from '../kind.ts';

/** What every HTTP fault takes: the link (to a service), the share of requests, the paths. */
export interface HttpFaultOptions {
  /** 'from→to', a link to a service part (e.g. 'edge→app', or 'app→imager'). */
  link: string;
  /** The share of matching requests hit, 0 < share <= 1. Default 1 (every one). */
  share?: number;
  /** Only requests whose path starts with this. Default '/' (every request, health checks too). */
  path?: string;
}

export const httpOptionsSchema = {
  link: z.string(),
  share: z.number().gt(0).max(1).optional(),
  path: z.string().startsWith('/').regex(/^\S+$/, 'a path without spaces').optional(),
};

/** Resolved: the link and its rule on the link's HTTP fault proxy. */
export interface ResolvedHttp {
  link: string;
  rule: HttpRule;
}

/** The rule's common part; the link checked to end at a service. */
export function resolveHttp(o: HttpFaultOptions, ctx: FaultResolveContext): { link: string; id: string; path: string; share: number } {
  return { link: ctx.httpLink(o.link), id: `f${ctx.entry}`, path: o.path ?? '/', share: o.share ?? 1 };
}

/** Turns the rule on at its link's proxy; heal turns it off. */
export async function applyHttpRule(f: ResolvedHttp, stack: StartedStack, label: string): Promise<AppliedFault> {
  const proxy = stack.httpFaults.get(f.link);
  if (!proxy) throw new FaultError(label, `link ${f.link} has no HTTP fault proxy`, 'this is a bug: the stack starts one for every link an HTTP fault names');
  await proxy.set(f.rule.id, true);
  return { label, heal: once(() => proxy.set(f.rule.id, false)) };
}

/** An HTTP fault kind: its type, its schema and how its rule is made; the rest is common to all three. */
export function httpKind<Def extends HttpFaultOptions & { type: string }, Resolved extends ResolvedHttp & { type: Def['type'] }>(
  type: Def['type'],
  schema: z.ZodType<Def>,
  resolve: (def: Def, common: ReturnType<typeof resolveHttp>, ctx: FaultResolveContext) => Resolved,
): FaultKind<Def, Resolved> {
  return {
    type,
    schema,
    instant: false,
    hitsProcess: false,
    resolve: (f, ctx) => resolve(f, resolveHttp(f, ctx), ctx),
    label: (_d, f) => `${httpRuleText(f.rule)} on ${f.link}`,
    partHit: (f) => linkEnd(f.link),
    httpRule: (f) => ({ link: f.link, rule: f.rule }),
    apply: (f, stack, _id, label) => applyHttpRule(f, stack, label),
  };
}

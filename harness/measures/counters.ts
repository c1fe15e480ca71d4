import type { CounterKind, CounterName } from '../metrics/index.ts';
import { exact, unmeasured, type MeasureKind } from './kind.ts';

/**
 * The stack's own counters per client request, read every second during the load: per database
 * part ({db:NAME}), cache part ({cache:NAME}) or link ({link:app→payments}), all of them by default.
 */
export type CounterMetric = 'db_queries_per_request' | 'cache_miss_rate' | 'upstream_calls_per_request';

interface CounterSpec {
  kind: CounterKind;
  counter: CounterName;
  /** The tag that names a part. */
  tag: string;
  noun: string;
  /** What the stack must have for it. */
  problem(
    part: string | undefined,
    source: string,
    kindOf: (part: string) => string | undefined,
    httpLinks: readonly string[],
  ): { message: string; fix: string } | undefined;
}

/** A part named in the filter must be of the counter's kind. */
const partOfKind =
  (tag: string, want: string): CounterSpec['problem'] =>
  (part, source, kindOf) =>
    part !== undefined && kindOf(part) !== want
      ? { message: `'${part}' in '${source}' is not a ${want} part of the stack`, fix: `name a ${want} part, or leave out {${tag}:…} for all of them` }
      : undefined;

const SPECS: Record<CounterMetric, CounterSpec> = {
  db_queries_per_request: { kind: 'mariadb', counter: 'queries', tag: 'db', noun: 'mariadb part', problem: partOfKind('db', 'mariadb') },
  cache_miss_rate: { kind: 'redis', counter: 'misses', tag: 'cache', noun: 'redis part', problem: partOfKind('cache', 'redis') },
  // Only a link with an HTTP proxy (one an HTTP fault names) counts calls: Toxiproxy sees connections, not requests.
  upstream_calls_per_request: {
    kind: 'link',
    counter: 'calls',
    tag: 'link',
    noun: 'link with an HTTP proxy',
    problem: (link, source, _kindOf, httpLinks) =>
      httpLinks.length === 0
        ? {
            message: `'${source}' needs a link with an HTTP proxy: only a link an HTTP fault names carries one (Toxiproxy alone sees bytes, not calls)`,
            fix: "add an HTTP fault on the link, e.g. at('10s', httpError({ link: 'app→payments', status: 503, share: 0.3 }))",
          }
        : link !== undefined && !httpLinks.includes(link)
          ? {
              message: `'${link}' in '${source}' is not a link with an HTTP proxy`,
              fix: `name one of ${httpLinks.join(', ')}, or leave out {link:…} for all of them`,
            }
          : undefined,
  },
};

function counterMeasure<K extends CounterMetric>(kind: K): MeasureKind<{ kind: K }> {
  const what = SPECS[kind];
  // A share of lookups (cache_miss_rate) or a number per request.
  const perRequest = kind !== 'cache_miss_rate';
  const unit = perRequest ? 'ratio' : 'rate';
  return {
    kind,
    written: kind,
    parse: (text) => (text === kind ? { kind } : undefined),
    unit,
    interval: false,
    tags(_m, tags, text) {
      if (Object.keys(tags).some((k) => k !== what.tag))
        return {
          ok: false,
          message: `'${kind}' takes only a {${what.tag}:PART} filter in '${text}'`,
          fix: `write e.g. '${kind}{${what.tag}:${what.tag}} < 3'`,
        };
      // The link's name as the stack writes it ('app→payments'); '->' is easier to type.
      if (what.tag === 'link' && tags['link'] !== undefined) tags['link'] = tags['link'].replace('->', '→');
      return undefined;
    },
    perEntry: true,
    perWindow: false,
    needsStack: true,
    problem: (e, s) => what.problem(e.tags[what.tag], e.source, s.kindOf, s.httpLinks),
    judge(e, ctx) {
      const w = ctx.work;
      const tag = e.tags[what.tag];
      const parts = (w?.parts ?? []).filter((p) => p.kind === what.kind && (tag === undefined || p.part === tag) && p.totals[what.counter] !== undefined);
      const sum = (n: CounterName) => parts.reduce((k, p) => k + (p.totals[n] ?? 0), 0);
      const lookups = sum('hits') + sum('misses');
      const measured =
        !w || parts.length === 0
          ? undefined
          : perRequest
            ? w.requests > 0
              ? sum(what.counter) / w.requests
              : undefined
            : lookups > 0
              ? sum('misses') / lookups
              : undefined;
      if (measured !== undefined) return exact(e, ctx, unit, measured, w?.requests ?? 0);
      const note = !ctx.run.counters
        ? 'no counters were read'
        : parts.length === 0
          ? `no ${what.noun}${tag ? ` named ${tag}` : ''} was read in this phase`
          : perRequest
            ? 'no request in this phase'
            : 'no cache lookup in this phase';
      return unmeasured(e, ctx, unit, note, w?.requests ?? 0);
    },
  };
}

export const dbQueriesPerRequestMeasure = counterMeasure('db_queries_per_request');
export const cacheMissRateMeasure = counterMeasure('cache_miss_rate');
export const upstreamCallsPerRequestMeasure = counterMeasure('upstream_calls_per_request');

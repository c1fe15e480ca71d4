import { exact, unmeasured, type Expectation, type ExpectationResult, type Failed, type MeasureKind, type PhaseContext } from './kind.ts';

/** Each part at one moment (its whole process tree), read through the load (run/parts.ts): resident memory, bytes; CPU used so far, s. */
export interface PartSample {
  atMs: number;
  bytes: Readonly<Record<string, number>>;
  cpuSeconds?: Readonly<Record<string, number>>;
}

/**
 * `max(rss){part:app} < 300MB`: the most the part held in the phase. `growth(rss){part:app} < 5MB/min`:
 * how fast it grew over the phase (the least-squares slope of its readings, per life of its
 * processes: growthOf), so a leak is a figure, not a feeling. MB are 10⁶ bytes; a plain number is MB (MB per minute).
 */
export interface RssMetric {
  kind: 'rss-max' | 'rss-growth';
}

const MB = 1e6;

/** A part's readings (MB) taken after `fromMs` that `within` puts in a phase. */
function partReadings(
  rss: readonly PartSample[] | undefined,
  part: string,
  fromMs: number,
  within: (startMs: number, endMs: number) => boolean,
): { t: number; mb: number }[] {
  return (rss ?? []).flatMap((s) => {
    const b = s.bytes[part];
    return b !== undefined && b > 0 && s.atMs >= fromMs && within(s.atMs, s.atMs) ? [{ t: s.atMs, mb: b / MB }] : [];
  });
}

/** The part's readings in the phase (after the warm-up). */
const readings = (e: Expectation<RssMetric>, ctx: PhaseContext) => partReadings(ctx.run.rss, e.tags['part'] ?? '', ctx.fromMs, ctx.within);

/**
 * How fast the part grew while it lived: its readings cut into lives where one falls under half the
 * one before (its process killed or restarted: a container's holder, a supervisor, or a new process
 * left), each life's least-squares slope, the fastest of them. A life needs a span: three readings
 * over a second at the least. Over a kill the phase's single slope would mix the leak with the
 * fall (a leaking service killed mid-phase read as shrinking); per life it reads as what it is.
 */
export function growthOf(r: readonly { t: number; mb: number }[]): number | undefined {
  const lives: { t: number; mb: number }[][] = [];
  for (const p of r) {
    const life = lives.at(-1);
    const last = life?.at(-1);
    if (life && last && p.mb >= last.mb / 2) life.push(p);
    else lives.push([p]);
  }
  const slopes = lives.filter((l) => l.length >= 3 && (l.at(-1)?.t ?? 0) - (l[0]?.t ?? 0) >= 1000).map(slopePerMinute);
  return slopes.length ? Math.max(...slopes) : undefined;
}

/** Least-squares slope of mb over t, in MB per minute. */
export function slopePerMinute(points: readonly { t: number; mb: number }[]): number {
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mm = points.reduce((a, p) => a + p.mb, 0) / n;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.mb - mm), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60_000;
}

/** '300MB', '1.5GB', '300' (MB); growth: '5MB/min', '5'. */
function readLimit(valueText: string, text: string): { value: number } | Failed {
  const m = /^(\d+(?:\.\d+)?)(MB|GB)?(\/min)?$/.exec(valueText);
  if (!m) return { ok: false, message: `'${valueText}' in '${text}' is not a memory size`, fix: "write MB: '300MB', '1.5GB', or for growth '5MB/min'" };
  return { value: Number(m[1]) * (m[2] === 'GB' ? 1000 : 1) };
}

/** Exactly one {part:NAME}. */
function tags(_m: RssMetric, t: Record<string, string>, text: string): Failed | undefined {
  if (t['part'] !== undefined && Object.keys(t).length === 1) return undefined;
  return { ok: false, message: `'${text}' needs exactly one {part:NAME}: whose memory?`, fix: "write e.g. 'max(rss){part:app} < 300MB'" };
}

function problem(e: Expectation<RssMetric>, facts: { kindOf(part: string): string | undefined }): { message: string; fix: string } | undefined {
  const part = e.tags['part'] ?? '';
  if (facts.kindOf(part) !== undefined) return undefined;
  return { message: `'${e.source}' names '${part}', which is not a part of the stack`, fix: 'name a part of the stack' };
}

const common = { unit: 'ratio', interval: false, perEntry: true, perWindow: false, needsStack: true, readLimit, tags, problem } as const;

export const rssMaxMeasure: MeasureKind<RssMetric> = {
  ...common,
  kind: 'rss-max',
  written: 'max(rss){part:NAME} (MB)',
  parse: (text) => (text === 'max(rss)' ? { kind: 'rss-max' } : undefined),
  judge(e, ctx): ExpectationResult {
    const r = readings(e, ctx);
    if (r.length === 0) return unmeasured(e, ctx, 'ratio', `no reading of ${e.tags['part']}'s memory in this phase`);
    return exact(e, ctx, 'ratio', Math.max(...r.map((p) => p.mb)), r.length);
  },
};

export const rssGrowthMeasure: MeasureKind<RssMetric> = {
  ...common,
  kind: 'rss-growth',
  written: 'growth(rss){part:NAME} (MB/min)',
  parse: (text) => (text === 'growth(rss)' ? { kind: 'rss-growth' } : undefined),
  judge(e, ctx): ExpectationResult {
    const r = readings(e, ctx);
    const growth = growthOf(r);
    if (growth === undefined) return unmeasured(e, ctx, 'ratio', `too few readings of ${e.tags['part']}'s memory in this phase for a growth (${r.length})`);
    return exact(e, ctx, 'ratio', growth, r.length);
  },
};

/** One part in one scope: the CPUs it used on average, the most memory it held, how fast that grew. */
export interface PartFigures {
  phase: string;
  part: string;
  cores: number | undefined;
  maxMb: number;
  growthMbPerMin: number | undefined;
}

/** Each part per scope (its readings after `fromMs` that `within` puts there), for the report. */
export function partsByPhase(
  samples: readonly PartSample[] | undefined,
  fromMs: number,
  scopes: readonly { phase: string; within(startMs: number, endMs: number): boolean }[],
): PartFigures[] {
  if (!samples?.length) return [];
  const parts = [...new Set(samples.flatMap((s) => Object.keys(s.bytes)))].sort();
  const out: PartFigures[] = [];
  for (const s of scopes)
    for (const part of parts) {
      const r = partReadings(samples, part, fromMs, s.within);
      if (r.length === 0) continue;
      // CPU: what the part used between its first and last reading in the scope, per second.
      const cpu = samples.filter((x) => x.atMs >= fromMs && s.within(x.atMs, x.atMs) && x.cpuSeconds?.[part] !== undefined);
      const [a, b] = [cpu[0], cpu.at(-1)];
      const cores = a && b && b.atMs - a.atMs >= 1000 ? ((b.cpuSeconds?.[part] ?? 0) - (a.cpuSeconds?.[part] ?? 0)) / ((b.atMs - a.atMs) / 1000) : undefined;
      out.push({ phase: s.phase, part, cores, maxMb: Math.max(...r.map((p) => p.mb)), growthMbPerMin: growthOf(r) });
    }
  return out;
}

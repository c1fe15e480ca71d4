/** Durations are written like k6's: '250ms', '10s', '1m30s', '1.5s'. Parsed once, into ms. */
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest duration a scenario can mean (a run, a fault, a bound): past it a timer would overflow or a run never end. */
export const MAX_DURATION_MS = 24 * 3_600_000;

/** ms, or undefined when the text is not a duration of at most MAX_DURATION_MS (24h). */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (s.length > 64 || !/^(\d+(?:\.\d+)?(ms|s|m|h))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN);
  return Number.isFinite(total) && total <= MAX_DURATION_MS ? total : undefined;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms >= 10) return `${ms.toFixed(0)}ms`;
  return `${ms.toFixed(2)}ms`;
}

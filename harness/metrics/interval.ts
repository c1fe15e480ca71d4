/**
 * Confidence intervals for the figures a verdict rests on, at 95%: a verdict whose interval
 * straddles its limit is borderline (the same system could have passed or failed this run).
 */

/** z of a two-sided 95% interval. */
export const Z95 = 1.959964;

export interface Interval {
  lo: number;
  hi: number;
}

/**
 * Wilson score interval of a share `hits / n` (good at 0 and 1, where the normal one fails):
 * center (p + z²/2n) / (1 + z²/n), half-width z √(p(1−p)/n + z²/4n²) / (1 + z²/n).
 */
export function wilson(hits: number, n: number, z = Z95): Interval {
  if (n === 0) return { lo: 0, hi: 1 };
  const p = hits / n;
  const z2 = z * z;
  const d = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / d;
  // At 0 and at all the bound is exact (float rounding would leave 0.9999…).
  return { lo: hits === 0 ? 0 : Math.max(0, center - half), hi: hits === n ? 1 : Math.min(1, center + half) };
}

/** log(e^a + e^b) without overflow. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/**
 * The nearest rank of the p-th percentile among n sorted values: ceil(p/100 × n), at least 1, in
 * exact integer steps (p in thousandths): (7 / 100) × 100 is 7.000000000000001 in floats, one rank high.
 */
export function nearestRank(n: number, p: number): number {
  return Math.max(1, Math.ceil((Math.round(p * 1000) * n) / 100_000));
}

/**
 * The ranks (1-based, among n sorted values) whose values bound the p-th percentile with 95%
 * confidence, distribution-free (order statistics): lower rank l, the largest with
 * P(B <= l − 1) <= 2.5%, upper rank u, the smallest with P(B <= u − 1) >= 97.5%, B ~ Binomial(n, p/100).
 * A bound past the data is 0 (the percentile may lie below every value) or n + 1 (too few values
 * to bound it from above, e.g. p99 of 50 requests).
 */
export function percentileRanks(n: number, p: number): { lower: number; upper: number } {
  const q = p / 100;
  if (n === 0) return { lower: 0, upper: 1 };
  if (q <= 0) return { lower: 0, upper: 1 };
  if (q >= 1) return { lower: n, upper: n + 1 };
  // The binomial CDF, term by term in log space: one pass of n (no underflow for large n).
  const ratio = Math.log(q) - Math.log1p(-q);
  const lowTail = Math.log(0.025);
  const highTail = Math.log(0.975);
  let logPmf = n * Math.log1p(-q);
  let logCdf = -Infinity;
  let lower = 0;
  let upper = n + 1;
  for (let k = 0; k < n; k++) {
    // logCdf = log P(B <= k): rank k + 1 has P(B <= (k + 1) − 1).
    logCdf = logAdd(logCdf, logPmf);
    if (logCdf <= lowTail) lower = k + 1;
    if (logCdf >= highTail) {
      upper = k + 1;
      break;
    }
    logPmf += Math.log((n - k) / (k + 1)) + ratio;
  }
  return { lower, upper };
}

/** A verdict's interval against its limit: borderline when the limit lies inside it. */
export function straddles(iv: Interval, limit: number): boolean {
  return iv.lo < limit && limit < iv.hi;
}

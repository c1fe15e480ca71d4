import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../metrics/index.ts';
import { abortHit, describeAbort, parseAbortCondition, type AbortCondition } from './abort.ts';

const cond = (text: string): AbortCondition => {
  const r = parseAbortCondition(text);
  if (!r.ok) throw new Error(r.message);
  return r.condition;
};

/** 20 requests/s from 0 to `until`, each 10 ms; those starting in [from, to) answered 503. */
function load(until: number, bad: { from: number; to: number }, name = 'x'): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (let t = 0; t < until; t += 50) out.push({ startMs: t, durationMs: 10, status: t >= bad.from && t < bad.to ? 503 : 200, tags: { name } });
  return out;
}

describe('stop conditions (abortWhen)', () => {
  it('reads an expectation of the requests and its window; refuses the rest with a fix', () => {
    expect(cond('rate(5xx) > 50% for 10s')).toMatchObject({ source: 'rate(5xx) > 50% for 10s', forMs: 10_000, expectation: { op: '>', value: 0.5 } });
    expect(cond('p95{name:upload} > 3s for 5s')).toMatchObject({ forMs: 5000, expectation: { tags: { name: 'upload' }, value: 3000 } });
    const bad: [string, RegExp][] = [
      ['rate(5xx) > 50%', /no 'for <duration>'/],
      ['rate(5xx) > 50% for soon', /not a positive duration/],
      ['rate(5xx) > 50% for 0s', /not a positive duration/],
      ['recovery > 3s for 5s', /not a figure of the requests/],
      ['lost_writes > 0 for 5s', /not a figure of the requests/],
      ['rate(checks) < 90% for 5s', /not a figure of the requests/],
      ['rate(2xx){first:1s} < 90% for 5s', /not a figure of the requests/],
      ['p95 > 1s @95% for 5s', /cannot read expectation|@95%/],
      ['rate(5xx) > 150% for 5s', /not a rate/],
    ];
    for (const [text, why] of bad) {
      const r = parseAbortCondition(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) {
        expect(r.message, text).toMatch(why);
        expect(r.fix.length).toBeGreaterThan(5);
      }
    }
  });

  it('holds once the figure over the requests answered in the last window meets it, not before the load ran that long', () => {
    const c = [cond('rate(503) > 50% for 2s')];
    const reqs = load(10_000, { from: 4000, to: 10_000 });
    // At 4.5 s a quarter of the last 2 s failed; just past 5 s, more than half.
    expect(
      abortHit(
        c,
        reqs.filter((r) => r.startMs + r.durationMs <= 4500),
        0,
        4500,
      ),
    ).toBeUndefined();
    expect(
      abortHit(
        c,
        reqs.filter((r) => r.startMs + r.durationMs <= 5100),
        0,
        5100,
      ),
    ).toMatchObject({ source: 'rate(503) > 50% for 2s', unit: 'rate', requests: 40 });
    // Everything failing from the start: not judged before the load has run 2 s (after the warm-up).
    const early = load(3000, { from: 0, to: 3000 });
    expect(
      abortHit(
        c,
        early.filter((r) => r.startMs + r.durationMs <= 1500),
        0,
        1500,
      ),
    ).toBeUndefined();
    expect(
      abortHit(
        c,
        early.filter((r) => r.startMs + r.durationMs <= 2500),
        1000,
        2500,
      ),
    ).toBeUndefined();
    expect(abortHit(c, early, 0, 2500)).toBeDefined();
  });

  it('tag filters pick the requests; no request matched is no evidence for a rate', () => {
    const reqs = load(6000, { from: 0, to: 6000 }, 'read');
    expect(abortHit([cond('rate(503){name:upload} > 10% for 1s')], reqs, 0, 6000)).toBeUndefined();
    expect(abortHit([cond('rate(503){name:read} > 10% for 1s')], reqs, 0, 6000)).toMatchObject({ measured: 1 });
    // The first condition that holds.
    const h = abortHit([cond('p95 > 1s for 1s'), cond('count < 100 for 1s')], reqs, 0, 6000);
    expect(h).toMatchObject({ source: 'count < 100 for 1s', measured: 20, unit: 'count' });
    expect(h && describeAbort(h)).toBe('count < 100 for 1s held: 20 over 20 requests');
  });
});

import { describe, expect, it } from 'vitest';
import { bisectMargin, compareMargin, defaultRange, marginText, type MarginProbe, type MarginResult } from './margin.ts';

// A system that breaks at and above `limit`: what each probe would report.
const system =
  (limit: number) =>
  async (value: number): Promise<MarginProbe> => ({
    value,
    passed: value < limit,
    exitCode: value < limit ? 0 : 1,
    runId: `run-${value}`,
    failed: value < limit ? [] : ['album-lock: p99{name:upload} < 1500ms'],
  });

describe('margin search by bisection', () => {
  it('finds the breaking magnitude to within the resolution, the range end first, then its start', async () => {
    const s = await bisectMargin(system(1800), { from: 500, to: 20_000, resolution: 100 });
    expect(s.probes.slice(0, 2).map((p) => p.value)).toEqual([20_000, 500]);
    expect(s.breaksAt).toBeGreaterThanOrEqual(1800);
    expect(s.holdsAt).toBeLessThan(1800);
    expect((s.breaksAt ?? 0) - (s.holdsAt ?? 0)).toBeLessThanOrEqual(100);
    // 2 bounds + ceil(log2(19 500 / 100)) halvings.
    expect(s.probes).toHaveLength(2 + 8);
  });
  it('nothing breaks in the range: one probe, no breaking magnitude', async () => {
    const s = await bisectMargin(system(1e9), { from: 1, to: 100, resolution: 1 });
    expect(s).toMatchObject({ breaksAt: undefined, holdsAt: 100 });
    expect(s.probes).toHaveLength(1);
  });
  it('it breaks at the start already: two probes', async () => {
    const s = await bisectMargin(system(0), { from: 1, to: 100, resolution: 1 });
    expect(s).toMatchObject({ breaksAt: 1, holdsAt: undefined });
  });
  it('a probe that cannot be judged ends the search with it', async () => {
    const probe = async (value: number): Promise<MarginProbe> => ({ value, passed: false, exitCode: 2, runId: 'r', failed: [] });
    await expect(bisectMargin(probe, { from: 1, to: 100, resolution: 1 })).rejects.toThrow('a probe at 100 could not be judged');
  });
  it('default range: a tenth to four times the scenario value, 32 steps', () => {
    expect(defaultRange(5000, {})).toEqual({ from: 500, to: 20_000, resolution: (20_000 - 500) / 32 });
    expect(defaultRange(5000, { to: 8000 })).toEqual({ from: 500, to: 8000, resolution: 7500 / 32 });
  });
});

describe('the margin said and gated', () => {
  const r = (breaksAt: number | undefined, holdsAt: number | undefined): MarginResult => ({
    scenario: 'slow-transaction',
    file: 'scenarios/slow-transaction.ts',
    mode: 'broken',
    fault: 'album-lock',
    field: 'for',
    unit: 'ms',
    scenarioValue: 5000,
    from: 500,
    to: 20_000,
    resolution: 100,
    breaksAt,
    holdsAt,
    margin: breaksAt === undefined ? undefined : breaksAt / 5000,
    probes: [],
    date: '2026-12-02',
  });
  it('says where it breaks beside what the scenario uses', () => {
    expect(marginText(r(1800, 1710))).toBe("breaks at 1.80s of album-lock's for (holds at 1.71s); the scenario uses 5.00s; margin 0.36×");
    expect(marginText(r(undefined, 20_000))).toBe("holds through 20.0s of album-lock's for (the end of the search); the scenario uses 5.00s");
  });
  it('fails a change that lowers the breaking magnitude beyond both resolutions, not one within them', () => {
    const before = { breaksAt: 4000, resolution: 100, unit: 'ms' as const, date: '2026-12-01', mode: 'fixed' };
    expect(compareMargin(r(1000, 900), before, 'm.json')).toMatchObject({ regressed: true, text: 'breaks at 4.00s before, 1.00s now: the margin got smaller' });
    expect(compareMargin(r(3850, 3750), before, 'm.json')?.regressed).toBe(false);
    expect(compareMargin(r(undefined, 20_000), before, 'm.json')?.regressed).toBe(false);
    expect(compareMargin(r(2000, 1900), { ...before, breaksAt: null }, 'm.json')).toMatchObject({
      regressed: true,
      text: 'held through the whole search before, 2.00s now: the margin got smaller',
    });
    expect(compareMargin(r(2000, 1900), undefined, 'm.json')).toBeUndefined();
  });
});

describe('margin search in whole ms', () => {
  it('rounds each midpoint as a duration is written, and stops when rounding meets a bound', async () => {
    const s = await bisectMargin(system(248), { from: 50, to: 800, resolution: 1 }, Math.round);
    expect(s.probes.every((p) => Number.isInteger(p.value))).toBe(true);
    expect(s).toMatchObject({ breaksAt: 248, holdsAt: 247 });
  });
});

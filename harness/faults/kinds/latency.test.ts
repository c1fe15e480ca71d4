import { describe, expect, it } from 'vitest';
import { latencyKind } from './latency.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('latency', () => {
  it('holds responses (downstream) by default, latency and jitter in ms', () => {
    const { fault, label } = resolved(latencyKind, { type: 'latency', link: 'app->db', latency: '2s', jitter: '100ms' });
    expect(fault).toMatchObject({ link: 'app→db', latencyMs: 2000, jitterMs: 100, streams: ['downstream'], toxicity: 1 });
    expect(label).toBe('latency 2s on app→db');
    expect(latencyKind.partHit(fault)).toBe('db');
  });
  it('both ways and on a share of connections: one toxic per stream, removed once however often healed', async () => {
    const { fault } = resolved(latencyKind, { type: 'latency', link: 'app→db', latency: '300ms', stream: 'both', toxicity: 0.3 });
    const { applied, healed } = await applyAndHeal(latencyKind, fault);
    expect(applied).toEqual([
      'app→db: add latency f0-latency-upstream upstream 0.3 {"latency":300,"jitter":0}',
      'app→db: add latency f0-latency-downstream downstream 0.3 {"latency":300,"jitter":0}',
    ]);
    expect(healed.sort()).toEqual(['app→db: remove f0-latency-downstream', 'app→db: remove f0-latency-upstream']);
  });
  it('refuses a link the stack lacks, a latency that is no duration, an unknown option', () => {
    expect(resolveWith(latencyKind, { type: 'latency', link: 'db→app', latency: '2s' }).problems).toEqual([
      "timeline[0].fault.link: 'db→app' is not a link of the stack",
    ]);
    expect(resolveWith(latencyKind, { type: 'latency', link: 'app→db', latency: 'two' }).problems).toEqual([
      "timeline[0].fault.latency: 'two' is not a duration",
    ]);
    expect(resolveWith(latencyKind, { type: 'latency', link: 'app→db', latency: '2s', delay: '1s' } as never).problems[0]).toMatch(/delay/);
  });
});

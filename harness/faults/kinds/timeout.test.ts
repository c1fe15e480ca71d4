import { describe, expect, it } from 'vitest';
import { timeoutKind } from './timeout.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('timeout', () => {
  it('a blackhole both ways by default, held until heal (timeout 0)', async () => {
    const { fault, label } = resolved(timeoutKind, { type: 'timeout', link: 'app→api' });
    expect(fault).toMatchObject({ timeoutMs: 0, streams: ['upstream', 'downstream'] });
    expect(label).toBe('timeout (blackhole) on app→api');
    const { applied, healed } = await applyAndHeal(timeoutKind, fault);
    expect(applied).toEqual([
      'app→api: add timeout f0-timeout-upstream upstream 1 {"timeout":0}',
      'app→api: add timeout f0-timeout-downstream downstream 1 {"timeout":0}',
    ]);
    expect(healed).toHaveLength(2);
  });
  it('closes after `timeout`; on a share the label says which', () => {
    const { fault, label } = resolved(timeoutKind, { type: 'timeout', link: 'app→api', timeout: '5s', toxicity: 0.5 });
    expect(fault.timeoutMs).toBe(5000);
    expect(label).toBe('timeout (blackhole) on app→api (50% of connections)');
  });
  it('refuses a toxicity above 1', () => {
    expect(resolveWith(timeoutKind, { type: 'timeout', link: 'app→api', toxicity: 1.5 }).problems[0]).toMatch(/^timeline\[0\]\.fault\.toxicity: /);
  });
});

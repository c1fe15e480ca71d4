import { describe, expect, it } from 'vitest';
import { bandwidthKind } from './bandwidth.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('bandwidth', () => {
  it('limits responses to `rate` KB/s', async () => {
    const { fault, label } = resolved(bandwidthKind, { type: 'bandwidth', link: 'lb→app', rate: 64 });
    expect(fault).toMatchObject({ rateKBps: 64, streams: ['downstream'] });
    expect(label).toBe('bandwidth 64 KB/s on lb→app');
    const { applied } = await applyAndHeal(bandwidthKind, fault);
    expect(applied).toEqual(['lb→app: add bandwidth f0-bandwidth-downstream downstream 1 {"rate":64}']);
  });
  it('refuses a rate that is not a whole positive number', () => {
    expect(resolveWith(bandwidthKind, { type: 'bandwidth', link: 'lb→app', rate: 0.5 }).problems[0]).toMatch(/^timeline\[0\]\.fault\.rate: /);
    expect(resolveWith(bandwidthKind, { type: 'bandwidth', link: 'lb→app', rate: 0 }).problems[0]).toMatch(/^timeline\[0\]\.fault\.rate: /);
  });
});

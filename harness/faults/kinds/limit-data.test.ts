import { describe, expect, it } from 'vitest';
import { limitDataKind } from './limit-data.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('limitData', () => {
  it('closes each connection after `bytes`', async () => {
    const { fault, label } = resolved(limitDataKind, { type: 'limitData', link: 'app→cache', bytes: 1024, stream: 'upstream' });
    expect(label).toBe('limit_data 1024 B on app→cache');
    expect(limitDataKind.partHit(fault)).toBe('cache');
    const { applied } = await applyAndHeal(limitDataKind, fault);
    expect(applied).toEqual(['app→cache: add limit_data f0-limit_data-upstream upstream 1 {"bytes":1024}']);
  });
  it('refuses a stream that is not one of the three', () => {
    expect(resolveWith(limitDataKind, { type: 'limitData', link: 'app→cache', bytes: 1, stream: 'sideways' as never }).problems[0]).toMatch(
      /^timeline\[0\]\.fault\.stream: /,
    );
  });
});

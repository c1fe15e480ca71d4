import { describe, expect, it } from 'vitest';
import { slowCloseKind } from './slow-close.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('slowClose', () => {
  it("delays the close of each connection by `delay` (Toxiproxy's slow_close)", async () => {
    const { fault, label } = resolved(slowCloseKind, { type: 'slowClose', link: 'app→db', delay: '1.5s' });
    expect(fault.delayMs).toBe(1500);
    expect(label).toBe('slow_close 1.5s on app→db');
    const { applied, healed } = await applyAndHeal(slowCloseKind, fault);
    expect(applied).toEqual(['app→db: add slow_close f0-slow_close-downstream downstream 1 {"delay":1500}']);
    expect(healed).toEqual(['app→db: remove f0-slow_close-downstream']);
  });
  it('needs a delay', () => {
    expect(resolveWith(slowCloseKind, { type: 'slowClose', link: 'app→db', delay: '' }).problems[0]).toMatch(/^timeline\[0\]\.fault\.delay: /);
  });
});

import { describe, expect, it } from 'vitest';
import { downKind } from './down.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('down', () => {
  it('disables the link proxy (refused and dropped connections) and enables it once at heal', async () => {
    const { fault, label } = resolved(downKind, { type: 'down', link: 'app -> cache' });
    expect(label).toBe('down app→cache');
    expect(downKind.partHit(fault)).toBe('cache');
    expect(await applyAndHeal(downKind, fault)).toEqual({ applied: ['app→cache: disabled'], healed: ['app→cache: enabled'] });
  });
  it('refuses a link the stack lacks', () => {
    expect(resolveWith(downKind, { type: 'down', link: 'app→nowhere' }).problems).toEqual(["timeline[0].fault.link: 'app→nowhere' is not a link of the stack"]);
  });
});

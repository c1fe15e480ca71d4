import { describe, expect, it } from 'vitest';
import { freezeKind } from './freeze.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('freeze', () => {
  it('stops the part until heal thaws it, once', async () => {
    const { fault, label } = resolved(freezeKind, { type: 'freeze', part: 'cache' });
    expect(label).toBe('freeze cache');
    expect(freezeKind.instant).toBe(false);
    expect(await applyAndHeal(freezeKind, fault)).toEqual({ applied: ['cache: frozen'], healed: ['cache: thawed'] });
  });
  it('refuses an unknown option', () => {
    expect(resolveWith(freezeKind, { type: 'freeze', part: 'cache', signal: 'SIGSTOP' } as never).problems[0]).toMatch(/signal/);
  });
});

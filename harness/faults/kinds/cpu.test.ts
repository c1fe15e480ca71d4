import { describe, expect, it } from 'vitest';
import { cpuKind } from './cpu.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('cpu', () => {
  it('limits the part to `cores` for the span and lifts the limit once at heal; the part is slowed, not killed', async () => {
    const { fault, label } = resolved(cpuKind, { type: 'cpu', part: 'app', cores: 0.25 });
    expect(label).toBe('cpu app at most 0.25 cores');
    expect(cpuKind.hitsProcess).toBe(false);
    expect(await applyAndHeal(cpuKind, fault)).toEqual({ applied: ['app: cpu 0.25'], healed: ['app: cpu lifted'] });
  });
  it('refuses no CPU at all and a part the stack lacks', () => {
    expect(resolveWith(cpuKind, { type: 'cpu', part: 'app', cores: 0 }).problems[0]).toMatch(/^timeline\[0\]\.fault\.cores: /);
    expect(resolveWith(cpuKind, { type: 'cpu', part: 'web', cores: 1 }).problems[0]).toMatch(/^timeline\[0\]\.fault\.part: 'web' is not/);
  });
});

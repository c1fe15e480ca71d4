import { describe, expect, it } from 'vitest';
import { httpDelayKind } from './http-delay.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('httpDelay', () => {
  it('holds every request on the link for `delay` (health checks too: path / by default)', async () => {
    const { fault, label } = resolved(httpDelayKind, { type: 'httpDelay', link: 'lb→app', delay: '3s' });
    expect(fault.rule).toEqual({ id: 'f0', path: '/', share: 1, action: 'delay', delayMs: 3000 });
    expect(label).toBe('HTTP delay 3000 ms for every request on lb→app');
    expect(await applyAndHeal(httpDelayKind, fault)).toEqual({ applied: ['lb→app: rule f0 on'], healed: ['lb→app: rule f0 off'] });
  });
  it('refuses a path with spaces and a delay that is no duration', () => {
    expect(resolveWith(httpDelayKind, { type: 'httpDelay', link: 'lb→app', delay: '3s', path: '/a b' }).problems[0]).toMatch(/^timeline\[0\]\.fault\.path: /);
    expect(resolveWith(httpDelayKind, { type: 'httpDelay', link: 'lb→app', delay: 'long' }).problems).toEqual([
      "timeline[0].fault.delay: 'long' is not a duration",
    ]);
  });
});

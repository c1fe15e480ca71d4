import { describe, expect, it } from 'vitest';
import { httpAbortKind } from './http-abort.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('httpAbort', () => {
  it('drops the answers of a share of requests', async () => {
    const { fault, label } = resolved(httpAbortKind, { type: 'httpAbort', link: 'app→api', share: 0.125 });
    expect(fault.rule).toEqual({ id: 'f0', path: '/', share: 0.125, action: 'abort' });
    expect(label).toBe('HTTP answers dropped for 12.5% of requests on app→api');
    expect(httpAbortKind.partHit(fault)).toBe('api');
    expect(await applyAndHeal(httpAbortKind, fault)).toEqual({ applied: ['app→api: rule f0 on'], healed: ['app→api: rule f0 off'] });
  });
  it('refuses a share of 0', () => {
    expect(resolveWith(httpAbortKind, { type: 'httpAbort', link: 'app→api', share: 0 }).problems[0]).toMatch(/^timeline\[0\]\.fault\.share: /);
  });
});

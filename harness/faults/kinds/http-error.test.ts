import { describe, expect, it } from 'vitest';
import { httpErrorKind } from './http-error.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('httpError', () => {
  it('a rule on the link to a service, numbered by its entry; turned on at apply, off once at heal', async () => {
    const { fault, label } = resolved(httpErrorKind, { type: 'httpError', link: 'app→api', status: 503, retryAfter: 2, share: 0.25, path: '/prices' });
    expect(fault.rule).toEqual({ id: 'f0', path: '/prices', share: 0.25, action: 'error', status: 503, retryAfterS: 2 });
    expect(label).toBe('HTTP 503 (Retry-After 2) for 25% of requests to /prices on app→api');
    expect(httpErrorKind.httpRule?.(fault)).toEqual({ link: 'app→api', rule: fault.rule });
    expect(await applyAndHeal(httpErrorKind, fault)).toEqual({ applied: ['app→api: rule f0 on'], healed: ['app→api: rule f0 off'] });
  });
  it('refuses a link whose far end does not speak HTTP, and a status that is not an error', () => {
    expect(resolveWith(httpErrorKind, { type: 'httpError', link: 'app→db', status: 503 }).problems).toEqual([
      "timeline[0].fault.link: 'app→db' is not a link to a service of the stack",
    ]);
    expect(resolveWith(httpErrorKind, { type: 'httpError', link: 'app→api', status: 200 }).problems[0]).toMatch(/^timeline\[0\]\.fault\.status: /);
  });
});

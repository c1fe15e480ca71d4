import { describe, expect, it } from 'vitest';
import { measure } from './requests.ts';
import { exp, rec } from './testkit.ts';

describe('rates by status class', () => {
  const records = [rec(0, 5, 200), rec(1, 5, 200), rec(2, 3000, 503, 'upload'), rec(3, 10, 502, 'upload'), rec(4, 9000, 0, 'upload'), rec(5, 1, 404)];
  it('rate(503), rate(5xx), rate(no_response) and rate(failed) are distinct', () => {
    expect(measure(exp('rate(503) < 1%'), records).value).toBeCloseTo(1 / 6);
    expect(measure(exp('rate(5xx) < 1%'), records).value).toBeCloseTo(2 / 6);
    expect(measure(exp('rate(no_response) < 1%'), records).value).toBeCloseTo(1 / 6);
    expect(measure(exp('rate(failed) < 1%'), records).value).toBeCloseTo(3 / 6);
  });
  it('rate(4xx) and rate(non2xx): the 404 is not failed, and is not a 2xx', () => {
    expect(measure(exp('rate(4xx) < 1%'), records).value).toBeCloseTo(1 / 6);
    expect(measure(exp('rate(non2xx) < 1%'), records).value).toBeCloseTo(4 / 6);
    expect(measure(exp('rate(non2xx){name:upload} < 1%'), records).value).toBe(1);
  });
  it('tag filters select the requests', () => {
    expect(measure(exp('rate(5xx){name:upload} < 1%'), records)).toMatchObject({ value: 2 / 3, count: 3 });
    expect(measure(exp('count{name:read} > 1'), records).value).toBe(3);
  });
});

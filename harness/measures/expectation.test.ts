import { describe, expect, it } from 'vitest';
import { parseExpectation } from './expectation.ts';

describe('expectation parsing', () => {
  const good: [string, object][] = [
    ['p95 < 200ms', { metric: { kind: 'percentile', p: 95 }, op: '<', value: 200, tags: {} }],
    ['p95{name:upload} < 200ms', { metric: { kind: 'percentile', p: 95 }, tags: { name: 'upload' }, value: 200 }],
    ['p(99.9) <= 1.5s', { metric: { kind: 'percentile', p: 99.9 }, op: '<=', value: 1500 }],
    ['rate(503) < 0.1%', { metric: { kind: 'rate', status: { kind: 'code', code: 503 } }, value: 0.001 }],
    [
      'rate(5xx){name:read,method:GET} == 0',
      { metric: { kind: 'rate', status: { kind: 'class', hundreds: 5 } }, tags: { name: 'read', method: 'GET' }, value: 0, op: '==' },
    ],
    ['rate(no_response) < 0.01', { metric: { kind: 'rate', status: { kind: 'no_response' } }, value: 0.01 }],
    ['recovery < 5s', { metric: { kind: 'recovery' }, value: 5000 }],
    ['recovery{name:job} < 5s', { metric: { kind: 'recovery' }, tags: { name: 'job' }, value: 5000 }],
    ['ejection{part:app1} < 2s', { metric: { kind: 'ejection' }, tags: { part: 'app1' }, value: 2000 }],
    ['count{name:upload} >= 10', { metric: { kind: 'count' }, op: '>=', value: 10 }],
    ['max < 1m', { metric: { kind: 'max' }, value: 60_000 }],
  ];
  for (const [text, want] of good) {
    it(`reads '${text}'`, () => {
      const r = parseExpectation(text);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.expectation).toMatchObject(want);
    });
  }

  const bad: [string, RegExp][] = [
    ['p95 200ms', /cannot read expectation/],
    ['p95 < fast', /not a duration/],
    ['p101 < 1s', /outside/],
    ['rate(599x) < 1%', /unknown status/],
    ['rate(503) < 150%', /not a rate/],
    ['rate(503) < 5ms', /not a rate/],
    ['latency < 5ms', /unknown metric/],
    ['recovery{first:1s} < 5s', /cannot take \{first/],
    ['lost_writes{name:x} == 0', /no tag filter/],
    ['ejection < 2s', /exactly one \{part:NAME\}/],
    ['ejection{part:app1,name:x} < 2s', /exactly one \{part:NAME\}/],
    ['ejection{part:app1} < 5%', /not a duration/],
    ['count > 1.5', /whole number/],
    ['p95{name} < 1s', /tag filter/],
    ['rate(2xx){first:soon} >= 99%', /not a positive duration/],
  ];
  for (const [text, why] of bad) {
    it(`rejects '${text}' with a fix`, () => {
      const r = parseExpectation(text);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.message).toMatch(why);
        expect(r.fix.length).toBeGreaterThan(10);
      }
    });
  }
});

import { describe, expect, it } from 'vitest';
import { parseExpectation, type Expectation } from '../measures/index.ts';
import { unseenTags } from './tags.ts';

const ex = (text: string): Expectation => {
  const r = parseExpectation(text);
  if (!r.ok) throw new Error(r.message);
  return r.expectation;
};

describe('unseenTags: a tag filter the load script never writes is a warning before the run', () => {
  const script = `http.post(url, body, { tags: { name: 'write' } }); http.get(url, { tags: { name: 'read' } });`;
  it('names the misspelt filter, its phase and place', () => {
    const expect_ = {
      baseline: [ex('p95{name:read} < 100ms')],
      fault: [ex('p95{name:wirte} < 500ms')],
      between: [],
      recovery: [],
      overall: [ex('rate(5xx){method:POST} == 0')],
    };
    const w = unseenTags(expect_, script);
    expect(w).toHaveLength(1);
    expect(w[0]).toContain("expect.fault[0] 'p95{name:wirte} < 500ms' filters on {name:wirte}");
  });
  it('says nothing of the stack counters’ part and link filters: they name parts, not request tags', () => {
    const counters = [
      ex('db_queries_per_request{db:db} < 2'),
      ex('cache_miss_rate{cache:cache} < 10%'),
      ex('upstream_calls_per_request{link:app→payments} < 1.3'),
    ];
    expect(unseenTags({ baseline: counters, fault: [], between: [], recovery: [], overall: [] }, script)).toEqual([]);
  });
  it('says nothing when every value is in the script, or the tag is one k6 sets', () => {
    expect(
      unseenTags({ baseline: [ex('p95{name:write} < 100ms'), ex('rate(5xx){status:503} < 1%')], fault: [], between: [], recovery: [], overall: [] }, script),
    ).toEqual([]);
  });
});

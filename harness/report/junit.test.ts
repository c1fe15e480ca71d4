import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../core/errors.ts';
import { renderJUnit, type RunResult } from './index.ts';

// A real run: lb-failover in broken mode, 3 of 7 expectations held.
const recorded = JSON.parse(readFileSync(path.join(import.meta.dirname, 'testdata', 'lb-failover-broken.result.json'), 'utf8')) as RunResult;

type Case = { '@_name': string; '@_classname': string; failure?: { '@_message': string }; error?: { '@_message': string; '@_type': string } };
type Suite = { '@_name': string; '@_tests': string; '@_failures': string; '@_errors': string; testcase: Case[] };

function parse(text: string): { '@_tests': string; '@_failures': string; '@_errors': string; testsuite: Suite[] } {
  expect(XMLValidator.validate(text)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse(text) as {
    testsuites: ReturnType<typeof parse>;
  };
  return doc.testsuites;
}

describe('JUnit XML', () => {
  it('one testsuite per run, one testcase per expectation; a failure says measured vs expected', () => {
    const all = parse(renderJUnit([{ scenarioFile: 'scenarios/lb-failover.ts', result: recorded, error: undefined }]));
    expect(all).toMatchObject({ '@_tests': '7', '@_failures': '4', '@_errors': '0' });
    const suite = all.testsuite[0];
    expect(suite?.['@_name']).toBe('lb-failover (broken)');
    expect(suite?.testcase.map((c) => c['@_name'])).toEqual(recorded.judgement.expectations.map((x) => `${x.phase}: ${x.source}`));
    const ejection = suite?.testcase.find((c) => c['@_name'] === 'overall: ejection{part:app1} < 2s');
    expect(ejection?.failure?.['@_message']).toMatch(/^measured 8\.\d+s; expected ejection\{part:app1\} < 2s$/);
    const never = suite?.testcase.find((c) => c['@_name'] === 'recovery: recovery{name:job} < 5s');
    expect(never?.failure?.['@_message']).toMatch(/measured — \(never recovered.*\); expected recovery\{name:job\} < 5s/);
    expect(suite?.testcase.find((c) => c['@_name'] === 'baseline: p95 < 100ms')?.failure).toBeUndefined();
  });

  it('a harness error is an <error>, not a failure, and names the file, field and fix', () => {
    const bad = new ScenarioError('scenarios/typo.ts', [{ field: 'load.rate', message: 'expected number, received string', fix: 'give a number' }]);
    const all = parse(
      renderJUnit([
        { scenarioFile: 'scenarios/typo.ts', result: undefined, error: bad },
        { scenarioFile: 'scenarios/lb-failover.ts', result: recorded, error: undefined },
      ]),
    );
    expect(all).toMatchObject({ '@_tests': '8', '@_failures': '4', '@_errors': '1' });
    const err = all.testsuite[0]?.testcase[0]?.error;
    expect(all.testsuite[0]?.['@_name']).toBe('scenarios/typo.ts');
    expect(err?.['@_type']).toBe(bad.code);
    expect(err?.['@_message']).toContain('load.rate');
  });

  it('escapes what XML cannot hold as is', () => {
    const odd = structuredClone(recorded);
    const first = odd.judgement.expectations[0];
    if (first) Object.assign(first, { source: 'p95{name:<a&b>} < 100ms "x"', passed: false, note: 'bell \u0007 here' });
    const all = parse(renderJUnit([{ scenarioFile: 'x.ts', result: odd, error: undefined }]));
    expect(all.testsuite[0]?.testcase[0]?.['@_name']).toBe('baseline: p95{name:<a&b>} < 100ms "x"');
  });
});

// Hostile input to the pure parts: text of the system under test in the reports, bounds on a
// replayed log, values that can never pass, and the parsers under any input (fast-check): a value
// or one clear error, never a crash. (Generated code: replay/write.test.ts; the CLI end to end:
// tests/integration/hostile-input.test.ts.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, parseDurationMs } from './core/duration.ts';
import { ReplayError, StackStartError } from './core/errors.ts';
import { mdCell, mdCode, mdText, printable } from './core/text.ts';
import { parseExpectation } from './measures/index.ts';
import { parseHaproxy, parseJsonLine, parseNginx, resolveJsonMap } from './replay/parse.ts';
import { MAX_ENDPOINTS, MAX_REPLAY_SECONDS, profileOf } from './replay/profile.ts';
import { MAX_LINE_CHARS, readLog } from './replay/read.ts';
import { githubAnnotations, renderComment, renderSummary, type RunResult } from './report/index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-hostile-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const recorded = JSON.parse(readFileSync(path.join(import.meta.dirname, 'report', 'testdata', 'lb-failover-broken.result.json'), 'utf8')) as RunResult;

/** What a health check's reason phrase or a service's log line can carry. */
const HOSTILE = '@maintainers ![x](https://example.invalid/x.png) <img src=x onerror=alert(1)> | a | ``` `code` \u001b[31mred\u001b[0m \u202eevil\nnext line';

describe('text of the system under test', () => {
  it('comment.md (posted to a pull request): no mention, image, HTML, table break, code fence or escape code', () => {
    const error = new StackStartError('app', `health check answered 503 ${HOSTILE}`, 'node server.js', `  | ${HOSTILE}`, 'fix the service');
    const md = renderComment([{ scenarioFile: 'chaos/scenario.ts', result: undefined, error, cleanupFailures: [] }]);
    expect(md).not.toMatch(/@maintainers/);
    expect(md).toContain('@\u200bmaintainers');
    expect(md).not.toMatch(/(?<!\\)!\[|(?<!\\)<img|\u001b|\u202e/);
    // The table row stays one row of five cells.
    const row = md.split('\n').find((l) => l.includes('chaos/scenario.ts')) ?? '';
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(5);
    expect(md.split('\n').filter((l) => l.startsWith('|')).length).toBe(3);
  });

  it("GitHub Actions annotations: each one line, a service's text cannot start a workflow command of its own", () => {
    // Text from the service under test, or from a scenario's names, carrying a second command.
    const injected = `bad\n::add-mask::secret\r\n::stop-commands::x 100% ${HOSTILE}`;
    const error = new StackStartError('app', `health check answered 503 ${injected}`, 'node server.js', '', 'fix the service');
    const failing: RunResult = {
      ...recorded,
      judgement: {
        ...recorded.judgement,
        expectations: recorded.judgement.expectations.map((x, i) => (i === 0 ? { ...x, passed: false, phase: `p,1:${injected}` } : x)),
      },
    };
    const lines = githubAnnotations([
      { scenarioFile: 'chaos/a,b:c.ts', result: failing, error: undefined, cleanupFailures: [injected] },
      { scenarioFile: 'chaos/scenario.ts', result: undefined, error, cleanupFailures: [] },
    ]);
    // One per failed expectation, one for what was left behind, one for the harness error.
    expect(lines.length).toBe(
      failing.judgement.expectations.filter((x) => !x.passed).length + (failing.baseline?.comparisons.filter((c) => c.regressed).length ?? 0) + 2,
    );
    for (const l of lines) {
      expect(l).toMatch(/^::error file=[^,:]+,title=[^,:]+::/);
      expect(l).not.toMatch(/[\r\n]/);
    }
    expect(lines[0]).toMatch(/^::error file=chaos\/a%2Cb%3Ac\.ts,title=p%2C1%3Abad%0A%3A%3Aadd-mask%3A%3Asecret%0D%0A%3A%3Astop-commands%3A%3Ax 100%25 /);
    expect(lines.at(-1)).toMatch(/^::error file=chaos\/scenario\.ts,title=brownout%3A the run could not be made::app: .*503 bad%0A::add-mask::secret%0D%0A/);
  });

  it('summary.md (a file and the terminal): the table keeps its columns, no escape code, the incident on one line', () => {
    const r: RunResult = {
      ...recorded,
      scenario: { ...recorded.scenario, incident: HOSTILE },
      timeline: [...recorded.timeline, { ...(recorded.timeline[1] ?? recorded.timeline[0]), label: HOSTILE } as RunResult['timeline'][number]],
    };
    const md = renderSummary(r);
    expect(md).not.toMatch(/\u001b|\u202e/);
    const timeline = md.split('\n').filter((l) => l.startsWith('| +'));
    for (const l of timeline) expect(l.split(/(?<!\\)\|/).length, l).toBe(4);
    expect(md).toContain(`> ${mdCell(HOSTILE)}`);
  });

  it('the helpers: printable keeps line breaks and writes control characters; a code span holds any backticks', () => {
    expect(printable('a\u001b[2Jb\n\tc')).toBe('a\\u001b[2Jb\n\tc');
    expect(mdCell('a|b\nc<d>')).toBe('a\\|b c\\<d\\>');
    expect(mdText('@x *y* [z](u)')).toBe('@\u200bx \\*y\\* \\[z\\](u)');
    expect(mdCode('a ``b`` c')).toBe('```a ``b`` c```');
    expect(mdCode('`a')).toBe('`` `a ``');
  });
});

describe('a replayed log is bounded', () => {
  const line = (date: string, p = '/a', status = 200) =>
    `127.0.0.1:4000 [${date}] edge app/app 0/0/0/5/5 ${status} 10 - - ---- 1/1/0/0/0 0/0 "GET ${p} HTTP/1.1"`;

  it('two lines 50 years apart (226 bytes): a clear error naming --from/--to/--speed, no gigabytes', async () => {
    const f = path.join(dir, 'years.log');
    writeFileSync(f, `${line('24/Nov/1976:07:06:40.000')}\n${line('24/Nov/2026:07:06:40.000')}\n`);
    const read = await readLog(f, { format: 'haproxy' });
    let err: unknown;
    try {
      profileOf(read.requests, { speed: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReplayError);
    expect((err as ReplayError).describe()).toMatch(/more than 3600 s[\s\S]*--from \/ --to \/ --speed[\s\S]*--speed/);
  });

  it(`three days at speed 1: refused; the same window at the speed the error names fits in ${MAX_REPLAY_SECONDS} s`, async () => {
    const f = path.join(dir, 'days.log');
    writeFileSync(f, `${line('24/Nov/2026:07:06:40.000')}\n${line('27/Nov/2026:07:06:40.000')}\n`);
    const read = await readLog(f, { format: 'haproxy' });
    expect(() => profileOf(read.requests, { speed: 1 })).toThrow(ReplayError);
    try {
      profileOf(read.requests, { speed: 1 });
    } catch (e) {
      expect((e as ReplayError).describe()).toMatch(/raise --speed \(at least 73 for this window\)/);
    }
    expect(profileOf(read.requests, { speed: 73 }).seconds).toBeLessThanOrEqual(MAX_REPLAY_SECONDS);
  });

  it('a window outside which most of the log falls: those lines are counted, not kept', async () => {
    const f = path.join(dir, 'window.log');
    writeFileSync(f, `${[0, 1, 2, 3, 4, 5].map((s) => line(`24/Nov/2026:07:0${s}:40.000`)).join('\n')}\n`);
    const read = await readLog(f, { format: 'haproxy', from: '07:02', to: '07:04' });
    expect(read.requests.length).toBe(2);
    expect(read.outside).toBe(4);
  });

  it(`a line longer than ${MAX_LINE_CHARS} characters is not parsed (and not read by a regex); the others are`, async () => {
    const f = path.join(dir, 'long.log');
    writeFileSync(f, `${line('24/Nov/2026:07:06:40.000', `/${'a'.repeat(MAX_LINE_CHARS)}`)}\n${line('24/Nov/2026:07:06:41.000')}\n`);
    const read = await readLog(f, { format: 'haproxy' });
    expect(read.requests.length).toBe(1);
    expect(read.firstUnparsed[0]?.why).toBe(`longer than ${MAX_LINE_CHARS} characters`);
  });

  it(`more than ${MAX_ENDPOINTS} endpoints (garbage methods of a jsonl log): a clear error, not one k6 scenario each`, () => {
    const requests = Array.from({ length: MAX_ENDPOINTS + 1 }, (_, i) => ({
      arrivalMs: 1_700_000_000_000 + i,
      method: `M${i}`,
      path: '/a',
      status: 200,
      durationMs: 1,
    }));
    expect(() => profileOf(requests, { speed: 1 })).toThrow(ReplayError);
    expect(profileOf(requests.slice(0, MAX_ENDPOINTS), { speed: 1 }).endpoints.length).toBe(MAX_ENDPOINTS);
  });
});

describe('values that can never pass are refused', () => {
  for (const text of ['p95 < 0ms', 'rate(5xx) < 0%', 'count < 0', 'rate(2xx) > 100%', 'cache_miss_rate > 1'])
    it(text, () => expect(parseExpectation(text)).toMatchObject({ ok: false, message: expect.stringContaining('can never hold') }));
  it("a duration past 24 h ('99999999999h') is no duration; 24h is", () => {
    expect(parseExpectation('recovery < 99999999999h')).toMatchObject({ ok: false, message: expect.stringContaining('not a duration (up to 24h)') });
    expect(parseDurationMs('99999999999h')).toBeUndefined();
    expect(parseDurationMs('24h')).toBe(MAX_DURATION_MS);
    expect(parseExpectation('rate(5xx) == 0')).toMatchObject({ ok: true });
  });
});

describe('parsers under any input: a value or one clear error, never a crash', () => {
  const anyText = fc.string({ unit: 'binary', maxLength: 300 });
  // Near-misses of the real syntax find more than random text does.
  const expectationish = fc
    .tuple(
      fc.constantFrom(
        'p95',
        'p(99.9)',
        'p0',
        'max',
        'count',
        'rate(5xx)',
        'rate(',
        'recovery',
        'lost_writes',
        'cache_miss_rate',
        'ejection',
        'connections',
        '',
      ),
      fc.constantFrom('', '{name:upload}', '{first:1s}', '{part:app}', '{', '{a:}'),
      fc.constantFrom('<', '<=', '>', '>=', '==', '=', ''),
      fc.oneof(fc.constantFrom('0', '1s', '0.1%', '100%', '99999999999h', '-1', '1e9', 'NaN'), anyText),
      fc.constantFrom('', ' @95%', ' @90%'),
    )
    .map(([m, t, o, v, c]) => `${m}${t} ${o} ${v}${c}`);

  it('parseExpectation', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, expectationish), (text) => {
        const r = parseExpectation(text);
        if (r.ok) expect(Number.isFinite(r.expectation.value)).toBe(true);
        else expect(r.message.length > 0 && r.fix.length > 0).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('parseDurationMs', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.stringMatching(/^(\d{1,15}(\.\d{1,3})?(ms|s|m|h)){1,4}$/)), (text) => {
        const ms = parseDurationMs(text);
        if (ms !== undefined) expect(ms >= 0 && ms <= MAX_DURATION_MS).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('the access-log lines: haproxy, nginx, jsonl', () => {
    const haproxyish = fc
      .tuple(
        fc.constantFrom('', 'Nov 24 07:06:48 host haproxy[1]: ', '[[['),
        anyText,
        fc.constantFrom('[24/Nov/2026:07:06:48.534]', '[99/Xyz/0000:99:99:99]'),
        anyText,
      )
      .map(([a, b, d, e]) => `${a}127.0.0.1:4000 ${d} edge app/app 0/0/0/5/5 200 10 - - ---- 1/1/0/0/0 0/0 "${b}" ${e}`);
    const map = resolveJsonMap({ time: 1, method: 'GET', path: '/', status: 200, duration_ms: 1 }, {}, undefined, false);
    if (!('map' in map)) throw new Error('no map');
    fc.assert(
      fc.property(fc.oneof(anyText, haproxyish, fc.json()), (text) => {
        for (const r of [parseHaproxy(text), parseNginx(text), parseJsonLine(text, map.map)]) {
          if (r.ok) expect(Number.isFinite(r.request.arrivalMs) && r.request.path.startsWith('/')).toBe(true);
          else expect(r.why.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

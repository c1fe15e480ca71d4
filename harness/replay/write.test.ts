// Hostile access logs: a log's text reaches the generated scenario and k6 script as data only.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from './index.ts';
import type { LogRequest } from './parse.ts';
import { profileOf, type ReplayProfile } from './profile.ts';
import { loadScriptText, scenarioText, type WriteInput } from './write.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-replay-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file's syntax tree as a list: node kinds, identifiers by name, literals by kind only. Comments are no nodes. */
function shape(text: string): { nodes: string[]; errors: number } {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const nodes: string[] = [];
  const walk = (n: ts.Node): void => {
    nodes.push(ts.isIdentifier(n) ? `id:${n.text}` : ts.SyntaxKind[n.kind]);
    ts.forEachChild(n, walk);
  };
  walk(sf);
  return { nodes, errors: (sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length };
}

/** The string values of the array a `const NAME = [...]` holds. */
function arrayOf(text: string, name: string): string[] | undefined {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let found: string[] | undefined;
  const walk = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name && n.initializer && ts.isArrayLiteralExpression(n.initializer))
      found = n.initializer.elements.map((e) => (ts.isStringLiteral(e) ? e.text : `<${ts.SyntaxKind[e.kind]}>`));
    ts.forEachChild(n, walk);
  };
  walk(sf);
  return found;
}

const input = (profile: ReplayProfile, file: string): WriteInput => ({
  name: 'hostile',
  profile,
  log: { file, format: 'jsonl', lines: 10, parsed: 10, unparsed: 0 },
  harnessImport: '../harness/index.ts',
  loadScript: 'load/hostile.k6.ts',
  stack: { url: 'http://127.0.0.1:8080' },
});

/** The same profile with every text of the log replaced by plain words: the shape the files must keep. */
function plain(p: ReplayProfile): ReplayProfile {
  const keyOf = new Map(p.endpoints.map((e, i) => [e.key, `GET /plain${i}`]));
  return {
    ...p,
    endpoints: p.endpoints.map((e, i) => ({
      ...e,
      key: `GET /plain${i}`,
      // A body or not changes the script's shape; the method's text must not.
      method: ['POST', 'PUT', 'PATCH'].includes(e.method) ? 'POST' : 'GET',
      route: `/plain${i}`,
      paths: e.paths.map((_, j) => `/plain${i}/${j}`),
    })),
    bursts: p.bursts.map((b) => ({ ...b, byEndpoint: b.byEndpoint.map(([k, n]) => [keyOf.get(k) ?? 'GET /x', n] as [string, number]) })),
  };
}

const PAYLOADS = [
  "/x*/process.getBuiltinModule('fs').writeFileSync('PWNED','1')/*",
  "/a\u2028process.getBuiltinModule('fs').writeFileSync('PWNED','1')//",
  '/a\u2029x=1;\u2029//',
  '/a\r\nprocess.exit(3)\r\n//',
  '/a\nprocess.exit(3)\n/*',
  "/'+process.exit(3)+'",
  '/`${process.exit(3)}`',
  '/\\',
  '/*/',
];

const requests = (paths: readonly string[], methods: readonly string[]): LogRequest[] =>
  paths.flatMap((p, i) =>
    // Two seconds of 5xx per path: every path is an endpoint of a burst too.
    [0, 1, 2].map((k) => ({
      arrivalMs: 1_700_000_000_000 + i * 10 + k * 1000,
      method: methods[i % methods.length] ?? 'GET',
      path: p,
      status: k < 2 ? 503 : 200,
      durationMs: 5,
    })),
  );

function checkTexts(paths: readonly string[], methods: readonly string[], file: string): void {
  const profile = profileOf(requests(paths, methods), { speed: 1 });
  for (const text of [scenarioText, loadScriptText]) {
    const hostile = shape(text(input(profile, file)));
    const expected = shape(text(input(plain(profile), 'access.log')));
    expect(hostile.errors).toBe(0);
    expect(hostile.nodes).toEqual(expected.nodes);
  }
  // The paths come back as the values the script sends.
  const script = loadScriptText(input(profile, file));
  for (const e of profile.endpoints) expect(arrayOf(script, `${e.fn.toUpperCase()}_PATHS`)).toEqual(e.paths);
}

describe('generated files carry log text as data only', () => {
  it('the known payloads: a comment closed, line breaks (CR, LF, U+2028, U+2029), quotes, a template, a backslash', () => {
    checkTexts(PAYLOADS, ['GET', 'POST', 'GET*/process.exit(3)/*', 'X\u2028Y'], 'log*/x\u2028.log');
  });

  it('any path, method and log file name: the same syntax tree as plain words, every path sent as it was logged', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constantFrom(...PAYLOADS),
            text.map((s) => `/${s}`),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(
          fc.oneof(
            fc.constantFrom('GET', 'POST', 'DELETE'),
            text.filter((s) => s.length > 0),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        text,
        (paths, methods, file) => checkTexts(paths, methods, file),
      ),
      { numRuns: 300 },
    );
  });

  it("a replayed access log whose path closes the comment runs nothing when the scenario is loaded (the issue's payload)", async () => {
    const log = path.join(dir, 'access.log');
    const lines = PAYLOADS.filter((p) => !/\s/.test(p)).flatMap((p, i) =>
      [0, 1, 2].map(
        (k) =>
          `127.0.0.1:4000 [24/Nov/2026:07:06:${String(10 + k).padStart(2, '0')}.${String(i * 10).padStart(3, '0')}] edge app/app 0/0/0/5/5 ${k < 2 ? 503 : 200} 10 - - ---- 1/1/0/0/0 0/0 "GET ${p} HTTP/1.1"`,
      ),
    );
    writeFileSync(log, `${lines.join('\n')}\n`);
    const jsonl = path.join(dir, 'access.jsonl');
    writeFileSync(
      jsonl,
      `${PAYLOADS.flatMap((p, i) => [0, 1, 2].map((k) => JSON.stringify({ time: 1_700_000_000 + k + i / 100, method: 'GET', path: p, status: k < 2 ? 503 : 200 }))).join('\n')}\n`,
    );
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      for (const [file, format] of [
        [log, 'haproxy'],
        [jsonl, 'jsonl'],
      ] as const) {
        const out = path.join(dir, 'scenarios', `from-${format}.ts`);
        const w = await replay({ log: file, format, speed: 1, out, targetUrl: 'http://127.0.0.1:8080' });
        const mod = (await import(w.scenarioFile)) as { default: { replayOf: { log: string } } };
        expect(mod.default.replayOf.log).toBe(file);
        expect(w.profile.endpoints.flatMap((e) => e.paths).length).toBeGreaterThan(1);
        expect(arrayOf(loadScriptText({ ...input(w.profile, file) }), `${w.profile.endpoints[0]?.fn.toUpperCase()}_PATHS`)).toEqual(
          w.profile.endpoints[0]?.paths,
        );
      }
      expect(existsSync(path.join(dir, 'PWNED'))).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });
});

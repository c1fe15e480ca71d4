import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { K6_BIN, segmentArgs } from '../../harness/load/index.ts';
import { judgeSamples } from '../../harness/run/index.ts';
import { runCli, runProgram as run } from './helpers.ts';

// What the k6-operator does with the exported manifests, done here with real k6 and no cluster:
// the ConfigMap's files in a folder (the operator's /test), each runner started with the TestRun's
// arguments plus its execution segment (as the operator adds), K6_OUT from the runner env with the
// pod name expanded. Then `brownout judge` merges what the runners wrote.
const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-k8s-'));
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('brownout export k8s, run as the operator runs it, then brownout judge', () => {
  it('two runners with the exported arguments write their own samples; judged merged, they are the whole load', async () => {
    const out = path.join(dir, 'manifests');
    const ex = await runCli('export', 'k8s', 'tests/integration/scenarios/latency.ts', '--target-url', url, '--parallelism', '2', '--out', out);
    expect(ex.status, ex.stderr).toBe(0);
    const testRun = parse(readFileSync(path.join(out, 'testrun.yaml'), 'utf8')) as {
      spec: { parallelism: number; arguments: string; runner: { env: { name: string; value?: string }[] } };
    };
    const configMap = parse(readFileSync(path.join(out, 'configmap.yaml'), 'utf8')) as { data: Record<string, string> };
    const test = path.join(dir, 'test');
    const results = path.join(dir, 'results');
    mkdirSync(test);
    mkdirSync(results);
    for (const [f, text] of Object.entries(configMap.data)) writeFileSync(path.join(test, f), text);
    const k6Out = testRun.spec.runner.env.find((e) => e.name === 'K6_OUT')?.value ?? '';
    const n = testRun.spec.parallelism;
    const runs = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const args = testRun.spec.arguments.split(' ').map((a) => a.replace('/test/', `${test}/`));
        return run(K6_BIN, ['run', ...args, ...segmentArgs(i, n), '--quiet', path.join(test, 'load.bundle.js')], {
          K6_OUT: k6Out.replace('$(POD_NAME)', `runner-${i}`).replace('/results/', `${results}/`),
          K6_NO_USAGE_REPORT: 'true',
        });
      }),
    );
    for (const r of runs) expect(r.status, r.stdout + r.stderr).toBe(0);
    const judged = await judgeSamples(results, 'tests/integration/scenarios/latency.ts', path.join(dir, 'reports'));
    expect(judged.error).toBeUndefined();
    expect(judged.exitCode).toBe(0);
    // 20/s for 10 s: 201 arrivals, about half per runner.
    expect(Math.abs((judged.result?.load.requests ?? 0) - 201)).toBeLessThanOrEqual(2);
    expect(judged.result?.load.perRunner?.length).toBe(2);
    for (const p of judged.result?.load.perRunner ?? []) expect(Math.abs(p.requests - 100)).toBeLessThanOrEqual(2);
    // No fault timeline ran in the cluster: the phase expectations that need one are named, not failed.
    expect(judged.skipped).toEqual([
      'fault: p50 >= 300ms (no fault timeline ran)',
      'fault: p50 < 400ms (no fault timeline ran)',
      'recovery: recovery < 1s (no fault timeline ran)',
      'recovery: p50 < 50ms (no fault timeline ran)',
    ]);
    expect(judged.result?.judgement.expectations.map((x) => `${x.phase}: ${x.source} ${x.passed}`)).toEqual([
      'baseline: p50 < 50ms true',
      'baseline: rate(5xx) == 0 true',
    ]);
  }, 60_000);

  it('a folder without samples is one clear error (exit 2)', async () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const j = await judgeSamples(empty, 'tests/integration/scenarios/latency.ts', path.join(dir, 'reports'));
    expect(j.exitCode).toBe(2);
    expect(j.error?.message).toBe(`no k6 request samples in ${empty}`);
    expect(j.error?.hint).toMatch(/one file per runner/);
  });
});

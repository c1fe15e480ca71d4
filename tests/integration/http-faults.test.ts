import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { applyFault, type ResolvedFault } from '../../harness/faults/index.ts';
import { startStack, type HttpRule, type StartedLocalStack } from '../../harness/stack/index.ts';
import { blobServicePart } from './helpers.ts';

/**
 * Each HTTP fault's documented effect, measured between two real processes: the link probe→app
 * goes through Toxiproxy and the link's HTTP fault proxy (a real HAProxy), reached from here at
 * the link's Toxiproxy port. The app counts the requests that reach it (/work, /count).
 */
const LINK = 'probe→app';
const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-http-faults-'));
const cleanup = new CleanupList();
let stack: StartedLocalStack;
let port = 0;

const RULES = {
  error: { id: 'f0', path: '/blob', share: 0.2, action: 'error', status: 503, retryAfterS: 2 },
  delay: { id: 'f1', path: '/blob', share: 1, action: 'delay', delayMs: 400 },
  abort: { id: 'f2', path: '/work', share: 1, action: 'abort' },
  limit: { id: 'f3', path: '/', share: 1, action: 'error', status: 429, retryAfterS: undefined },
} satisfies Record<string, HttpRule>;

beforeAll(async () => {
  stack = await startStack(
    [blobServicePart('app'), blobServicePart('probe', ['app'])],
    [{ name: LINK, from: 'probe', to: 'app', http: Object.values(RULES) }],
    {
      runId: 'http-faults',
      dir,
      cleanup,
    },
  );
  port = stack.links.get(LINK)?.listenPort ?? 0;
}, 60_000);

afterAll(async () => {
  const failures = await cleanup.releaseAll();
  rmSync(dir, { recursive: true, force: true });
  expect(failures).toEqual([]);
});

const faultOf = (rule: HttpRule): ResolvedFault =>
  rule.action === 'error'
    ? { type: 'httpError', link: LINK, rule }
    : rule.action === 'delay'
      ? { type: 'httpDelay', link: LINK, rule }
      : { type: 'httpAbort', link: LINK, rule };

async function under<T>(rule: HttpRule, during: () => Promise<T>): Promise<T> {
  const fault = faultOf(rule);
  const active = await applyFault(fault, stack, 'test', fault.type);
  try {
    return await during();
  } finally {
    await active.heal();
  }
}

const get = (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(5000), ...init });
const count = async () => Number(await (await get('/count')).text());

describe('HTTP faults on a real HAProxy between two processes', () => {
  it('no rule on: every request passes, answered by the app', async () => {
    for (let i = 0; i < 50; i++) expect((await get('/blob?kb=1')).status).toBe(200);
  });

  it('httpError 503 for 20% of /blob: 20% ± sampling, with Retry-After; other paths untouched', async () => {
    const N = 1000;
    const statuses = await under(RULES.error, async () => {
      const got: number[] = [];
      for (let i = 0; i < N; i++) {
        const r = await get('/blob?kb=1');
        if (r.status === 503) {
          expect(r.headers.get('retry-after')).toBe('2');
          expect(await r.text()).toContain('brownout: injected 503');
        } else await r.arrayBuffer();
        got.push(r.status);
      }
      // Another path is not matched.
      for (let i = 0; i < 50; i++) expect((await get('/health')).status).toBe(200);
      return got;
    });
    const share = statuses.filter((s) => s === 503).length / N;
    // 4 standard deviations of a binomial share at 20% over 1 000 requests: ±5.1 points.
    expect(Math.abs(share - 0.2), `503 share ${share}`).toBeLessThan(4 * Math.sqrt((0.2 * 0.8) / N));
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    // Healed: none any more.
    for (let i = 0; i < 100; i++) expect((await get('/blob?kb=1')).status).toBe(200);
  });

  it('httpDelay 400 ms on /blob: each matching request waits 400 ms, concurrently; /health does not', async () => {
    const times = await under(RULES.delay, async () => {
      const t0 = performance.now();
      const each = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const s = performance.now();
          await (await get('/blob?kb=1')).arrayBuffer();
          return performance.now() - s;
        }),
      );
      const all = performance.now() - t0;
      const h0 = performance.now();
      await (await get('/health')).text();
      return { each, all, health: performance.now() - h0 };
    });
    for (const ms of times.each) expect(ms).toBeGreaterThanOrEqual(399);
    // Twenty at once wait together (the delay does not hold other requests back).
    expect(times.all).toBeLessThan(1500);
    expect(times.health).toBeLessThan(200);
    const s = performance.now();
    await (await get('/blob?kb=1')).arrayBuffer();
    expect(performance.now() - s).toBeLessThan(200);
  });

  it('httpAbort on /work: the app does the work, the client gets no answer (connection closed)', async () => {
    const before = await count();
    const outcomes = await under(RULES.abort, async () => {
      const got: string[] = [];
      for (let i = 0; i < 10; i++) {
        try {
          const r = await get('/work', { method: 'POST' });
          got.push(String(r.status));
        } catch (e) {
          got.push(`failed: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
        }
      }
      return got;
    });
    expect(
      outcomes.every((o) => o.startsWith('failed')),
      outcomes.join(', '),
    ).toBe(true);
    // Every one of them reached the app and was done there.
    expect((await count()) - before).toBe(10);
    expect((await get('/work', { method: 'POST' })).status).toBe(200);
  });

  it('a 429 on every path, without Retry-After, answered without reaching the app; heal twice is heal once', async () => {
    const before = await count();
    const a = await applyFault(faultOf(RULES.limit), stack, 'test', 'limit');
    const r = await get('/health');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBeNull();
    for (let i = 0; i < 5; i++) expect((await get('/work', { method: 'POST' })).status).toBe(429);
    await a.heal();
    // None of the five reached the app.
    expect(await count()).toBe(before);
    await a.heal();
    expect((await get('/health')).status).toBe(200);
  });
});

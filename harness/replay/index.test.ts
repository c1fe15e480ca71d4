import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from './index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-replay-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay', () => {
  it('takes a long log (300 000 requests, more than a spread can hold) to a scenario and its script', async () => {
    const log = path.join(dir, 'big.log');
    const out = createWriteStream(log);
    for (let i = 0; i < 300_000; i++) {
      const s = Math.floor(i / 100);
      const t = `24/Nov/2026:07:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.${String((i % 100) * 10).padStart(3, '0')}`;
      out.write(`127.0.0.1:4000 [${t}] edge app/app 0/0/0/5/5 200 10 - - ---- 1/1/0/0/0 0/0 "GET /items/${i % 500} HTTP/1.1"\n`);
    }
    await new Promise((resolve) => out.end(resolve));
    const w = await replay({ log, format: 'haproxy', speed: 60, out: path.join(dir, 'scenarios', 'big.ts'), targetUrl: 'http://127.0.0.1:8080' });
    expect(w.profile.seconds).toBe(50);
    expect(w.profile.endpoints.map((e) => [e.key, e.count])).toEqual([['GET /items/:id', 300_000]]);
    expect(w.profile.requests.every((n) => n === 6000)).toBe(true);
    expect(existsSync(path.join(dir, 'scenarios', 'load', 'big.k6.ts'))).toBe(true);
  }, 60_000);
});

import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResultsFile } from './results.ts';
import { ResultTail } from './tail.ts';

// Recorded k6 v2 JSON output, appended in odd-sized pieces as k6 would write it during a run.
const sample = path.join(import.meta.dirname, 'testdata', 'k6-sample.jsonl');
const dir = mkdtempSync(path.join(os.tmpdir(), 'bo-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ResultTail', () => {
  it('counts every request once while the file grows, cut mid-line or not', async () => {
    const all = await readResultsFile(sample);
    const text = readFileSync(sample, 'utf8');
    const file = path.join(dir, 'k6-results.json');
    const tail = new ResultTail(file);
    expect(tail.poll().requests).toBe(0); // not written yet
    writeFileSync(file, '');
    const last = Math.max(...[...all.requests].map((r) => r.startMs));
    let seen = 0;
    for (let at = 0; at < text.length; at += 997) {
      appendFileSync(file, text.slice(at, at + 997));
      const now = tail.poll(last + 1);
      expect(now.requests).toBeGreaterThanOrEqual(seen);
      seen = now.requests;
    }
    const end = tail.poll(last + 1);
    expect(end.requests).toBe(all.requests.length);
    // The window holds only what started in the last 5 s before "now".
    const inWindow = [...all.requests].filter((r) => r.startMs >= last + 1 - 5000);
    expect(end.windowRequests).toBe(inWindow.length);
    expect(end.window503Rate).toBe(inWindow.filter((r) => r.status === 503).length / inWindow.length);
    expect(end.windowNon2xxRate).toBe(inWindow.filter((r) => Math.floor(r.status / 100) !== 2).length / inWindow.length);
    expect(tail.poll(last + 60_000)).toMatchObject({ requests: all.requests.length, windowRequests: 0, windowP95Ms: undefined });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../core/errors.ts';
import { parseWhen, readLog } from './read.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-readlog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, lines: string[]) => {
  const f = path.join(dir, name);
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
};

describe('readLog', () => {
  it('counts and shows the lines that do not parse, with their numbers; the rest are requests', async () => {
    const f = file('mixed.jsonl', [
      '{"ts":"2026-11-24T10:00:00Z","req":{"path":"/a/1"},"verb":"GET","code":200}',
      'garbage',
      '',
      '{"ts":"2026-11-24T10:00:01Z","req":{"path":"/a/2"},"verb":"POST","code":503}',
    ]);
    const r = await readLog(f, { format: 'jsonl', map: { path: 'req.path', status: 'code' } });
    expect(r.requests.map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual(['GET /a/1 200', 'POST /a/2 503']);
    expect(r).toMatchObject({ lines: 4, unparsed: 1, firstUnparsed: [{ line: 2, text: 'garbage', why: 'not JSON' }] });
  });
  it('a JSON log without the fields names them and the --map fix', async () => {
    const f = file('nofields.jsonl', ['{"when":"2026-11-24T10:00:00Z","url":"/a"}']);
    const e = await readLog(f, { format: 'jsonl' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HarnessError);
    expect((e as HarnessError).message).toBe('no field for time, method, status in the first JSON line');
    expect((e as HarnessError).hint).toContain('--map time=FIELD,method=FIELD,status=FIELD');
    expect((e as HarnessError).where).toContain(`${f}:1`);
  });
  it('a missing file is one error naming it', async () => {
    const e = await readLog(path.join(dir, 'nope.log'), { format: 'haproxy' }).catch((x: unknown) => x);
    expect((e as HarnessError).message).toBe(`no log file '${path.join(dir, 'nope.log')}'`);
  });
});

describe('parseWhen', () => {
  const first = Date.UTC(2026, 10, 24, 7, 6, 48, 500);
  it('ISO with or without zone (none = UTC), or a time of day on the first day', () => {
    expect(parseWhen('2026-11-24T08:06:50+01:00', '--from', first)).toBe(Date.UTC(2026, 10, 24, 7, 6, 50));
    expect(parseWhen('2026-11-24 07:06:50', '--from', first)).toBe(Date.UTC(2026, 10, 24, 7, 6, 50));
    expect(parseWhen('07:07', '--to', first)).toBe(Date.UTC(2026, 10, 24, 7, 7, 0));
    expect(parseWhen('07:06:49.25', '--from', first)).toBe(Date.UTC(2026, 10, 24, 7, 6, 49, 250));
  });
  it('names the option and the forms it takes', () => {
    expect(() => parseWhen('yesterday', '--from', first)).toThrow(/--from 'yesterday' is not a time/);
  });
});

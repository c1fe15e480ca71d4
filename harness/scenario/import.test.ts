// The bound on a scenario's import, on real imports: a promise that never settles, a busy loop.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError } from '../core/errors.ts';
import { importScenarioFile } from './import.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

async function outcome(f: string, ms: number): Promise<{ value?: unknown; error?: unknown }> {
  try {
    return { value: (await importScenarioFile(f, path.basename(f), ms)).default };
  } catch (error) {
    return { error };
  }
}

describe('importScenarioFile', () => {
  it('a top-level await that never settles: a ScenarioError naming the file at the bound', async () => {
    const o = await outcome(file('never.mjs', 'await new Promise(() => {});\nexport default 1;\n'), 500);
    expect(o.error).toBeInstanceOf(ScenarioError);
    expect(String((o.error as ScenarioError).message)).toContain('did not finish loading within 0.5 s');
    expect((o.error as ScenarioError).problems[0]?.fix).toMatch(/top-level await/);
  });

  it('a busy loop at import: stopped by the watchdog, the same ScenarioError, and this process goes on importing', async () => {
    const o = await outcome(file('busy.mjs', 'while (true) {}\nexport default 1;\n'), 500);
    expect(o.error).toBeInstanceOf(ScenarioError);
    expect(String((o.error as ScenarioError).message)).toContain('did not finish loading within 0.5 s');
    const next = await outcome(file('fine.mjs', 'export default { name: "fine" };\n'), 500);
    expect(next.value).toEqual({ name: 'fine' });
  });

  it("a file that fails to import: its own error, not the bound's", async () => {
    const o = await outcome(file('throws.mjs', 'throw new Error("boom at import");\n'), 5_000);
    expect(o.error).toBeInstanceOf(Error);
    expect(o.error).not.toBeInstanceOf(ScenarioError);
    expect((o.error as Error).message).toBe('boom at import');
  });
});

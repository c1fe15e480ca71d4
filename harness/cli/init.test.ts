import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initProject } from './init.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A project folder with this package.json; init's lines. */
function initIn(pkg: Record<string, unknown>): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-init-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  const lines: string[] = [];
  const code = initProject(
    dir,
    { command: 'node server.js', health: '/health', dir: 'chaos', database: 'none' },
    (l) => lines.push(l),
    (l) => lines.push(`ERR ${l}`),
  );
  expect(code, lines.join('\n')).toBe(0);
  return lines;
}

describe('brownout init: the type check it tells of', () => {
  // brownout does not bring TypeScript; `npx tsc` without it in the project fetches an unrelated package.
  it('without TypeScript in the project: install it first', () => {
    expect(initIn({ name: 'x' })).toContain('type check (optional): npm install -D typescript, then npx tsc -p chaos/tsconfig.json');
  });
  it('with TypeScript: the command alone', () => {
    expect(initIn({ name: 'x', devDependencies: { typescript: '^5.9.0' } })).toContain('type check: npx tsc -p chaos/tsconfig.json');
  });
});

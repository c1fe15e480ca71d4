import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

describe('brownout init --compose', () => {
  const project = (compose: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-init-compose-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'package.json'), '{ "name": "shop" }');
    writeFileSync(path.join(dir, 'docker-compose.yml'), compose);
    const lines: string[] = [];
    const code = initProject(
      dir,
      { health: '/health', dir: 'chaos', database: 'none', compose: 'docker-compose.yml' },
      (l) => lines.push(l),
      (l) => lines.push(`ERR ${l}`),
    );
    return { dir, code, lines };
  };

  it('a key brownout cannot honour: exit 2 naming the file, the service and the key; nothing written', () => {
    const { dir, code, lines } = project('services:\n  app:\n    image: team/app:1\n    expose: ["3000"]\n    privileged: true\n');
    expect(code).toBe(2);
    expect(lines.join('\n')).toMatch(
      /^ERR brownout init: ScenarioError .*\n.*docker-compose\.yml › services\.app\.privileged: brownout cannot honour privileged/,
    );
    expect(existsSync(path.join(dir, 'chaos'))).toBe(false);
    expect(readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe('{ "name": "shop" }');
  });

  it('the load at the service nothing depends on, a latency on each link in its own phase, the chaos script on containers', () => {
    const { dir, code, lines } = project(
      'services:\n  web:\n    image: team/web:1\n    expose: ["80"]\n    depends_on: [api]\n  api:\n    image: team/api:1\n    expose: ["3000"]\n    environment: { DATABASE_URL: "mysql://u:p@db:3306/app" }\n  db:\n    image: mysql:8\n',
    );
    expect(code, lines.join('\n')).toBe(0);
    const text = readFileSync(path.join(dir, 'chaos', 'scenario.ts'), 'utf8');
    expect(text).toContain("stack: fromCompose('../docker-compose.yml'),");
    expect(text).toContain("target: 'web'");
    expect(text).toContain("at('5s', latency({ link: 'web→api', latency: '200ms' }), { for: '3s', name: 'slow-web-api' }),");
    expect(text).toContain("at('9s', latency({ link: 'api→db', latency: '200ms' }), { for: '3s', name: 'slow-api-db' }),");
    expect(text).toContain("duration: '16s'");
    expect(lines).toContain('added    package.json scripts.chaos ("brownout run chaos/scenario.ts --stack containers")');
  });
});

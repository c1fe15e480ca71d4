import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The module map's forbidden arrows, checked on every import of every source file (`import type` and
// `export ... from` included: a type-only loop is a loop).
const ROOT = path.resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)]
    .map((m) => m[1] ?? '')
    .filter((s) => s.startsWith('.'))
    .map((s) => path.relative(ROOT, path.resolve(ROOT, path.dirname(file), s)));
}

const area = (file: string) => file.split(path.sep).slice(0, 2).join('/');

const FORBIDDEN: [from: string, to: string, why: string][] = [
  ['fixtures', 'harness', 'the sample service knows nothing of the harness'],
  ['harness/metrics', 'harness/stack', 'metrics take numbers in and give figures out, testable without processes'],
  ['harness/metrics', 'harness/load', 'metrics take numbers in and give figures out'],
  ['harness/metrics', 'harness/faults', 'metrics take numbers in and give figures out'],
  ['harness/metrics', 'harness/measures', 'the math knows no measure: a measure composes it'],
  ['harness/stack', 'harness/faults', 'faults sit above what they break'],
  ['harness/stack', 'harness/scenario', 'the stack owns its types (links, parts, kill signals); the scenario resolves into them'],
  ['harness/load', 'harness/faults', 'faults sit above what they break'],
  ['harness/load', 'harness/stack', 'load reaches the stack only through the URL it is given'],
];

describe('module map', () => {
  const files = [...sources('harness'), ...sources('fixtures')];
  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(20);
  });
  for (const [from, to, why] of FORBIDDEN) {
    it(`${from} never imports ${to} (${why})`, () => {
      const bad = files
        .filter((f) => f.startsWith(from))
        .flatMap((f) =>
          importsOf(f)
            .filter((i) => i.startsWith(to))
            .map((i) => `${f} → ${i}`),
        );
      expect(bad).toEqual([]);
    });
  }
  it('other areas enter a harness area through its index.ts, or public.ts for what scenarios import (core excepted: shared helpers)', () => {
    const bad = files
      .filter((f) => f.startsWith('harness/'))
      .flatMap((f) =>
        importsOf(f)
          .filter(
            (i) =>
              i.startsWith('harness/') &&
              area(i) !== area(f) &&
              !i.startsWith('harness/core/') &&
              !/^harness\/[a-z]+\/(index|public)\.ts$/.test(i) &&
              i !== 'harness/index.ts',
          )
          .map((i) => `${f} → ${i}`),
      );
    expect(bad).toEqual([]);
  });
});

describe('one home per kind', () => {
  // A module in these folders that exports a kind is registered in its list: validation, the run and
  // the README check loop over the list, so an unregistered kind would be silently unusable.
  const kindsIn = (dir: string, suffix: string) =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .flatMap((f) => [...readFileSync(path.join(ROOT, dir, f), 'utf8').matchAll(new RegExp(`^export const (\\w+${suffix})\\b`, 'gm'))].map((m) => m[1] ?? ''));
  it('every fault kind module is in FAULT_KINDS', async () => {
    const { FAULT_KINDS } = await import('./faults/kinds/index.ts');
    const registered = new Set<unknown>(FAULT_KINDS);
    const mod: Record<string, unknown> = {};
    for (const f of readdirSync(path.join(ROOT, 'harness/faults/kinds')).filter((x) => x.endsWith('.ts') && !x.endsWith('.test.ts')))
      Object.assign(mod, await import(`./faults/kinds/${f}`));
    const names = kindsIn('harness/faults/kinds', 'Kind');
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((n) => !registered.has(mod[n]))).toEqual([]);
  });
  it('every measure module is in MEASURE_KINDS', async () => {
    const { MEASURE_KINDS } = await import('./measures/registry.ts');
    const registered = new Set<unknown>(MEASURE_KINDS);
    const mod: Record<string, unknown> = {};
    for (const f of readdirSync(path.join(ROOT, 'harness/measures')).filter((x) => x.endsWith('.ts') && !x.endsWith('.test.ts')))
      Object.assign(mod, await import(`./measures/${f}`));
    const names = kindsIn('harness/measures', 'Measure');
    expect(names.length).toBeGreaterThanOrEqual(13);
    expect(names.filter((n) => !registered.has(mod[n]))).toEqual([]);
    // Each measure's metric is named by its kind, one measure per kind.
    expect(new Set(MEASURE_KINDS.map((k) => k.kind)).size).toBe(MEASURE_KINDS.length);
  });
  it('every fault kind, measure and part kind has its unit test beside it (<file>.test.ts)', () => {
    const untested = [
      ['harness/faults/kinds', 'Kind'],
      ['harness/measures', 'Measure'],
      ['harness/stack/parts', 'Kind'],
    ].flatMap(([dir = '', suffix = '']) =>
      readdirSync(path.join(ROOT, dir))
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .filter((f) => new RegExp(`^export const \\w+${suffix}\\b`, 'm').test(readFileSync(path.join(ROOT, dir, f), 'utf8')))
        .filter((f) => !existsSync(path.join(ROOT, dir, f.replace(/\.ts$/, '.test.ts'))))
        .map((f) => `${dir}/${f}`),
    );
    expect(untested).toEqual([]);
  });
  it('every stack part kind module is in PART_KINDS', async () => {
    const { PART_KINDS } = await import('./stack/parts/index.ts');
    const registered = new Set<unknown>(PART_KINDS);
    const mod: Record<string, unknown> = {};
    for (const f of readdirSync(path.join(ROOT, 'harness/stack/parts')).filter((x) => x.endsWith('.ts') && !x.endsWith('.test.ts')))
      Object.assign(mod, await import(`./stack/parts/${f}`));
    const names = kindsIn('harness/stack/parts', 'Kind');
    expect(names.sort()).toEqual(['gatewayKind', 'mariadbKind', 'memcachedKind', 'redisKind', 'serviceKind']);
    expect(names.filter((n) => !registered.has(mod[n]))).toEqual([]);
  });
});

describe('the CLI is a dispatcher', () => {
  // Each command is one file in cli/commands/ that registers it; main.ts only registers them and decides the exit.
  it('cli/main.ts registers every command file and defines no command itself; each command file registers its own', () => {
    const main = readFileSync(path.join(ROOT, 'harness/cli/main.ts'), 'utf8');
    expect(main).not.toMatch(/\.command\(/);
    const commands = readdirSync(path.join(ROOT, 'harness/cli/commands')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(commands.length).toBeGreaterThan(10);
    for (const f of commands) {
      const text = readFileSync(path.join(ROOT, 'harness/cli/commands', f), 'utf8');
      const fn = /^export function (register\w+)\(program: Command\): void/m.exec(text)?.[1];
      expect(fn, `${f} exports register<Command>(program)`).toBeDefined();
      expect(main, `main.ts registers ${f}`).toContain(`${fn}(program);`);
      expect(text, f).toMatch(/\.command\('/);
    }
  });
});

describe('no import cycles', () => {
  // A cycle of value imports makes one module see another half-evaluated (a registry list with a
  // hole in it): found here, not at run time. Type-only imports are erased and do not count.
  it('among the harness modules, value imports only', () => {
    const files = sources('harness');
    const valueImports = (file: string) => {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      return [...text.matchAll(/^\s*(import|export)\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/gm)]
        .map((m) => m[2] ?? '')
        .filter((s) => s.startsWith('.'))
        .map((s) => path.relative(ROOT, path.resolve(ROOT, path.dirname(file), s)));
    };
    const graph = new Map(files.map((f) => [f, valueImports(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].join(' → '));
        return;
      }
      state.set(f, 'visiting');
      for (const g of graph.get(f) ?? []) visit(g, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });
});

describe('one lifecycle vocabulary', () => {
  // A thing the run makes goes definition (the scenario's type) → Resolved… → Started… (a handle,
  // stop() idempotent); what it puts on a started thing and takes off again is Applied… (heal()).
  // The words the stack once had besides these (Running…, Active…, Live…) name no type again.
  it('no type or interface is named Running…, Active… or Live…', () => {
    const found = sources('harness').flatMap((file) =>
      [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/^\s*(?:export\s+)?(?:interface|type|class)\s+((?:Running|Active|Live)[A-Z]\w*)/gm)].map(
        (m) => `${file}: ${m[1]}`,
      ),
    );
    expect(found).toEqual([]);
  });
});

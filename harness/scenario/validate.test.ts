import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError } from '../core/errors.ts';
import {
  at,
  diskFull,
  down,
  flushCache,
  freeze,
  gateway,
  httpAbort,
  httpDelay,
  httpError,
  kill,
  latency,
  lockWait,
  mariadb,
  resetPeer,
  restart,
  service,
  timeout,
} from './dsl.ts';
import type { ScenarioDefinition } from './types.ts';
import { resolveScenario } from './validate.ts';

const cwd = mkdtempSync(path.join(os.tmpdir(), 'brownout-validate-'));
writeFileSync(path.join(cwd, 'load.ts'), 'export default function () {}\n');
writeFileSync(path.join(cwd, 'schema.sql'), 'CREATE TABLE t (id INT);\n');
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function good(): ScenarioDefinition {
  return {
    name: 'demo',
    incident: 'a demo incident',
    modes: ['fixed', 'broken'],
    stack: ({ mode }) => ({
      db: mariadb({ schema: 'schema.sql' }),
      app: service({ command: ['node', 'app.js'], env: { MODE: mode }, dependsOn: ['db'] }),
      edge: gateway({ to: 'app', timeout: '3s', timeoutStatus: 503 }),
    }),
    load: { script: 'load.ts', target: 'edge', rate: 10, duration: '30s' },
    timeline: [
      at('5s', latency({ link: 'app→db', latency: '300ms' }), { for: '5s' }),
      at('15s', lockWait({ db: 'db', rows: 'SELECT * FROM t WHERE id = 1' }), { for: '2s' }),
    ],
    expect: { baseline: ['p95 < 100ms'], fault: ['rate(503) < 1%'], recovery: ['recovery < 2s'] },
  };
}

/** Two instances behind a checking gateway with leader routing. */
const pair = () => ({
  a1: service({ command: ['x'] }),
  a2: service({ command: ['x'] }),
  edge: gateway({ to: ['a1', 'a2'], timeout: '1s', check: { interval: '250ms', fall: 2, rise: 2 }, leader: { paths: ['/jobs'], check: '/leader' } }),
});

describe('resolveScenario', () => {
  it("resolves every path from the scenario's folder, not the working directory", () => {
    // The scenario sits in <cwd>/chaos; its files beside it; brownout runs from elsewhere.
    const chaos = path.join(cwd, 'chaos');
    mkdirSync(chaos, { recursive: true });
    writeFileSync(path.join(chaos, 'load.k6.ts'), 'export default function () {}\n');
    const d: ScenarioDefinition = {
      ...good(),
      stack: () => ({
        db: mariadb({ schema: '../schema.sql' }),
        app: service({ command: ['npm', 'start'], cwd: '..', dependsOn: ['db'] }),
        other: service({ command: ['x'] }),
        edge: gateway({ to: 'app', timeout: '3s' }),
      }),
      load: { script: 'load.k6.ts', target: 'edge', rate: 10, duration: '30s' },
    };
    const sc = resolveScenario(path.join(chaos, 'scenario.ts'), d, { cwd: os.tmpdir(), mode: 'fixed' });
    expect(sc.load.scriptPath).toBe(path.join(chaos, 'load.k6.ts'));
    expect(sc.parts.find((p) => p.kind === 'mariadb')).toMatchObject({
      schemaPath: path.join(cwd, 'schema.sql'),
      charset: 'utf8mb4',
      collation: 'utf8mb4_unicode_ci',
      variables: {},
    });
    // A service runs in its cwd, from the scenario's folder; by default in that folder itself.
    expect(sc.parts.find((p) => p.name === 'app')).toMatchObject({ cwd });
    expect(sc.parts.find((p) => p.name === 'other')).toMatchObject({ cwd: chaos });
    // A relative scenario path is taken from the working directory given, as the CLI does.
    expect(resolveScenario('chaos/scenario.ts', d, { cwd, mode: 'fixed' }).load.scriptPath).toBe(path.join(chaos, 'load.k6.ts'));
  });

  it('takes MariaDB server settings and load.env as given', () => {
    const d: ScenarioDefinition = {
      ...good(),
      stack: () => ({
        // general_log and lc_messages are prefixes of protected options, but variables by their own full name; skip_name_resolve's rest is harmless.
        db: mariadb({
          charset: 'latin1',
          variables: { innodb_lock_wait_timeout: 5, sql_mode: 'STRICT_ALL_TABLES', general_log: 1, lc_messages: 'en_US', skip_name_resolve: 1 },
        }),
        app: service({ command: ['x'], dependsOn: ['db'] }),
        edge: gateway({ to: 'app', timeout: '3s' }),
      }),
      load: { ...good().load, env: { TOKEN: 't0k' } },
    };
    const sc = resolveScenario('demo.ts', d, { cwd, mode: 'fixed' });
    expect(sc.parts.find((p) => p.kind === 'mariadb')).toMatchObject({
      charset: 'latin1',
      collation: 'latin1_general_ci',
      variables: { innodb_lock_wait_timeout: '5', sql_mode: 'STRICT_ALL_TABLES', general_log: '1', lc_messages: 'en_US', skip_name_resolve: '1' },
    });
    expect(sc.load.env).toEqual({ TOKEN: 't0k' });
  });

  it('a slow target finds its VUs ready: 4 s of responses allocated before the start, up to every request running into the timeout', () => {
    const base = good();
    const sc = resolveScenario('demo.ts', { ...base, load: { ...base.load, rate: 20, requestTimeout: '3s' } }, { cwd, mode: 'fixed' });
    expect(sc.load).toMatchObject({ preAllocatedVUs: 80, maxVUs: 80 });
    // The newcomer's case: 20/s, answers slowing to 2-3 s, the default 10 s timeout: 80 ready (60 needed), 220 at most.
    expect(resolveScenario('demo.ts', { ...base, load: { ...base.load, rate: 20 } }, { cwd, mode: 'fixed' }).load).toMatchObject({
      preAllocatedVUs: 80,
      maxVUs: 220,
    });
    // Given preAllocatedVUs above the default maxVUs raises maxVUs with it; a huge rate stops pre-allocating at 2000.
    expect(resolveScenario('demo.ts', { ...base, load: { ...base.load, preAllocatedVUs: 500 } }, { cwd, mode: 'fixed' }).load).toMatchObject({
      preAllocatedVUs: 500,
      maxVUs: 500,
    });
    expect(resolveScenario('demo.ts', { ...base, load: { ...base.load, rate: 1000 } }, { cwd, mode: 'fixed' }).load).toMatchObject({
      preAllocatedVUs: 2000,
      maxVUs: 11_000,
    });
  });

  it('a load sent to a running service (a loopback URL) needs no stack part', () => {
    const d: ScenarioDefinition = {
      ...good(),
      modes: ['fixed'],
      stack: () => ({}),
      timeline: [],
      load: { script: 'load.ts', target: 'http://127.0.0.1:8080', rate: 5, duration: '5s' },
      expect: { baseline: ['rate(5xx) < 1%'] },
    };
    const sc = resolveScenario('demo.ts', d, { cwd });
    expect(sc.parts).toEqual([]);
    expect(sc.load.targetUrl).toBe('http://127.0.0.1:8080');
  });
  it('arrivals per second: the duration is their length, the rate their busiest second, VUs sized per group', () => {
    const d: ScenarioDefinition = {
      ...good(),
      timeline: [at('1s', latency({ link: 'app→db', latency: '1s' }), { for: '1s' })],
      load: { script: 'load.ts', target: 'edge', requestTimeout: '2s', arrivals: { get_a: [4, 10, 0], post_b: [1, 3, 5] } },
    };
    const sc = resolveScenario('demo.ts', d, { cwd, mode: 'fixed' });
    // Per group: its busiest second × (the 2 s request timeout + 1 s), all allocated before the start (3 s < 4 s).
    expect(sc.load).toMatchObject({ durationMs: 3000, rate: 13, preAllocatedVUs: 30 + 15, maxVUs: 30 + 15 });
    expect(sc.load.arrivals).toEqual([
      { exec: 'get_a', perSecond: [4, 10, 0], preAllocatedVUs: 30, maxVUs: 30 },
      { exec: 'post_b', perSecond: [1, 3, 5], preAllocatedVUs: 15, maxVUs: 15 },
    ]);
  });

  it('a load shed starts after the last heal, keeps a share of the rate, and must end before the load', () => {
    // good(): the last heal is the lock wait's, at 15 s + 2 s.
    const sc = resolveScenario('demo.ts', { ...good(), load: { ...good().load, shed: { after: '3s', to: '25%', for: '6s' } } }, { cwd, mode: 'fixed' });
    expect(sc.load.shed).toEqual({ fromMs: 20_000, toMs: 26_000, share: 0.25, rate: 3 });
  });

  it('a warm-up: its ms, none by default', () => {
    expect(resolveScenario('demo.ts', good(), { cwd, mode: 'fixed' }).load.warmUpMs).toBe(0);
    expect(resolveScenario('demo.ts', { ...good(), load: { ...good().load, warmUp: '2s' } }, { cwd, mode: 'fixed' }).load.warmUpMs).toBe(2000);
  });

  it('resolves a gateway over two instances: a link to each, checks in ms, leader routing', () => {
    const d: ScenarioDefinition = {
      ...good(),
      modes: ['fixed'],
      stack: pair,
      timeline: [at('5s', kill({ part: 'a1' }))],
      expect: { overall: ['ejection{part:a1} < 1s'] },
    };
    const r = resolveScenario('demo.ts', d, { cwd });
    expect(r.links.map((l) => l.name)).toEqual(['edge→a1', 'edge→a2']);
    expect(r.parts.find((p) => p.name === 'edge')).toMatchObject({
      to: ['a1', 'a2'],
      check: { path: '/health', intervalMs: 250, fall: 2, rise: 2 },
      leader: { paths: ['/jobs'], check: '/leader' },
    });
    expect(r.expect.overall.map((e) => e.source)).toEqual(['ejection{part:a1} < 1s']);
  });

  it('resolves a good scenario: start order, links, ms, defaults', () => {
    const r = resolveScenario('demo.ts', good(), { cwd, mode: 'broken' });
    expect(r.mode).toBe('broken');
    expect(r.parts.map((p) => p.name)).toEqual(['db', 'app', 'edge']);
    expect(r.links.map((l) => l.name)).toEqual(['app→db', 'edge→app']);
    expect(r.timeline[0]).toMatchObject({
      atMs: 5000,
      forMs: 5000,
      fault: { type: 'latency', link: 'app→db', latencyMs: 300, streams: ['downstream'], toxicity: 1 },
    });
    expect(r.timeline[1]?.fault).toEqual({ type: 'lockWait', db: 'db', rows: 'SELECT * FROM t WHERE id = 1' });
    expect(r.load).toMatchObject({ durationMs: 30_000, requestTimeoutMs: 10_000, preAllocatedVUs: 40, maxVUs: 110 });
    expect(r.steady.map((e) => e.source)).toEqual(['p95 < 100ms']);
    const app = r.parts.find((p) => p.name === 'app');
    expect(app).toMatchObject({ env: { MODE: 'broken' }, health: { http: '/health' } });
  });

  it('accepts -> as well as → in link names', () => {
    const def = { ...good(), timeline: [at('5s', latency({ link: 'app->db', latency: '1s' }), { for: '1s' })] };
    expect(resolveScenario('demo.ts', def, { cwd }).timeline[0]?.fault).toMatchObject({ link: 'app→db' });
  });

  it('resolves the link and process faults; instant faults take no duration', () => {
    const def = {
      ...good(),
      load: { ...good().load, duration: '60s' },
      timeline: [
        at('5s', timeout({ link: 'app→db' }), { for: '2s' }),
        at('10s', resetPeer({ link: 'app→db', after: '100ms' }), { for: '2s' }),
        at('15s', down({ link: 'edge→app' }), { for: '2s' }),
        at('20s', kill({ part: 'app' })),
        at('25s', freeze({ part: 'db' }), { for: '1s' }),
        at('30s', restart({ part: 'app' })),
      ],
    };
    const r = resolveScenario('demo.ts', def, { cwd });
    expect(r.timeline.map((t) => [t.fault, t.forMs])).toEqual([
      [{ type: 'timeout', link: 'app→db', timeoutMs: 0, streams: ['upstream', 'downstream'], toxicity: 1 }, 2000],
      [{ type: 'resetPeer', link: 'app→db', afterMs: 100, streams: ['upstream'], toxicity: 1 }, 2000],
      [{ type: 'down', link: 'edge→app' }, 2000],
      [{ type: 'kill', part: 'app', signal: 'SIGKILL' }, 0],
      [{ type: 'freeze', part: 'db' }, 1000],
      [{ type: 'restart', part: 'app' }, 0],
    ]);
  });

  it('a diskFull fault gives its part a data filesystem of its size at start (the largest when two ask); other parts none', () => {
    const def = {
      ...good(),
      load: { ...good().load, duration: '60s' },
      timeline: [at('5s', diskFull({ part: 'db' }), { for: '2s' }), at('10s', diskFull({ part: 'db', size: '512MB' }), { for: '2s' })],
    };
    const r = resolveScenario('demo.ts', def, { cwd });
    expect(r.parts.map((p) => [p.name, 'dataDiskBytes' in p ? p.dataDiskBytes : undefined])).toEqual(
      r.parts.map((p) => [p.name, p.name === 'db' ? 512e6 : undefined]),
    );
  });

  it('an HTTP fault puts its rule on its link, numbered by its entry; other links carry none', () => {
    const def = {
      ...good(),
      load: { ...good().load, duration: '60s' },
      timeline: [
        at('5s', latency({ link: 'app→db', latency: '1s' }), { for: '1s' }),
        at('10s', httpError({ link: 'edge→app', status: 503, share: 0.3, retryAfter: 2, path: '/upload' }), { for: '5s' }),
        at('20s', httpDelay({ link: 'edge->app', delay: '2s' }), { for: '5s' }),
        at('30s', httpAbort({ link: 'edge→app', share: 0.5 }), { for: '5s' }),
      ],
    };
    const r = resolveScenario('demo.ts', def, { cwd });
    expect(r.links.find((l) => l.name === 'app→db')?.http).toEqual([]);
    expect(r.links.find((l) => l.name === 'edge→app')?.http).toEqual([
      { id: 'f1', path: '/upload', share: 0.3, action: 'error', status: 503, retryAfterS: 2 },
      { id: 'f2', path: '/', share: 1, action: 'delay', delayMs: 2000 },
      { id: 'f3', path: '/', share: 0.5, action: 'abort' },
    ]);
    expect(r.timeline.slice(1).map((t) => t.label)).toEqual([
      'HTTP 503 (Retry-After 2) for 30% of requests to /upload on edge→app',
      'HTTP delay 2000 ms for every request on edge→app',
      'HTTP answers dropped for 50% of requests on edge→app',
    ]);
  });

  type Mutate = (d: ScenarioDefinition) => unknown;
  const bad: [string, Mutate, string, RegExp][] = [
    ['no stack parts', (d) => ({ ...d, stack: () => ({}) }), 'stack', /no parts/],
    ['stack not a function', (d) => ({ ...d, stack: {} }), 'stack', /function/],
    ['unknown part kind', (d) => ({ ...d, stack: () => ({ x: { kind: 'postgres' } }) }), 'stack.x', /./],
    ['unknown top-level key', (d) => ({ ...d, tiemline: [] }), '(root)', /tiemline/],
    ['unknown fault type', (d) => ({ ...d, timeline: [{ at: '1s', for: '1s', fault: { type: 'explode' } }] }), 'timeline[0].fault.type', /./],
    ['unparsable duration', (d) => ({ ...d, load: { ...d.load, duration: 'forever' } }), 'load.duration', /not a positive duration/],
    ['a warm-up of nothing', (d) => ({ ...d, load: { ...d.load, warmUp: '0s' } }), 'load.warmUp', /not a positive duration/],
    ['a warm-up into the first fault', (d) => ({ ...d, load: { ...d.load, warmUp: '5s' } }), 'load.warmUp', /does not end before the first fault \(at 5.00s\)/],
    ['a warm-up as long as the load', (d) => ({ ...d, timeline: [], load: { ...d.load, warmUp: '30s' } }), 'load.warmUp', /lasts the whole load \(30.0s\)/],
    ['a shed of no share', (d) => ({ ...d, load: { ...d.load, shed: { after: '1s', to: '0%', for: '5s' } } }), 'load.shed.to', /between 0% and 100%/],
    ['a shed as a number', (d) => ({ ...d, load: { ...d.load, shed: { after: '1s', to: '0.5', for: '5s' } } }), 'load.shed.to', /not a share/],
    [
      'a shed that never ends',
      (d) => ({ ...d, load: { ...d.load, shed: { after: '5s', to: '50%', for: '10s' } } }),
      'load.shed',
      /at or after its end \(30.0s\)/,
    ],
    [
      'a shed with nothing to recover from',
      (d) => ({ ...d, timeline: [], load: { ...d.load, shed: { after: '5s', to: '50%', for: '5s' } } }),
      'load.shed',
      /no fault/,
    ],
    ['negative at', (d) => ({ ...d, timeline: [at('-5s', latency({ link: 'app→db', latency: '1s' }), { for: '1s' })] }), 'timeline[0].at', /not a duration/],
    [
      'zero-length fault (heal before apply)',
      (d) => ({ ...d, timeline: [at('5s', latency({ link: 'app→db', latency: '1s' }), { for: '0s' })] }),
      'timeline[0].for',
      /positive/,
    ],
    [
      'fault past the end of the load',
      (d) => ({ ...d, timeline: [at('28s', latency({ link: 'app→db', latency: '1s' }), { for: '5s' })] }),
      'timeline[0]',
      /after the load ends/,
    ],
    [
      'link not in the stack',
      (d) => ({ ...d, timeline: [at('5s', latency({ link: 'edge→db', latency: '1s' }), { for: '1s' })] }),
      'timeline[0].fault.link',
      /not a link/,
    ],
    [
      'lockWait on a non-db part',
      (d) => ({ ...d, timeline: [at('5s', lockWait({ db: 'app', rows: 'SELECT 1' }), { for: '1s' })] }),
      'timeline[0].fault.db',
      /not a mariadb/,
    ],
    [
      'lockWait rows not a SELECT',
      (d) => ({ ...d, timeline: [at('5s', lockWait({ db: 'db', rows: 'DELETE FROM t' }), { for: '1s' })] }),
      'timeline[0].fault.rows',
      /one SELECT/,
    ],
    ['bad expectation syntax', (d) => ({ ...d, expect: { baseline: ['p95 is low'] } }), 'expect.baseline[0]', /cannot read/],
    [
      'a database counter naming no database',
      (d) => ({ ...d, expect: { fault: ['db_queries_per_request{db:app} < 3'] } }),
      'expect.fault[0]',
      /not a mariadb part/,
    ],
    [
      'upstream calls with no link an HTTP fault names',
      (d) => ({ ...d, expect: { fault: ['upstream_calls_per_request < 1.5'] } }),
      'expect.fault[0]',
      /needs a link with an HTTP proxy/,
    ],
    [
      'upstream calls on a link without an HTTP proxy',
      (d) => ({
        ...d,
        timeline: [at('5s', httpError({ link: 'edge→app', status: 503, share: 0.3 }), { for: '5s' })],
        expect: { fault: ['upstream_calls_per_request{link:app->db} < 1.5'] },
      }),
      'expect.fault[0]',
      /'app→db' in .* is not a link with an HTTP proxy/,
    ],
    [
      'a server counter per 100 ms window',
      (d) => ({ ...d, expect: { ...d.expect, steadyState: ['db_queries_per_request < 3'] } }),
      'expect.steadyState[0]',
      /per 100 ms window/,
    ],
    [
      // Every measure says whether it can be judged per window (ejection once was let through, to throw at judge time).
      'an ejection per 100 ms window',
      (d) => ({ ...d, expect: { ...d.expect, steadyState: ['ejection{part:app} < 2s'] } }),
      'expect.steadyState[0]',
      /per 100 ms window/,
    ],
    ['a write figure without a write check', (d) => ({ ...d, expect: { overall: ['lost_writes == 0'] } }), 'expect.overall[0]', /needs a write check/],
    [
      'committed_after_failure without keyed writes',
      (d) => ({ ...d, expect: { fault: ['committed_after_failure == 0'] }, writes: { db: 'db', table: 't' } }),
      'expect.fault[0]',
      /needs keyed writes/,
    ],
    [
      'duplicate_writes without keyed writes, in an entry’s phase',
      (d) => ({ ...d, expect: { lockWait: ['duplicate_writes == 0'] }, writes: { db: 'db', table: 't' } }),
      'expect.lockWait[0]',
      /needs keyed writes/,
    ],
    ['unknown status code', (d) => ({ ...d, expect: { fault: ['rate(999) < 1%'] } }), 'expect.fault[0]', /unknown status/],
    ['recovery outside its phase', (d) => ({ ...d, expect: { baseline: ['recovery < 1s'] } }), 'expect.baseline[0]', /recovery phase only/],
    ['load target not in the stack', (d) => ({ ...d, load: { ...d.load, target: 'cdn' } }), 'load.target', /not a service or gateway/],
    ['load target is a database', (d) => ({ ...d, load: { ...d.load, target: 'db' } }), 'load.target', /not a service or gateway/],
    ['missing load script', (d) => ({ ...d, load: { ...d.load, script: 'nope.ts' } }), 'load.script', /does not exist/],
    [
      'missing schema file',
      (d) => ({
        ...d,
        stack: () => ({ db: mariadb({ schema: 'nope.sql' }), app: service({ command: ['x'] }) }),
        load: { ...d.load, target: 'app' },
        timeline: [],
      }),
      'stack.db.schema',
      /does not exist/,
    ],
    [
      'dependsOn unknown part',
      (d) => ({ ...d, stack: () => ({ app: service({ command: ['x'], dependsOn: ['cache'] }) }), load: { ...d.load, target: 'app' }, timeline: [] }),
      'stack.app.dependsOn',
      /not a part/,
    ],
    [
      'dependency cycle',
      (d) => ({
        ...d,
        stack: () => ({ a: service({ command: ['x'], dependsOn: ['b'] }), b: service({ command: ['x'], dependsOn: ['a'] }) }),
        load: { ...d.load, target: 'a' },
        timeline: [],
      }),
      'stack.',
      /cycle/,
    ],
    [
      'gateway to nothing',
      (d) => ({ ...d, stack: () => ({ edge: gateway({ to: 'app', timeout: '1s' }) }), load: { ...d.load, target: 'edge' }, timeline: [] }),
      'stack.edge.to',
      /not a service/,
    ],
    ['mode not offered', (d) => d, 'modes', /not one this scenario offers/],
    [
      'stack function throws',
      (d) => ({
        ...d,
        stack: () => {
          throw new Error('boom');
        },
      }),
      'stack',
      /threw: boom/,
    ],
    ['instant fault given a duration', (d) => ({ ...d, timeline: [at('5s', kill({ part: 'app' }), { for: '1s' })] }), 'timeline[0].for', /no duration/],
    ['lasting fault without a duration', (d) => ({ ...d, timeline: [at('5s', down({ link: 'app→db' }))] }), 'timeline[0].for', /needs a duration/],
    [
      'kill a part that is not there',
      (d) => ({ ...d, timeline: [at('5s', kill({ part: 'cache' }))] }),
      'timeline[0].fault.part',
      /'cache' is not a part of the stack/,
    ],
    [
      'an HTTP fault on a link to a database',
      (d) => ({ ...d, timeline: [at('5s', httpError({ link: 'app→db', status: 503 }), { for: '1s' })] }),
      'timeline[0].fault.link',
      /not a link to a service/,
    ],
    [
      'an HTTP status that is no error',
      (d) => ({ ...d, timeline: [at('5s', httpError({ link: 'edge→app', status: 200 }), { for: '1s' })] }),
      'timeline[0].fault.status',
      /./,
    ],
    [
      'an HTTP share over 1',
      (d) => ({ ...d, timeline: [at('5s', httpAbort({ link: 'edge→app', share: 30 }), { for: '1s' })] }),
      'timeline[0].fault.share',
      /./,
    ],
    [
      'an HTTP fault path with a space',
      (d) => ({ ...d, timeline: [at('5s', httpDelay({ link: 'edge→app', delay: '1s', path: '/a b' }), { for: '1s' })] }),
      'timeline[0].fault.path',
      /without spaces/,
    ],
    ['restart a database', (d) => ({ ...d, timeline: [at('5s', restart({ part: 'db' }))] }), 'timeline[0].fault.part', /not a service part/],
    [
      'flushCache on a database',
      (d) => ({ ...d, timeline: [at('5s', flushCache({ part: 'db' }))] }),
      'timeline[0].fault.part',
      /not a redis or memcached part/,
    ],
    ['ejection outside overall', (d) => ({ ...d, expect: { recovery: ['ejection{part:app} < 1s'] } }), 'expect.recovery[0]', /once per run/],
    [
      'ejection of a part behind no checking gateway',
      (d) => ({ ...d, timeline: [at('5s', kill({ part: 'app' }))], expect: { overall: ['ejection{part:app} < 1s'] } }),
      'expect.overall[0]',
      /not behind a gateway with health checks/,
    ],
    [
      'ejection of a part no fault hits',
      (d) => ({ ...d, stack: pair, timeline: [], expect: { overall: ['ejection{part:a2} < 1s'] } }),
      'expect.overall[0]',
      /no fault in the timeline hits 'a2'/,
    ],
    [
      'gateway names a server twice',
      (d) => ({
        ...d,
        stack: () => ({ a1: service({ command: ['x'] }), edge: gateway({ to: ['a1', 'a1'], timeout: '1s' }) }),
        load: { ...d.load, target: 'edge' },
        timeline: [],
      }),
      'stack.edge.to',
      /named twice/,
    ],
    [
      'leader routing without checks',
      (d) => ({
        ...d,
        stack: () => ({ a1: service({ command: ['x'] }), edge: gateway({ to: ['a1'], timeout: '1s', leader: { paths: ['/jobs'], check: '/leader' } }) }),
        load: { ...d.load, target: 'edge' },
        timeline: [],
      }),
      'stack.edge.leader',
      /needs health checks/,
    ],
    ['both rate and arrivals', (d) => ({ ...d, load: { ...d.load, arrivals: { get_a: [1, 2] } } }), 'load', /both rate and arrivals/],
    ['neither rate nor arrivals', (d) => ({ ...d, load: { script: 'load.ts', target: 'edge', duration: '30s' } }), 'load', /neither rate nor arrivals/],
    [
      'arrivals of unequal length',
      (d) => ({ ...d, timeline: [], load: { script: 'load.ts', target: 'edge', arrivals: { get_a: [1, 2, 3], post_b: [1] } } }),
      'load.arrivals.post_b',
      /1 seconds, where another group has 3/,
    ],
    [
      'arrivals group that cannot be an export',
      (d) => ({ ...d, timeline: [], load: { script: 'load.ts', target: 'edge', arrivals: { 'GET /a': [1] } } }),
      'load.arrivals.GET /a',
      /cannot name an export/,
    ],
    [
      'arrivals with a duration of another length',
      (d) => ({ ...d, timeline: [], load: { script: 'load.ts', target: 'edge', duration: '10s', arrivals: { get_a: [1, 2] } } }),
      'load.duration',
      /does not match the 2 seconds/,
    ],
    [
      'arrivals where nothing arrives',
      (d) => ({ ...d, timeline: [], load: { script: 'load.ts', target: 'edge', arrivals: { get_a: [0, 0] } } }),
      'load.arrivals',
      /no request arrives/,
    ],
    [
      'empty command',
      (d) => ({ ...d, stack: () => ({ app: service({ command: [] }) }), load: { ...d.load, target: 'app' }, timeline: [] }),
      'stack.app.command',
      /./,
    ],
    [
      'a service folder that does not exist',
      (d) => ({ ...d, stack: () => ({ app: service({ command: ['x'], cwd: 'no-such-dir' }) }), load: { ...d.load, target: 'app' }, timeline: [] }),
      'stack.app.cwd',
      /folder 'no-such-dir' does not exist/,
    ],
    ['load.env overriding the target', (d) => ({ ...d, load: { ...d.load, env: { BASE_URL: 'http://x' } } }), 'load.env.BASE_URL', /set by the harness/],
    [
      'a collation of another character set',
      (d) => ({
        ...d,
        stack: () => ({ db: mariadb({ charset: 'latin1', collation: 'utf8mb4_bin' }), app: service({ command: ['x'], dependsOn: ['db'] }) }),
        load: { ...d.load, target: 'app' },
        timeline: [],
      }),
      'stack.db.collation',
      /not one of character set 'latin1'/,
    ],
    [
      'a server variable the run sets itself',
      (d) => ({
        ...d,
        stack: () => ({ db: mariadb({ variables: { port: 3306 } }), app: service({ command: ['x'], dependsOn: ['db'] }) }),
        load: { ...d.load, target: 'app' },
        timeline: [],
      }),
      'stack.db.variables.port',
      /set by brownout itself/,
    ],
    [
      'a server option that opens the server, as bind',
      (d) => ({
        ...d,
        stack: () => ({ db: mariadb({ variables: { bind: '0.0.0.0' } }), app: service({ command: ['x'], dependsOn: ['db'] }) }),
        load: { ...d.load, target: 'app' },
        timeline: [],
      }),
      'stack.db.variables.bind',
      /a prefix of 'bind_address'/,
    ],
    [
      'a server option that opens the server, as skip_grant_tables',
      (d) => ({
        ...d,
        stack: () => ({ db: mariadb({ variables: { skip_grant_tables: '1' } }), app: service({ command: ['x'], dependsOn: ['db'] }) }),
        load: { ...d.load, target: 'app' },
        timeline: [],
      }),
      'stack.db.variables.skip_grant_tables',
      /set by brownout itself or would open/,
    ],
    [
      'a server option that opens the server, as loose_bind_address',
      (d) => ({
        ...d,
        stack: () => ({ db: mariadb({ variables: { loose_bind_address: '0.0.0.0' } }), app: service({ command: ['x'], dependsOn: ['db'] }) }),
        load: { ...d.load, target: 'app' },
        timeline: [],
      }),
      'stack.db.variables.loose_bind_address',
      /sets 'bind_address'/,
    ],
    [
      'a server option that opens the server, as secure_file_priv',
      (d) => ({
        ...d,
        stack: () => ({ db: mariadb({ variables: { secure_file_priv: '/' } }), app: service({ command: ['x'], dependsOn: ['db'] }) }),
        load: { ...d.load, target: 'app' },
        timeline: [],
      }),
      'stack.db.variables.secure_file_priv',
      /would open the server/,
    ],
    [
      'a server option that opens the server, as init_f',
      (d) => ({
        ...d,
        stack: () => ({ db: mariadb({ variables: { init_f: '/tmp/x.sql' } }), app: service({ command: ['x'], dependsOn: ['db'] }) }),
        load: { ...d.load, target: 'app' },
        timeline: [],
      }),
      'stack.db.variables.init_f',
      /a prefix of 'init_file'/,
    ],
    [
      'a gateway check path with a line break (it would add HAProxy config)',
      (d) => ({
        ...d,
        stack: () => ({
          app: service({ command: ['x'] }),
          edge: gateway({ to: 'app', timeout: '1s', check: { path: '/health\nlisten x 0.0.0.0:1', interval: '1s', fall: 1, rise: 1 } }),
        }),
        load: { ...d.load, target: 'app' },
        timeline: [],
      }),
      'stack.edge.check.path',
      /a URL path/,
    ],
    [
      'a health path with a space',
      (d) => ({
        ...d,
        stack: () => ({ app: service({ command: ['x'], health: '/health x' }) }),
        load: { ...d.load, target: 'app' },
        timeline: [],
      }),
      'stack.app.health',
      /not a health check: a path \('\/health', no space or line break\), 'tcp', or \{ command: \[\.\.\.\] \}/,
    ],
    [
      'a health check that is neither a path, tcp nor a command',
      (d) => ({
        ...d,
        stack: () => ({ app: service({ command: ['x'], health: { cmd: ['redis-cli', 'ping'] } as never }) }),
        load: { ...d.load, target: 'app' },
        timeline: [],
      }),
      'stack.app.health',
      /not a health check/,
    ],
  ];
  for (const [what, mutate, field, message] of bad) {
    it(`rejects: ${what}, naming the file, the field and a fix`, () => {
      const opts = what === 'mode not offered' ? { cwd, mode: 'chaotic' } : { cwd };
      let err: unknown;
      try {
        resolveScenario('demo.ts', mutate(good()), opts);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScenarioError);
      const se = err as ScenarioError;
      const problem = se.problems.find((p) => (p.field || '(root)').startsWith(field));
      expect(problem, `problems: ${JSON.stringify(se.problems)}`).toBeDefined();
      expect(problem?.message).toMatch(message);
      expect(problem?.fix.length).toBeGreaterThan(5);
      expect(se.describe()).toContain('demo.ts');
    });
  }
});

describe('a scenario with several problems', () => {
  it('shows each problem with its own fix line', () => {
    const d: ScenarioDefinition = { ...good(), load: { script: 'nope.ts', target: 'nowhere', rate: 10, duration: '30s' } };
    let text = '';
    try {
      resolveScenario('demo.ts', d, { cwd, mode: 'fixed' });
    } catch (e) {
      text = (e as ScenarioError).describe();
    }
    expect(text).toMatch(/^ScenarioError \[BO_SCENARIO\]: invalid scenario: 2 problems$/m);
    expect(text).toMatch(/^ {2}1\. demo\.ts › load\.target: 'nowhere' is not a service or gateway of the stack\n {5}fix: use one of app, edge$/m);
    expect(text).toMatch(
      /^ {2}2\. demo\.ts › load\.script: file 'nope\.ts' does not exist .*\n {5}fix: create it or correct the path: relative to the scenario's folder/m,
    );
  });
});

describe("a timeline entry's own phase", () => {
  const two = (names: [string?, string?], expect: ScenarioDefinition['expect'] = {}): ScenarioDefinition => ({
    ...good(),
    timeline: [
      at('5s', latency({ link: 'app→db', latency: '1s' }), { for: '2s', ...(names[0] ? { name: names[0] } : {}) }),
      at('10s', latency({ link: 'edge→app', latency: '1s' }), { for: '2s', ...(names[1] ? { name: names[1] } : {}) }),
    ],
    expect,
  });
  it('is named by the scenario, or after its fault type, numbered where the type repeats', () => {
    expect(resolveScenario('demo.ts', two(['slow-db', 'slow-edge']), { cwd, mode: 'fixed' }).timeline.map((t) => t.phase)).toEqual(['slow-db', 'slow-edge']);
    expect(resolveScenario('demo.ts', two([]), { cwd, mode: 'fixed' }).timeline.map((t) => t.phase)).toEqual(['latency-1', 'latency-2']);
    expect(resolveScenario('demo.ts', good(), { cwd, mode: 'fixed' }).timeline.map((t) => t.phase)).toEqual(['latency', 'lockWait']);
  });
  it('takes expectations under its name', () => {
    const sc = resolveScenario('demo.ts', two(['slow-db'], { 'slow-db': ['p95 < 1500ms', 'rate(5xx) < 1%'] }), { cwd, mode: 'fixed' });
    expect(sc.faultExpect['slow-db']?.map((e) => e.source)).toEqual(['p95 < 1500ms', 'rate(5xx) < 1%']);
  });
  it.each([
    ['a key that names no entry', two(['slow-db'], { 'slow-dv': ['p95 < 1s'] }), 'expect.slow-dv', /neither a phase nor the name of a timeline entry/],
    ['a name taken twice', two(['same', 'same']), 'timeline[1].name', /names two entries/],
    ['a name a phase has', two(['recovery']), 'timeline[0].name', /the name of a phase brownout has already/],
    ['recovery under an entry', two(['slow-db'], { 'slow-db': ['recovery < 1s'] }), 'expect.slow-db[0]', /not measured per fault/],
  ])('rejects %s', (_what, def, field, message) => {
    let err: unknown;
    try {
      resolveScenario('demo.ts', def, { cwd, mode: 'fixed' });
    } catch (e) {
      err = e;
    }
    const problem = (err as ScenarioError).problems.find((p) => p.field === field);
    expect(problem?.message).toMatch(message);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mariadbKind, SERVICE_ACCOUNT } from './mariadb.ts';
import { planIn, resolvePart } from './testkit.ts';

describe('mariadb part', () => {
  it('utf8mb4 and database app unless told; its server variables as strings; a dependent gets the service account', () => {
    const { part, problems } = resolvePart(mariadbKind, 'db', { kind: 'mariadb', variables: { innodb_lock_wait_timeout: 3 } }, { db: 'mariadb' });
    expect(problems).toEqual([]);
    expect(part).toMatchObject({ database: 'app', charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci', variables: { innodb_lock_wait_timeout: '3' } });
    if (!part) throw new Error('not resolved');
    expect(mariadbKind.waits(part)).toEqual({ kind: 'mariadb', name: 'db', lockWaitMs: 3000 });
    expect(mariadbKind.dependencyEnv(part, { host: '127.0.0.1', port: 4000, password: 'pw' })).toEqual({
      DB_HOST: '127.0.0.1',
      DB_PORT: '4000',
      DB_USER: SERVICE_ACCOUNT,
      DB_PASSWORD: 'pw',
      DB_DATABASE: 'app',
    });
  });
  it('another charset takes its own default collation; a collation of another charset, a variable the run sets and a missing schema file are problems', () => {
    expect(resolvePart(mariadbKind, 'db', { kind: 'mariadb', charset: 'latin1' }, {}).part?.collation).toBe('latin1_general_ci');
    const { problems } = resolvePart(mariadbKind, 'db', { kind: 'mariadb', collation: 'latin1_swedish_ci', variables: { port: 1 }, schema: 'nowhere.sql' }, {});
    expect(problems.map((p) => p.split(':')[0])).toEqual(['stack.db.schema', 'stack.db.collation', 'stack.db.variables.port']);
    expect(resolvePart(mariadbKind, 'db', { kind: 'mariadb', account: { user: 'root', password: 'x' } }, {}).problems[0]).toMatch(
      /^stack\.db\.account\.user: /,
    );
  });
  it('on containers: the server started with the same charset and variables as locally, the schema as an init script', () => {
    const { part } = resolvePart(
      mariadbKind,
      'db',
      { kind: 'mariadb', schema: 'fixtures/orders/schema.sql', variables: { innodb_lock_wait_timeout: 3 } },
      {},
      path.resolve(import.meta.dirname, '../../..'),
    );
    if (!part) throw new Error('not resolved');
    const plan = planIn(mariadbKind, part);
    expect(plan).toMatchObject({ kind: 'mariadb', port: 3306, database: 'app', user: SERVICE_ACCOUNT });
    expect(plan.command).toEqual(
      expect.arrayContaining(['--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', '--innodb-lock-wait-timeout=3']),
    );
    expect(plan.initScripts.map((s) => s.target)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/docker-entrypoint-initdb\.d\/.*schema/)]));
  });
});

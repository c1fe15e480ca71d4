import { describe, expect, it } from 'vitest';
import { parseExpectation } from './expectation.ts';
import { judge } from './judge.ts';
import { exp } from './testkit.ts';

describe('connections: what the services hold on a database after the load', () => {
  const run = (connections: Record<string, number> | undefined, text: string) =>
    judge({
      records: [],
      windows: [],
      loadStartMs: 0,
      loadEndMs: 1000,
      expect: { overall: [exp(text)] },
      steady: [],
      stableForMs: 1000,
      ...(connections ? { connections } : {}),
    }).expectations[0];

  it('the count of the database named, or of the only one', () => {
    expect(run({ db: 12, other: 1 }, 'connections{db:db} <= 10')).toMatchObject({ measured: 12, passed: false });
    expect(run({ db: 3 }, 'connections <= 10')).toMatchObject({ measured: 3, passed: true });
  });
  it('no count fails with a note naming the database', () => {
    expect(run({ db: 3 }, 'connections{db:orders} <= 10')).toMatchObject({ measured: undefined, passed: false, note: 'no connection count for orders' });
    expect(run(undefined, 'connections <= 10')).toMatchObject({ passed: false, note: 'no connection count for any database' });
  });
  it('takes only a {db:PART} filter', () => {
    expect(parseExpectation('connections{name:read} <= 10')).toMatchObject({
      ok: false,
      message: "'connections' takes only a {db:PART} filter in 'connections{name:read} <= 10'",
    });
  });
});

import { describe, expect, it } from 'vitest';
import { slowTransactionKind } from './slow-transaction.ts';
import { resolved, resolveWith } from './testkit.ts';

// Its apply (the statements in a transaction held open, rolled back at heal) is run on MariaDB in tests/integration/data-faults.test.ts.
describe('slowTransaction', () => {
  it('the statements as written, in order', () => {
    const sql = ['UPDATE albums SET title = title WHERE id = 1', 'SELECT * FROM photos WHERE album_id = 1 FOR UPDATE'];
    const { fault, label } = resolved(slowTransactionKind, { type: 'slowTransaction', db: 'db', sql });
    expect(fault.sql).toEqual(sql);
    expect(label).toBe(`slowTransaction on db: ${sql.join('; ')}`);
  });
  it('refuses a statement that would end or split the transaction, naming its index', () => {
    const problems = resolveWith(slowTransactionKind, {
      type: 'slowTransaction',
      db: 'db',
      sql: ['UPDATE t SET a = 1', 'COMMIT', 'SELECT 1; SELECT 2'],
    }).problems;
    expect(problems).toEqual([
      "timeline[0].fault.sql[1]: 'COMMIT' would end or split the transaction",
      "timeline[0].fault.sql[2]: 'SELECT 1; SELECT 2' would end or split the transaction",
    ]);
    expect(resolveWith(slowTransactionKind, { type: 'slowTransaction', db: 'db', sql: [] }).problems[0]).toMatch(/^timeline\[0\]\.fault\.sql: /);
  });
});

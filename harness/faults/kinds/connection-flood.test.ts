import { describe, expect, it } from 'vitest';
import { connectionFloodKind } from './connection-flood.ts';
import { resolved, resolveWith } from './testkit.ts';

// Its apply (connections opened until "Too many connections", held until heal) is run on MariaDB in tests/integration/data-faults.test.ts.
describe('connectionFlood', () => {
  it('at most 5000 connections unless told', () => {
    expect(resolved(connectionFloodKind, { type: 'connectionFlood', db: 'db' }).fault.max).toBe(5000);
    const { fault, label } = resolved(connectionFloodKind, { type: 'connectionFlood', db: 'db', max: 200 });
    expect(fault.max).toBe(200);
    expect(label).toBe('connectionFlood on db');
  });
  it('refuses a max that is not a whole positive number, and a part that is not a database', () => {
    expect(resolveWith(connectionFloodKind, { type: 'connectionFlood', db: 'db', max: -1 }).problems[0]).toMatch(/^timeline\[0\]\.fault\.max: /);
    expect(resolveWith(connectionFloodKind, { type: 'connectionFlood', db: 'app' }).problems).toEqual([
      "timeline[0].fault.db: 'app' is not a mariadb part of the stack",
    ]);
  });
});

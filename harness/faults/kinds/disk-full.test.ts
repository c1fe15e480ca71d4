import { describe, expect, it } from 'vitest';
import { diskFullKind } from './disk-full.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('diskFull', () => {
  it("fills the part's data filesystem for the span and empties it once at heal; asks for that filesystem, 256 MB unless told", async () => {
    const { fault, label } = resolved(diskFullKind, { type: 'diskFull', part: 'db' });
    expect(label).toBe('diskFull db');
    expect(diskFullKind.dataDisk?.(fault)).toEqual({ part: 'db', bytes: 256e6 });
    expect(resolved(diskFullKind, { type: 'diskFull', part: 'db', size: '1GiB' }).fault.bytes).toBe(1024 ** 3);
    expect(await applyAndHeal(diskFullKind, fault)).toEqual({ applied: ['db: disk filled'], healed: ['db: disk emptied'] });
  });
  it('refuses a size too small for MariaDB to start in, and a part that is not a database', () => {
    expect(resolveWith(diskFullKind, { type: 'diskFull', part: 'db', size: '64MB' }).problems).toEqual([
      "timeline[0].fault.size: '64MB' is not a size of 160MB or more (MariaDB's datadir holds ~110 MB before any data)",
    ]);
    expect(resolveWith(diskFullKind, { type: 'diskFull', part: 'cache' }).problems).toEqual([
      "timeline[0].fault.part: 'cache' is not a mariadb part of the stack",
    ]);
  });
});

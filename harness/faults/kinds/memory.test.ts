import { describe, expect, it } from 'vitest';
import { parseBytes } from '../../core/bytes.ts';
import { memoryKind } from './memory.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('memory', () => {
  it('reads MB and GB as 1000², MiB and GiB as 1024²', () => {
    expect(parseBytes('256MB')).toBe(256e6);
    expect(parseBytes('1.5 GB')).toBe(1.5e9);
    expect(parseBytes('512MiB')).toBe(512 * 1024 ** 2);
    expect(parseBytes('512')).toBeUndefined();
    expect(parseBytes('1TB')).toBeUndefined();
  });
  it('a ceiling for the span, lifted once at heal; the OOM kill it may cause is the fault’s', async () => {
    const { fault, label } = resolved(memoryKind, { type: 'memory', part: 'app', limit: '150MB' });
    expect(label).toBe('memory app at most 150MB');
    expect(memoryKind.hitsProcess).toBe(true);
    expect(await applyAndHeal(memoryKind, fault)).toEqual({ applied: ['app: memory 150000000'], healed: ['app: memory lifted'] });
  });
  it('refuses a size it cannot read and one under 16 MB, naming the field', () => {
    for (const limit of ['lots', '8MB'])
      expect(resolveWith(memoryKind, { type: 'memory', part: 'app', limit }).problems).toEqual([
        `timeline[0].fault.limit: '${limit}' is not a memory size of 16MB or more`,
      ]);
  });
});

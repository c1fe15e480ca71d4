import { describe, expect, it } from 'vitest';
import { slicerKind } from './slicer.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('slicer', () => {
  it('slices into packets of about `size` bytes; its delay goes to Toxiproxy in microseconds', async () => {
    const { fault, label } = resolved(slicerKind, { type: 'slicer', link: 'app→api', size: 64, variation: 16, delay: '2ms' });
    expect(label).toBe('slicer 64 B packets on app→api');
    const { applied } = await applyAndHeal(slicerKind, fault);
    expect(applied).toEqual(['app→api: add slicer f0-slicer-downstream downstream 1 {"average_size":64,"size_variation":16,"delay":2000}']);
  });
  it('refuses a variation not below the size', () => {
    expect(resolveWith(slicerKind, { type: 'slicer', link: 'app→api', size: 8, variation: 8 }).problems).toEqual([
      'timeline[0].fault.variation: variation 8 is not below size 8',
    ]);
  });
});

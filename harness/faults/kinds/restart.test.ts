import { describe, expect, it } from 'vitest';
import { restartKind } from './restart.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('restart', () => {
  it('restarts a service (ready when its health check answers), at one moment', async () => {
    const { fault, label } = resolved(restartKind, { type: 'restart', part: 'app' }, 0);
    expect(label).toBe('restart app');
    expect(await applyAndHeal(restartKind, fault)).toEqual({ applied: ['app: restart'], healed: [] });
  });
  it('only a service', () => {
    expect(resolveWith(restartKind, { type: 'restart', part: 'db' }).problems).toEqual(["timeline[0].fault.part: 'db' is not a service part of the stack"]);
  });
});

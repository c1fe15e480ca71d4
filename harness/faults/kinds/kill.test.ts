import { describe, expect, it } from 'vitest';
import { killKind } from './kill.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('kill', () => {
  it('SIGKILL by default, to any part; instant (nothing to heal), and the part may die of it', async () => {
    const { fault, label } = resolved(killKind, { type: 'kill', part: 'db' }, 0);
    expect(label).toBe('kill db (SIGKILL)');
    expect(killKind.instant).toBe(true);
    expect(killKind.hitsProcess).toBe(true);
    expect(await applyAndHeal(killKind, fault)).toEqual({ applied: ['db: SIGKILL'], healed: [] });
  });
  it('takes the signal a graceful stop would send; refuses one it does not know and a part the stack lacks', async () => {
    const { fault } = resolved(killKind, { type: 'kill', part: 'app', signal: 'SIGTERM' }, 0);
    expect((await applyAndHeal(killKind, fault)).applied).toEqual(['app: SIGTERM']);
    expect(resolveWith(killKind, { type: 'kill', part: 'app', signal: 'SIGHUP' as never }).problems[0]).toMatch(/^timeline\[0\]\.fault\.signal: /);
    expect(resolveWith(killKind, { type: 'kill', part: 'worker' }).problems).toEqual(["timeline[0].fault.part: 'worker' is not a part of the stack"]);
  });
});

import { describe, expect, it } from 'vitest';
import { clientPauseKind } from './client-pause.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('clientPause', () => {
  it("every client paused for the fault's span: CLIENT PAUSE <ms> ALL, healed when a PING goes through after it", async () => {
    const { fault, label } = resolved(clientPauseKind, { type: 'clientPause', part: 'cache' }, 30);
    expect(label).toBe('clientPause cache');
    const t0 = Date.now();
    expect(await applyAndHeal(clientPauseKind, fault)).toEqual({ applied: ['cache: CLIENT PAUSE 30 ALL'], healed: ['cache: PING'] });
    // The heal waits out the pause Redis was given (not a timer of its own that could end first).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
  });
  it('writes only: lifted at heal by CLIENT UNPAUSE', async () => {
    const { fault, label } = resolved(clientPauseKind, { type: 'clientPause', part: 'cache', only: 'writes' }, 60_000);
    expect(label).toBe('clientPause cache (writes)');
    expect(await applyAndHeal(clientPauseKind, fault)).toEqual({ applied: ['cache: CLIENT PAUSE 60000 WRITE'], healed: ['cache: CLIENT UNPAUSE'] });
  });
  it('only a redis part', () => {
    expect(resolveWith(clientPauseKind, { type: 'clientPause', part: 'app' }).problems).toEqual([
      "timeline[0].fault.part: 'app' is not a redis part of the stack",
    ]);
  });
});

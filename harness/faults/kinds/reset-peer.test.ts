import { describe, expect, it } from 'vitest';
import { resetPeerKind } from './reset-peer.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('resetPeer', () => {
  it('resets what is sent (upstream) by default, `after` ms into each connection', async () => {
    const { fault, label } = resolved(resetPeerKind, { type: 'resetPeer', link: 'app→cache', after: '250ms' });
    expect(fault).toMatchObject({ afterMs: 250, streams: ['upstream'] });
    expect(label).toBe('reset_peer on app→cache');
    const { applied, healed } = await applyAndHeal(resetPeerKind, fault);
    expect(applied).toEqual(['app→cache: add reset_peer f0-reset_peer-upstream upstream 1 {"timeout":250}']);
    expect(healed).toEqual(['app→cache: remove f0-reset_peer-upstream']);
  });
  it('refuses an `after` that is no duration', () => {
    expect(resolveWith(resetPeerKind, { type: 'resetPeer', link: 'app→cache', after: 'soon' }).problems).toEqual([
      "timeline[0].fault.after: 'soon' is not a duration",
    ]);
  });
});

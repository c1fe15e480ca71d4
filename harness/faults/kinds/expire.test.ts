import { describe, expect, it } from 'vitest';
import { expireKind } from './expire.ts';
import { applyAndHeal, recordingStack, resolved, resolveWith } from './testkit.ts';

describe('expire', () => {
  it('SCANs every matching key across cursors, then UNLINKs exactly the share of them', async () => {
    const { fault, label } = resolved(expireKind, { type: 'expire', part: 'cache', share: 0.5, pattern: 'channel:*' }, 0);
    expect(label).toBe('expire 50% of channel:* on cache');
    const keys = ['channel:1', 'channel:2', 'channel:3', 'channel:4', 'channel:5', 'channel:6'];
    // Redis's SCAN reply, two pages (cursor 7, then 0).
    const rec = recordingStack({ redisReply: (a) => (a[0] === 'SCAN' ? (a[1] === '0' ? ['7', keys.slice(0, 4)] : ['0', keys.slice(4)]) : 1) });
    const { applied, healed } = await applyAndHeal(expireKind, fault, rec);
    expect(applied.slice(0, 2)).toEqual(['cache: SCAN 0 MATCH channel:* COUNT 1000', 'cache: SCAN 7 MATCH channel:* COUNT 1000']);
    const unlinked = applied.slice(2).flatMap((l) => l.replace('cache: UNLINK ', '').split(' '));
    expect(unlinked).toHaveLength(3);
    expect(new Set(unlinked).size).toBe(3);
    for (const k of unlinked) expect(keys).toContain(k);
    expect(healed).toEqual([]);
  });
  it('every key by default; refuses a share above 1', () => {
    expect(resolved(expireKind, { type: 'expire', part: 'cache' }, 0).fault).toMatchObject({ share: 1, pattern: '*' });
    expect(resolveWith(expireKind, { type: 'expire', part: 'cache', share: 2 }).problems[0]).toMatch(/^timeline\[0\]\.fault\.share: /);
  });
});
